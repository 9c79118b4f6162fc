package io.github.enzoblain.async.core.queue;

/**
 * What a loop does when its run queue is full and a task arrives. Called on the loop's driver thread.
 *
 * <p>A policy returns exactly one task to reject: either {@code incoming} itself, or a task it removed from
 * {@code queue} after which it {@linkplain RunQueue#offer offered} {@code incoming}. The loop completes the rejected task
 * as {@code REJECTED}, so every task still ends in exactly one terminal state. A policy that throws refuses
 * {@code incoming}: the loop rejects it with a {@code RejectedExecutionException} whose cause is what the policy threw
 * (a task the policy removed from the queue before it threw is beyond the loop's reach: a policy must not do that).
 * A policy that leaves the queue holding more or fewer tasks than before, a task removed and not returned, say, is
 * reported to the loop's error handler as an {@link IllegalStateException}: the loop cannot reach that task either.
 */
@FunctionalInterface
public interface AdmissionPolicy {

    /**
     * @param incoming the task that did not fit
     * @param queue    the full queue
     * @return the task to reject (never {@code null})
     */
    Runnable onFull(Runnable incoming, RunQueue queue);

    /** @return the policy that rejects the incoming task: its caller sees a {@code RejectedExecutionException}. */
    static AdmissionPolicy reject() {
        return (incoming, queue) -> incoming;
    }

    /**
     * @return the policy that drops the oldest queued task to make room for the incoming one
     *     ({@link RunQueue#evict(Runnable)}: in a priority queue, the oldest task of the least urgent class, and never
     *     a task more urgent than the incoming one, which is then the one dropped)
     */
    static AdmissionPolicy dropOldest() {
        return (incoming, queue) -> {
            Runnable oldest = queue.evict(incoming);
            if (oldest == null || !queue.offer(incoming)) {
                if (oldest != null) {
                    throw new IllegalStateException("queue refused a task right after making room");
                }
                return incoming;
            }
            return oldest;
        };
    }
}
