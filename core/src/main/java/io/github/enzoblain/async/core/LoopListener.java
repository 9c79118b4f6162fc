package io.github.enzoblain.async.core;

import java.util.concurrent.RejectedExecutionException;

/**
 * Lifecycle hooks of a {@link Loop}: the one extension point that metrics, tracing and backpressure signals are built on.
 *
 * <p><b>Concurrency.</b> Every callback runs on the loop's driver thread, one at a time, in the loop's deterministic
 * order; a listener needs no synchronisation for state it keeps to itself. Callbacks must be fast and must not block.
 *
 * <p><b>Isolation.</b> A callback that throws is caught; the error is passed to the loop's error handler and counted in
 * {@link LoopStats#listenerErrors()}; the other listeners still run and the task's fate is unchanged.
 *
 * <p><b>Tracking.</b> Tasks submitted with a handle ({@code submit}, {@code schedule}, {@code spawn}) always produce
 * events, once the call has not refused them (see {@link #onReject}). A plain {@code execute(Runnable)} task produces
 * events only if the loop tracks it (gives it a handle and clock readings, which costs far more than the task itself):
 * with no listener, never, and {@code execute} allocates nothing; with listeners, one plain task in
 * {@link #trackingInterval()} (the smallest interval among the loop's listeners, {@link Loop#trackingInterval()}),
 * counted from the first. So a listener that asks for one in {@code n} sees more when another listener asks for more:
 * what it counts of plain tasks is a sample at the loop's interval, not at its own. A light timer
 * ({@code executeAfter}) is sampled in the same count as plain tasks. {@link LoopStats} counts every task either way.
 */
public interface LoopListener {

    /**
     * A task was accepted by the loop (on its thread: for other threads' tasks, when it leaves the inbox), once it
     * holds its place in the run queue or the timer wheel: a task submitted from here runs after it.
     */
    default void onSubmit(TaskHandle<?> task) {
    }

    /** A task is about to run. */
    default void onStart(TaskHandle<?> task) {
    }

    /** A task ran and returned normally (for a periodic task: one run did). */
    default void onSuccess(TaskHandle<?> task) {
    }

    /** A task threw {@code error} (for a periodic task: one run did). */
    default void onFailure(TaskHandle<?> task, Throwable error) {
    }

    /** A cancelled task was taken out of the loop's queue or timer wheel. */
    default void onCancel(TaskHandle<?> task) {
    }

    /**
     * A task the loop had taken in was rejected: its bounded run queue was full (the task itself, or a queued task the
     * admission policy evicted for it), or it was still in the inbox when the loop terminated. A task refused at the
     * call (the loop closed, or its inbox full) makes no event: the call throws on the caller's thread instead.
     */
    default void onReject(TaskHandle<?> task, RejectedExecutionException reason) {
    }

    /**
     * A timer fell due; its task starts next (the stats count it pending until then; a {@code shutdownNow()} from here
     * cancels and returns it, and it does not run).
     */
    default void onTimerFired(TaskHandle<?> task) {
    }

    /**
     * The loop ran out of ready work. What a listener submits from here is ready at once: it runs before the driver
     * stops driving, and before a virtual clock moves on.
     */
    default void onIdle() {
    }

    /** The run queue crossed a watermark. */
    default void onWatermark(Watermark mark, int queueDepth) {
    }

    /**
     * How many plain {@code execute(Runnable)} tasks this listener needs to see: 1 (the default) for every one, as a
     * trace needs; {@code n} for one in {@code n}, a sample, enough for latency distributions at a fraction of the
     * cost. Read once, when the loop is built; the loop tracks one in the smallest interval its listeners ask for
     * ({@link Loop#trackingInterval()}), which may be smaller than this.
     *
     * @return the interval, at least 1
     */
    default int trackingInterval() {
        return 1;
    }
}
