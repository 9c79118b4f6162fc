package io.github.enzoblain.async.core;

import java.util.concurrent.RejectedExecutionException;

/**
 * A task that is told when its loop drops it, that is ends it without running it, after the call that submitted it
 * returned: the loop {@linkplain #rejected refuses} it (taken in from another thread while a bounded run queue is full,
 * evicted from the queue by the admission policy, or found waiting in the inbox after the loop terminated or a
 * {@code shutdownNow()} stopped it), or the loop {@linkplain #cancelledByLoop cancels} it itself (a close that cancels
 * pending timers and periodic tasks, a {@code shutdownNow()}). A refusal at the call throws there instead, and a
 * {@code cancel()} tells its own caller: neither calls this (except a {@code cancel()} of a periodic task during its
 * run, which takes effect after the run: see {@link #cancelledByLoop()}).
 *
 * <p>The loop checks for this interface only when it drops a task, never on the way to running one. The object checked
 * is the one the caller submitted (the {@code Runnable} or {@code Callable} behind a handle, too). Adapters use it to
 * free what they hold for the task and to report a refusal where their users look: the reactive module's scheduler
 * takes the task out of its lane, and reports a refusal through Reactor's error hooks; its ingestion subscriber fails
 * the ingestion, which would otherwise wait for the dropped item forever. A plain task that implements it is not also
 * reported to the loop's {@linkplain Loop.Builder#errorHandler error handler} when refused, since it has been told; a
 * task with a handle is not reported there either way (its handle reads {@link TaskState#REJECTED} or
 * {@link TaskState#CANCELLED} and its stage fails with the same exception).
 *
 * <p><b>Concurrency.</b> Called once per drop, on the thread that dropped the task: the loop's driver, or a submitter
 * that found the loop terminated under its submission. A handle, if any, reads its terminal state before the call. It
 * should be short and must not block; an exception it throws goes to the error handler and changes nothing else.
 */
public interface DropAware {

    /** @param reason why the loop refused the task: the exception its handle (if any) fails with */
    default void rejected(RejectedExecutionException reason) {
    }

    /**
     * The loop cancelled the task itself: it closed (and its policy cancels this pending timer or periodic task), it was
     * shut down, or a {@code cancel()} of a periodic task that came while a run was in progress took effect after it.
     */
    default void cancelledByLoop() {
    }
}
