package io.github.enzoblain.async.reactive;

/**
 * The outcome of one task run by a {@link TaskPublisher}: which task, its value or its error, and when it was queued,
 * started and finished.
 *
 * <p>Immutable and safe to share between threads. Times are readings of the loop's clock, in nanoseconds.
 *
 * @param id         the loop's id for the task ({@link io.github.enzoblain.async.core.TaskHandle#id()}), or -1 if it
 *                   never reached the loop (refused at submission, or the upstream emitted something not a task:
 *                   an {@link IllegalArgumentException} then)
 * @param index      the task's position in the upstream sequence, from 0
 * @param value      the task's value (null if it failed, or if it returned null)
 * @param error      why the task failed, was cancelled or was rejected; null on success
 * @param queuedAt   when the publisher submitted the task to the loop
 * @param startedAt  when the loop started it, or -1 if it never ran
 * @param finishedAt when its outcome was known to the publisher
 * @param <T>        the value type
 */
public record TaskResult<T>(long id, long index, T value, Throwable error, long queuedAt, long startedAt,
                            long finishedAt) {

    /** @return whether the task completed normally */
    public boolean isSuccess() {
        return error == null;
    }

    /** @return how long the task waited in the loop (0 if it never ran) */
    public long waitNanos() {
        return startedAt < 0 ? 0 : startedAt - queuedAt;
    }

    /** @return how long it ran (0 if it never ran) */
    public long runNanos() {
        return startedAt < 0 ? 0 : finishedAt - startedAt;
    }
}
