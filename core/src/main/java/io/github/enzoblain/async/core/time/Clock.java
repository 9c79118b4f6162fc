package io.github.enzoblain.async.core.time;

/**
 * A monotonic source of nanoseconds for a loop: the system's {@link System#nanoTime()} in production, a virtual clock in
 * tests. Only differences between two readings of the same clock are meaningful.
 *
 * <p>Implementations must be safe to read from any thread: tasks are scheduled from other threads with deadlines computed
 * from the clock's reading on the caller's thread.
 */
@FunctionalInterface
public interface Clock {

    /** @return the current reading, in nanoseconds; never decreases. */
    long nanoTime();

    /** @return the system clock, backed by {@link System#nanoTime()}. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
