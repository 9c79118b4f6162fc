package io.github.enzoblain.async.core.queue;

/**
 * Priority classes, FIFO inside each class: {@link #poll} takes from the lowest non-empty class, {@link #evict} from
 * the highest (the least urgent). O(classes) in the worst case, with a bitmap so that it is one instruction for up to
 * 64 classes.
 */
final class PriorityRunQueue implements RunQueue {

    private final RingRunQueue[] classes;
    private final int defaultClass;
    private final int capacity;
    private long nonEmpty; // bit c set when class c has tasks (c < 64)
    private int size;

    PriorityRunQueue(int classCount, int defaultClass, int capacity) {
        this.classes = new RingRunQueue[classCount];
        for (int i = 0; i < classCount; i++) {
            classes[i] = new RingRunQueue(16, Integer.MAX_VALUE);
        }
        this.defaultClass = defaultClass;
        this.capacity = capacity;
    }

    @Override
    public boolean offer(Runnable task) {
        if (size >= capacity) {
            return false;
        }
        int c = classOf(task);
        classes[c].offer(task);
        nonEmpty |= 1L << c;
        size++;
        return true;
    }

    @Override
    public Runnable poll() {
        return size == 0 ? null : pollClass(Long.numberOfTrailingZeros(nonEmpty));
    }

    /** The class a task goes to. */
    private int classOf(Runnable task) {
        int c = task instanceof Prioritized ? ((Prioritized) task).priority() : defaultClass;
        if (c < 0) {
            return defaultClass; // no class (a task submitted without a priority): like a task that is not Prioritized
        }
        return Math.min(c, classes.length - 1); // clamp: a bad class must not lose the task
    }

    /**
     * The oldest task of the least urgent non-empty class, if that class is not more urgent than {@code incoming}'s:
     * shedding load drops the work that would wait longest, and never a task more urgent than the one it makes room
     * for (then {@code null}: the incoming task is the one to drop).
     */
    @Override
    public Runnable evict(Runnable incoming) {
        if (size == 0) {
            return null;
        }
        int leastUrgent = 63 - Long.numberOfLeadingZeros(nonEmpty);
        return leastUrgent < classOf(incoming) ? null : pollClass(leastUrgent);
    }

    private Runnable pollClass(int c) {
        RingRunQueue q = classes[c];
        Runnable task = q.poll();
        if (q.isEmpty()) {
            nonEmpty &= ~(1L << c);
            q.releasePolled(); // the class is empty: its ring lets go of the tasks it handed out
        }
        size--;
        return task;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /** For tests: the task references the classes' rings hold, queued or already polled. */
    int heldSlots() {
        int n = 0;
        for (RingRunQueue q : classes) {
            n += q.heldSlots();
        }
        return n;
    }

    @Override
    public String toString() {
        return "RunQueue[priority, classes=" + classes.length + ", size=" + size + "]";
    }
}
