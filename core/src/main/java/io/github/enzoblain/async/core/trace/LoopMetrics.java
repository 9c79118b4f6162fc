package io.github.enzoblain.async.core.trace;

import io.github.enzoblain.async.core.LoopListener;
import io.github.enzoblain.async.core.TaskHandle;
import io.github.enzoblain.async.core.Watermark;
import io.github.enzoblain.async.core.time.Clock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * A listener that counts a loop's events and measures its tasks' queue wait and run time, without allocating.
 *
 * <p>Install it at build time and give it the loop's clock:
 * <pre>{@code
 * Clock clock = Clock.system();
 * LoopMetrics metrics = new LoopMetrics(clock);
 * Loop loop = Loop.builder().clock(clock).listener(metrics).build();
 * }</pre>
 *
 * <p><b>Concurrency.</b> The loop's driver writes (listener callbacks run on it only); any thread may read. Counters and
 * histograms are published with opaque stores: a reader on another thread sees recent values, each one whole, but not
 * an atomic snapshot of all of them. On the driver thread, or on any thread once driving has stopped and that stop
 * happens-before the read (a joined {@code LoopThread}, {@code Loop.close()}), every read is exact. One instance serves
 * one loop.
 *
 * <p><b>What is counted.</b> The events a listener hears: those of the tasks the loop tracks (see
 * {@link LoopListener}), which are every task with a handle ({@code submit}, {@code schedule}, {@code spawn}, periodic
 * tasks) and one plain task ({@code execute}, or a light {@code executeAfter} timer) in the loop's tracking interval.
 * With the loop tracking every task (this listener's {@code sampleEvery} is 1, or another listener asks for every task)
 * the counts cover every task the loop took in; with a sample they cover the sample, so the counts that depend on it
 * are named {@code tracked...}. {@code Loop.stats()} keeps the totals, counted by the loop for every task without a
 * listener's help (a cancelled untracked light timer, say, or a task refused at the call): read totals there (as
 * {@code LoopMeterBinder} does). The periodic counts, watermark crossings and idle transitions are exact either way.
 *
 * <p><b>What is measured.</b> <i>Queue wait</i>: from submission (for a timer: from its deadline) to the start of a run.
 * <i>Run time</i>: from the start of a run to its success or failure, read on the loop's clock; for a spawned task it
 * includes the wait for its stage. A periodic task contributes one queue wait and one run time per run.
 */
public final class LoopMetrics implements LoopListener {

    /*
     * Implementation notes.
     *
     * - One long[] of counters, single writer, opaque stores and loads (a listener's events are already off the
     *   loop's plain task path, so the per-event ordered store costs little here; the loop itself publishes its own
     *   counters under a seqlock instead, see Loop).
     * - Submissions are split the way Reactor's TimedScheduler splits them: direct, delayed, periodic (initial). A
     *   periodic iteration is a periodic timer firing after the task has already run once: in onTimerFired the handle
     *   still holds the previous run's start time (the loop sets it after this callback).
     * - The clock is read twice per run (start and end): the loop reads it too, but hands only the start to listeners.
     * - No totals here: a listener hears tracked tasks only, and hearing the others would take the per-task event that
     *   sampling exists to avoid; the loop counts every task anyway (LoopStats), so totals are read there.
     */

    private static final VarHandle COUNTER = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int DIRECT = 0, DELAYED = 1, PERIODIC = 2, ITERATIONS = 3, STARTED = 4, SUCCEEDED = 5,
            FAILED = 6, CANCELLED = 7, REJECTED = 8, TIMERS = 9, HIGH = 10, LOW = 11, IDLE = 12, COUNTERS = 13;

    private final Clock clock;
    private final int sampleEvery;
    private final long[] counters = new long[COUNTERS];
    private final LatencyHistogram queueWait = new LatencyHistogram();
    private final LatencyHistogram runTime = new LatencyHistogram();

    /**
     * Metrics of every task.
     *
     * @param clock the clock of the loop this listener will be installed on
     */
    public LoopMetrics(Clock clock) {
        this(clock, 1);
    }

