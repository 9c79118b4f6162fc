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
 *
 * <p><b>A queue that throws.</b> A run queue must not throw; one that does (a bug, as a throwing listener is) leaves
 * the loop's promise that every task ends in exactly one terminal state as intact as the loop can keep it, and keeps
 * its stats balanced. What {@code offer}, {@code poll}, {@code size} or {@code isEmpty} throws reaches the loop's error
 * handler as the cause of an {@link IllegalStateException} naming the loop and the queue:
 * <ul>
 *   <li>{@link #offer} throws: the incoming task is refused as by a full queue, with a
 *       {@link java.util.concurrent.RejectedExecutionException} whose cause is the queue's error: thrown to a submitter
 *       on the loop's driver thread; a task from another thread, accepted into the loop's inbox, ends {@code REJECTED}
 *       when the loop takes it in. The loop goes on. A throwing {@code offer} must leave the queue unchanged (a plain
 *       task it kept anyway would run after it was counted rejected).</li>
 *   <li>{@link #poll}, {@link #size} or {@link #isEmpty} throws: the loop can no longer tell what the queue holds, so
 *       it stops, as by {@code shutdownNow()}: no new submission, pending timers cancelled. Of the tasks the loop counts
 *       in the queue, those {@code poll} still gives are cancelled; the rest are beyond its reach and counted cancelled
 *       (their handles never complete), so the stats stay balanced. The loop never calls the queue again, and the
 *       driving call ({@code runOnce}, {@code runUntilIdle}, {@code run}, a virtual clock's advance) during which it
 *       broke throws that {@link IllegalStateException} once it has let go of the loop; {@code close()} and
 *       {@code shutdownNow()} do not throw it.</li>
 *   <li>{@link #evict} throws (from {@link AdmissionPolicy#dropOldest()}): the admission policy threw, and the incoming
 *       task is refused with that error as the cause (see {@link AdmissionPolicy}).</li>
 *   <li>{@link #capacity} throws: a full queue's rejection says the capacity is unknown and carries the error as
 *       suppressed; {@code Loop.queueCapacity()} throws it to its caller.</li>
 * </ul>
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
