package io.github.enzoblain.async.core;

/**
 * Something submitted to a {@link Loop} that can still be called off: what {@link Loop#executeAfter} returns, the
 * smallest part of every {@link TaskHandle}, and the registration {@link Loop#onTermination(Runnable)} returns (whose
 * methods are described there).
 *
 * <p><b>Concurrency.</b> Both methods are safe from any thread. A {@link TaskHandle}'s {@link #isDone()} turns true
 * when the task has ended, and a thread that sees it true also sees everything the task wrote before (the state is
 * published with volatile semantics). The light timer of {@link Loop#executeAfter} reads done from the moment it fires,
 * before its body runs, so its {@code isDone()} says only that {@link #cancel()} can no longer stop it, and publishes
 * nothing the body writes.
 */
public interface Cancellable {

    /**
     * Cancels the task if it has not started: O(1) from any thread. A pending timer is unlinked from the loop's wheel:
     * at once on the loop's thread; from another thread when the loop next takes in its inbox (a parked loop is not
     * woken for it: it does so when it wakes for anything else, at the latest for its next timer).
     *
     * @return whether this call cancelled the task
     */
    boolean cancel();

    /**
     * @return whether the task can no longer be cancelled: it was cancelled or rejected, or it ran (a handle: it has
     *     ended; a light timer: it has fired, and its body may still be running)
     */
    boolean isDone();
}
