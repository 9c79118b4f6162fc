package io.github.enzoblain.async.reactive;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * A task for a {@link TaskPublisher}: the work and how long after admission it should run.
 *
 * <p>Immutable and safe to share between threads.
 *
 * @param task  the work, run on the loop
 * @param delay how long after admission the task runs; {@link Duration#ZERO} means "submit now"
 * @param <T>   the task's value type
 */
public record TaskSpec<T>(Callable<? extends T> task, Duration delay) {

    /**
     * @throws NullPointerException     if {@code task} or {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    public TaskSpec {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must be >= 0, was " + delay);
        }
    }

    /** @return a task submitted as soon as it is admitted */
    public static <T> TaskSpec<T> of(Callable<? extends T> task) {
        return new TaskSpec<>(task, Duration.ZERO);
    }

    /** @return a task scheduled {@code delay} after it is admitted */
    public static <T> TaskSpec<T> delayed(Callable<? extends T> task, Duration delay) {
        return new TaskSpec<>(task, delay);
    }

    /** @return whether the task runs on a timer */
    public boolean isDelayed() {
        return !delay.isZero();
    }
}
