package io.github.enzoblain.async.core.queue;

/** Factories for the built-in {@link RunQueue}s. Each call returns a new queue, for one loop. */
public final class RunQueues {

    private RunQueues() {
    }

    /** @return an unbounded FIFO queue on a growable ring buffer */
    public static RunQueue fifo() {
        return new RingRunQueue(1024, Integer.MAX_VALUE);
    }

    /**
     * @param capacity the most tasks it holds; beyond it the loop's {@link AdmissionPolicy} decides
     * @return a bounded FIFO queue
     */
    public static RunQueue boundedFifo(int capacity) {
        requirePositive(capacity, "capacity");
        return new RingRunQueue(Math.min(capacity, 1024), capacity);
    }

    /**
     * @param classes number of priority classes, 1 to 64; tasks not {@link Prioritized} go to the middle class
     * @return an unbounded queue with priority classes, FIFO inside each class
     */
    public static RunQueue priority(int classes) {
        return boundedPriority(classes, Integer.MAX_VALUE);
    }

    /**
     * @param classes  number of priority classes, 1 to 64
     * @param capacity the most tasks it holds, over all classes
     * @return a bounded queue with priority classes, FIFO inside each class
     */
    public static RunQueue boundedPriority(int classes, int capacity) {
        if (classes < 1 || classes > 64) {
            throw new IllegalArgumentException("classes must be in [1, 64], was " + classes);
        }
        requirePositive(capacity, "capacity");
        return new PriorityRunQueue(classes, classes / 2, capacity);
    }

    private static void requirePositive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, was " + value);
        }
    }
}
