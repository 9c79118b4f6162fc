package io.github.enzoblain.async.core.trace;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The JDK Flight Recorder event types committed by {@link JfrLoopListener}. Stack traces are off: the events are
 * committed from listener callbacks, whose stacks say nothing the fields do not.
 */
final class JfrEvents {

    static final String PREFIX = "io.github.enzoblain.async.";

    private JfrEvents() {
    }

    @Name(PREFIX + "TaskRun")
    @Label("Task Run")
    @Category({"Async", "Loop"})
    @Description("One run of a loop task: its queue wait and run time on the loop's clock, and its outcome")
    @StackTrace(false)
    static final class TaskRun extends Event {
        @Label("Loop")
        String loop;
        @Label("Task Id")
        long taskId;
        @Label("Label")
        @Description("The task's label (worker, lane), if it has one")
        String label;
        @Label("Queue Wait")
        @Description("From submission (or the timer's deadline) to the start of the run")
        @Timespan(Timespan.NANOSECONDS)
        long queueWait;
        @Label("Run Time")
        @Timespan(Timespan.NANOSECONDS)
        long runTime;
        @Label("Outcome")
        @Description("success or failure")
        String outcome;
        @Label("Periodic")
        boolean periodic;
    }

    @Name(PREFIX + "TimerFired")
    @Label("Timer Fired")
    @Category({"Async", "Loop"})
    @Description("A loop timer fell due; its task runs next")
    @StackTrace(false)
    static final class TimerFired extends Event {
        @Label("Loop")
        String loop;
        @Label("Task Id")
        long taskId;
        @Label("Label")
        String label;
        @Label("Lateness")
        @Description("The loop clock's reading minus the timer's deadline")
        @Timespan(Timespan.NANOSECONDS)
        long lateness;
        @Label("Periodic")
        boolean periodic;
    }

    @Name(PREFIX + "WatermarkCrossed")
    @Label("Watermark Crossed")
    @Category({"Async", "Loop"})
    @Description("The loop's run queue crossed its high or low watermark: the backpressure signal")
    @StackTrace(false)
    static final class WatermarkCrossed extends Event {
        @Label("Loop")
        String loop;
        @Label("Mark")
        String mark;
        @Label("Queue Depth")
        int queueDepth;
    }

    @Name(PREFIX + "LoopIdle")
    @Label("Loop Idle")
    @Category({"Async", "Loop"})
    @Description("The loop ran out of ready work")
    @StackTrace(false)
    static final class LoopIdle extends Event {
        @Label("Loop")
        String loop;
    }

    @Name(PREFIX + "LoopBusy")
    @Label("Loop Busy")
    @Category({"Async", "Loop"})
    @Description("A busy period: from the first run after idle to the next idle (its duration is on the JFR clock)")
    @StackTrace(false)
    static final class LoopBusy extends Event {
        @Label("Loop")
        String loop;
        @Label("Runs")
        @Description("Runs started during the busy period")
        long runs;
    }
}
