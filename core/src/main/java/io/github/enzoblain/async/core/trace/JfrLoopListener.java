package io.github.enzoblain.async.core.trace;

import io.github.enzoblain.async.core.LoopListener;
import io.github.enzoblain.async.core.TaskHandle;
import io.github.enzoblain.async.core.Watermark;
import io.github.enzoblain.async.core.time.Clock;
import jdk.jfr.EventType;

import java.util.Objects;

/**
 * A listener that turns a loop's events into JDK Flight Recorder events, for {@code jcmd JFR.start}, JDK Mission
 * Control and {@code jfr print}. Event names (all under {@code io.github.enzoblain.async.}):
 * <ul>
 *   <li>{@code TaskRun}: one per run, committed when it ends: task id, label, queue wait, run time (loop clock),
 *       outcome ({@code success}/{@code failure}), periodic;</li>
 *   <li>{@code TimerFired}: task id, label, lateness (clock reading minus deadline), periodic;</li>
 *   <li>{@code WatermarkCrossed}: mark ({@code HIGH}/{@code LOW}), queue depth;</li>
 *   <li>{@code LoopBusy}: a busy period, from the first run after idle to the next idle, with its run count (its
 *       begin and end are on the JFR clock);</li>
 *   <li>{@code LoopIdle}: the loop ran out of work.</li>
 * </ul>
 * Every event carries the loop's name.
 *
 * <p><b>Cost.</b> Each callback first checks whether its event type is enabled in a running recording (a field read)
 * and returns at once if not; nothing is allocated then. The loop itself still pays for having a listener: with any
 * listener installed, plain {@code execute(Runnable)} tasks are tracked as handles. So the zero-cost claim is for a
 * loop with no listener installed; with this listener installed and no recording, the cost is the hook dispatch.
 *
 * <p><b>Concurrency.</b> Callbacks run on the loop's driver thread only; the busy-period state is driver-owned. One
 * instance serves one loop.
 */
public final class JfrLoopListener implements LoopListener {

    /*
     * Implementation notes.
     *
     * - EventType.isEnabled() reads the platform type's enabled flag; it is checked before an event object exists.
     *   Thresholds and throttles are then honoured by shouldCommit().
     * - Run time is read on the loop's clock at the end callback; the event's own JFR start/end are the commit time
     *   (TaskRun, TimerFired) or the busy period (LoopBusy, begun at the first run after idle).
     */

    private static final EventType TASK_RUN = EventType.getEventType(JfrEvents.TaskRun.class);
    private static final EventType TIMER_FIRED = EventType.getEventType(JfrEvents.TimerFired.class);
    private static final EventType WATERMARK = EventType.getEventType(JfrEvents.WatermarkCrossed.class);
    private static final EventType LOOP_IDLE = EventType.getEventType(JfrEvents.LoopIdle.class);
    private static final EventType LOOP_BUSY = EventType.getEventType(JfrEvents.LoopBusy.class);

    private final String loopName;
    private final Clock clock;
    private JfrEvents.LoopBusy busy;
    private long busyRuns;

    /**
     * @param loopName the loop's name, written into every event
     * @param clock    the clock of the loop this listener will be installed on
     */
    public JfrLoopListener(String loopName, Clock clock) {
        this.loopName = Objects.requireNonNull(loopName, "loopName");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void onStart(TaskHandle<?> task) {
        if (busy == null && LOOP_BUSY.isEnabled()) {
            busy = new JfrEvents.LoopBusy();
            busy.begin();
            busyRuns = 0;
        }
        busyRuns++;
    }

    @Override
    public void onSuccess(TaskHandle<?> task) {
        taskRun(task, "success");
    }

    @Override
    public void onFailure(TaskHandle<?> task, Throwable error) {
        taskRun(task, "failure");
    }

    private void taskRun(TaskHandle<?> task, String outcome) {
        if (!TASK_RUN.isEnabled()) {
            return;
        }
        JfrEvents.TaskRun e = new JfrEvents.TaskRun();
        if (e.shouldCommit()) {
            long start = task.startedAt();
            long deadline = task.deadline();
            e.loop = loopName;
            e.taskId = task.id();
            e.label = task.label();
            e.queueWait = Math.max(0, start - (deadline != -1 ? deadline : task.submittedAt()));
            e.runTime = Math.max(0, clock.nanoTime() - start);
            e.outcome = outcome;
            e.periodic = task.isPeriodic();
            e.commit();
        }
    }

    @Override
    public void onTimerFired(TaskHandle<?> task) {
        if (!TIMER_FIRED.isEnabled()) {
            return;
        }
        JfrEvents.TimerFired e = new JfrEvents.TimerFired();
        if (e.shouldCommit()) {
            e.loop = loopName;
            e.taskId = task.id();
            e.label = task.label();
            e.lateness = Math.max(0, clock.nanoTime() - task.deadline());
            e.periodic = task.isPeriodic();
            e.commit();
        }
    }

    @Override
    public void onIdle() {
        JfrEvents.LoopBusy b = busy;
        if (b != null) {
            busy = null;
            b.end();
            if (b.shouldCommit()) {
                b.loop = loopName;
                b.runs = busyRuns;
                b.commit();
            }
        }
        if (!LOOP_IDLE.isEnabled()) {
            return;
        }
        JfrEvents.LoopIdle e = new JfrEvents.LoopIdle();
        if (e.shouldCommit()) {
            e.loop = loopName;
            e.commit();
        }
    }

    @Override
    public void onWatermark(Watermark mark, int queueDepth) {
        if (!WATERMARK.isEnabled()) {
            return;
        }
        JfrEvents.WatermarkCrossed e = new JfrEvents.WatermarkCrossed();
        if (e.shouldCommit()) {
            e.loop = loopName;
            e.mark = mark.name();
            e.queueDepth = queueDepth;
            e.commit();
        }
    }
}
