package io.github.enzoblain.async.core;

/**
 * A snapshot of a loop's counters, readable from any thread.
 *
 * <p>Every counter is written by the loop's driver only (except rejections at the caller, which are counted atomically).
 * On the driver thread (in a task or a listener) {@link Loop#stats()} returns the live counters. Any other thread gets
 * the snapshot the driver last published: it publishes when it stops driving (the end of {@code runOnce()},
 * {@code runUntilIdle()}, a virtual clock's advance), when it idles inside {@code run(IdleStrategy)}, before the loop
 * terminates, and again after at most 1,088 task runs while it stays busy (1,024, checked between batches of up to 64);
 * rejections at the caller and the inbox size are added when the snapshot is read. A snapshot is written and read
 * under a sequence lock, so it is always one consistent cut between two tasks: {@link #isBalanced()} holds for every
 * snapshot, on any thread, busy or not:
 * {@code submitted = completed + failed + cancelled + rejected + queued + running + pendingTimers}.
 *
 * <p>A task is counted once in {@code submitted} and once in one terminal counter; {@code started} counts runs (a
 * periodic task runs many times). A cancelled task is counted as cancelled when the loop takes it out of its queue or
 * wheel; {@link TaskHandle#state()} says {@code CANCELLED} at once.
 *
 * @param submitted      tasks accepted or refused at submission
 * @param started        runs started
 * @param completed      tasks that completed
 * @param failed         tasks that failed
 * @param cancelled      cancelled tasks taken out of the loop
 * @param rejected       tasks rejected
 * @param queued         tasks in the run queue (including cancelled ones not yet skipped, and, while the listeners
 *                       hear of a low-watermark crossing, the task just taken out that has not started yet)
 * @param running        tasks running (including spawned tasks awaiting their stage)
 * @param pendingTimers  timers armed in the wheel (including periodic tasks between runs)
 * @param peakQueueDepth the largest run-queue depth seen
 * @param inbox          hand-offs from other threads not yet taken in by the loop (tasks, timers, and cancellations
 *                       of timers, which a parked loop takes in when it next wakes; a cancellation that found the
 *                       inbox full waits beside it, not counted here, and is taken in with it)
 * @param listenerErrors listener callbacks and {@link Loop#onTermination(Runnable)} callbacks that threw
 * @param failedRuns     runs that threw (a periodic task may fail many runs and keep its schedule)
 */
public record LoopStats(long submitted, long started, long completed, long failed, long cancelled, long rejected,
                        long queued, long running, long pendingTimers, long peakQueueDepth, long inbox,
                        long listenerErrors, long failedRuns) {

    /** @return whether every submitted task is accounted for exactly once */
    public boolean isBalanced() {
        return submitted == completed + failed + cancelled + rejected + queued + running + pendingTimers;
    }
}
