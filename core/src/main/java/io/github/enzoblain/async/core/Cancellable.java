package io.github.enzoblain.async.core;

/**
 * Something submitted to a {@link Loop} that can still be called off: what {@link Loop#executeAfter} returns, and the
 * smallest part of every {@link TaskHandle}.
 *
 * <p><b>Concurrency.</b> Both methods are safe from any thread. A thread that sees {@link #isDone()} return true also
 * sees everything the task wrote before it ended (the state is published with volatile semantics).
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

    /** @return whether the task has ended: ran, was cancelled or was rejected */
    boolean isDone();
}