    /**
     * Metrics that ask the loop to track one plain {@code execute(Runnable)} task (or light {@code executeAfter} timer)
     * in {@code sampleEvery}; tasks with a handle are always tracked. The loop tracks one in the smallest interval its
     * listeners ask for ({@code Loop.trackingInterval()}), so beside a listener that asks for more (a
     * {@link TraceRecorder} asks for every task) these metrics see and time more: the sample is the loop's, at its
     * interval, never sparser than {@code sampleEvery}. The histograms are then a sample: their percentiles and mean
     * estimate the whole, their counts and totals cover the sample; the event counts of plain tasks cover the sample
     * too (one plain task stands for the loop's interval of them, not for {@code sampleEvery}), while
     * {@code Loop.stats()} keeps the exact totals. Timing a task reads the clock twice, which can cost more than a
     * small task itself: sampling keeps the distributions for a fraction of that cost.
     *
     * @param clock       the clock of the loop this listener will be installed on
     * @param sampleEvery 1 for every task, {@code n} for one plain task in {@code n} (at most: see above)
     * @throws IllegalArgumentException if {@code sampleEvery < 1}
     */
    public LoopMetrics(Clock clock, int sampleEvery) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (sampleEvery < 1) {
            throw new IllegalArgumentException("sampleEvery must be >= 1, was " + sampleEvery);
        }
        this.sampleEvery = sampleEvery;
    }

    /**
     * @return the interval these metrics ask for (their {@link #trackingInterval()}): 1 for every task. The loop's own,
     *     {@code Loop.trackingInterval()}, is the smallest of its listeners' and may be smaller: it is the one the
     *     sample is taken at
     */
    public int sampleEvery() {
        return sampleEvery;
    }

    @Override
    public int trackingInterval() {
        return sampleEvery;
    }

    // ------------------------------------------------------------------------------------------- listener

    @Override
    public void onSubmit(TaskHandle<?> task) {
        inc(task.isPeriodic() ? PERIODIC : task.deadline() != -1 ? DELAYED : DIRECT);
    }

    @Override
    public void onStart(TaskHandle<?> task) {
        inc(STARTED);
        long deadline = task.deadline();
        long start = task.startedAt();
        queueWait.record(start - (deadline != -1 ? deadline : task.submittedAt()));
    }

    @Override
    public void onSuccess(TaskHandle<?> task) {
        inc(SUCCEEDED);
        runTime.record(clock.nanoTime() - task.startedAt());
    }

    @Override
    public void onFailure(TaskHandle<?> task, Throwable error) {
        inc(FAILED);
        runTime.record(clock.nanoTime() - task.startedAt());
    }

    @Override
    public void onCancel(TaskHandle<?> task) {
        inc(CANCELLED);
    }

    @Override
    public void onReject(TaskHandle<?> task, RejectedExecutionException reason) {
        inc(REJECTED);
    }

    @Override
    public void onTimerFired(TaskHandle<?> task) {
        inc(TIMERS);
        if (task.isPeriodic() && task.startedAt() != -1) {
            inc(ITERATIONS);
        }
    }

    @Override
    public void onIdle() {
        inc(IDLE);
    }

    @Override
    public void onWatermark(Watermark mark, int queueDepth) {
        inc(mark == Watermark.HIGH ? HIGH : LOW);
    }

    // -------------------------------------------------------------------------------------------- readings

    /**
     * @return tracked tasks accepted by the loop (all kinds; a task refused at the call, because the loop is closed or
     *     its inbox full, is not seen: {@code Loop.stats()} counts it, and every untracked task)
     */
    public long trackedSubmitted() {
        return read(DIRECT) + read(DELAYED) + read(PERIODIC);
    }

    /** @return tracked tasks submitted to run now ({@code submit}, {@code spawn}, and {@code execute} if tracked) */
    public long trackedSubmittedDirect() {
        return read(DIRECT);
    }

    /**
     * @return tracked one-shot tasks submitted with a delay ({@code schedule}, and {@code executeAfter} if tracked)
     */
    public long trackedSubmittedDelayed() {
        return read(DELAYED);
    }

    /** @return periodic tasks submitted (counted once each; every one: they have a handle) */
    public long submittedPeriodic() {
        return read(PERIODIC);
    }

    /** @return periodic timers that fired again after the task's first run (every one: they have a handle) */
    public long periodicIterations() {
        return read(ITERATIONS);
    }

    /** @return runs of tracked tasks started ({@code LoopStats.started()} counts every run) */
    public long trackedStarted() {
        return read(STARTED);
    }

    /** @return runs of tracked tasks that ended normally */
    public long trackedSucceeded() {
        return read(SUCCEEDED);
    }

    /**
     * @return runs of tracked tasks that threw (or spawned stages that failed; {@code LoopStats.failedRuns()} counts
     *     every one)
     */
    public long trackedFailed() {
        return read(FAILED);
    }

    /** @return runs of tracked tasks that ended, either way */
    public long trackedCompletedRuns() {
        return read(SUCCEEDED) + read(FAILED);
    }

    /**
     * @return cancelled tracked tasks taken out of the loop ({@link LoopListener#onCancel});
     *     {@code LoopStats.cancelled()} counts every one, an untracked light timer cancelled or a plain task
     *     {@code shutdownNow()} returned too
     */
    public long trackedCancelled() {
        return read(CANCELLED);
    }

    /**
     * @return tracked tasks rejected on the loop ({@link LoopListener#onReject}: a full run queue, or left in the inbox
     *     when the loop terminated; a refusal at the call is not seen); {@code LoopStats.rejected()} counts every one,
     *     refusals at the call and untracked tasks too
     */
    public long trackedRejected() {
        return read(REJECTED);
    }

    /** @return tracked timers that fell due (every timer with a handle, and light timers if tracked) */
    public long trackedTimersFired() {
        return read(TIMERS);
    }

    /** @return crossings of the high watermark */
    public long highWatermarkCrossings() {
        return read(HIGH);
    }

    /** @return crossings back to the low watermark */
    public long lowWatermarkCrossings() {
        return read(LOW);
    }

    /** @return times the loop ran out of work after running some */
    public long idleTransitions() {
        return read(IDLE);
    }

    /** @return the distribution of queue waits (submission or deadline to start) */
    public LatencyHistogram queueWait() {
        return queueWait;
    }

    /** @return the distribution of run times (start to end) */
    public LatencyHistogram runTime() {
        return runTime;
    }

    private void inc(int counter) {
        COUNTER.setOpaque(counters, counter, counters[counter] + 1);
    }

    private long read(int counter) {
        return (long) COUNTER.getOpaque(counters, counter);
    }

    @Override
    public String toString() {
        return "LoopMetrics[tracked: submitted=" + trackedSubmitted() + ", started=" + trackedStarted()
                + ", succeeded=" + trackedSucceeded() + ", failed=" + trackedFailed()
                + ", cancelled=" + trackedCancelled() + ", rejected=" + trackedRejected()
                + ", queueWait=" + queueWait + ", runTime=" + runTime + "]";
    }
}
