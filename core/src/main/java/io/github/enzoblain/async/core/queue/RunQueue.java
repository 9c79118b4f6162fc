package io.github.enzoblain.async.core.queue;

/**
 * The queue of ready tasks a loop takes its work from. Pluggable: a loop is built with one run queue, which decides the
 * order of ready work (FIFO, priority classes) and how much of it may wait (bounded or not).
 *
 * <p><b>Concurrency.</b> A run queue is owned by its loop and touched only by the loop's driver; implementations need no
 * synchronisation. Tasks from other threads reach it through the loop's inbox.
 *
 * <p><b>Contract.</b> {@link #offer} returns {@code false} only when the queue is at capacity; the loop then applies its
 * {@link AdmissionPolicy}. Tasks are opaque to the queue: a task may implement {@link Prioritized}. Cancelled tasks stay
 * where they are and are skipped by the loop when polled (cancellation never scans a queue).
 */
public interface RunQueue {

    /** Appends {@code task}; returns {@code false}, leaving the queue unchanged, if the queue is full. */
    boolean offer(Runnable task);

    /** Removes and returns the next task, or {@code null} if empty. */
    Runnable poll();

    /**
     * Removes and returns the task to drop when the queue must make room for {@code incoming}
     * ({@link AdmissionPolicy#dropOldest()}), or {@code null} if the queue is empty or would rather drop
     * {@code incoming} itself. By default the next task {@link #poll} would return: for a FIFO queue, the oldest. A
     * priority queue drops the oldest task of its least urgent class, unless that class is more urgent than
     * {@code incoming}'s.
     *
     * @param incoming the task that did not fit
     */
    default Runnable evict(Runnable incoming) {
        return poll();
    }

    /** @return the number of tasks held */
    int size();

    /** @return the most tasks this queue holds, {@link Integer#MAX_VALUE} when unbounded */
    int capacity();

    /** @return whether no task is held */
    default boolean isEmpty() {
        return size() == 0;
    }
}
