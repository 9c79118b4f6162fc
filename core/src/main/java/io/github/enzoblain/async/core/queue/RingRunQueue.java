package io.github.enzoblain.async.core.queue;

import java.util.Arrays;

/** FIFO run queue on a growable power-of-two ring buffer; grows by doubling, never shrinks (no steady-state allocation). */
final class RingRunQueue implements RunQueue {

    /*
     * Implementation notes. poll() leaves the slot it takes from as it is: the slots from `released` up to `head` hold
     * tasks already handed out. They are cleared together when a poll finds the queue empty (or a priority queue's
     * class runs empty), and a busy queue overwrites them as its tail comes round, so the ring never keeps more than
     * its length of finished tasks reachable, and none once the loop has drained it (one exception: the indexes are
     * ints, so if 2^32 or more polls pass without the queue ever running empty, the next release may clear only part
     * of the ring; what it leaves is overwritten as the tail comes round). Clearing per poll is a reference store with
     * G1's pre-write barrier, whose slow-path call makes the compiled run loop spill its live values to the stack on
     * every task (measured: about a tenth of a same-thread task's cost).
     */

    private static final Runnable[] NULLS = new Runnable[1024];

    private Runnable[] ring;
    private int mask;
    private int head; // next to poll
    private int tail; // next free
    private int released; // slots [released, head) hold tasks already polled, not yet cleared
    private final int capacity;
    private int limit; // min(capacity, ring.length): the size at which offer leaves its one-compare path

    RingRunQueue(int initialCapacity, int capacity) {
        int n = Integer.highestOneBit(Math.max(1, initialCapacity - 1) << 1);
        if (n < 0 || n > (1 << 30)) {
            n = 1 << 30;
        }
        this.ring = new Runnable[n];
        this.mask = n - 1;
        this.capacity = capacity;
        this.limit = Math.min(capacity, n);
    }

    @Override
    public boolean offer(Runnable task) {
        int size = tail - head;
        if (size >= limit) { // full ring or full queue
            if (size >= capacity) {
                return false;
            }
            grow();
        }
        ring[tail++ & mask] = task;
        return true;
    }

    @Override
    public Runnable poll() {
        int h = head;
        if (h == tail) {
            if (released != h) {
                releasePolled();
            }
            return null;
        }
        head = h + 1;
        return ring[h & mask];
    }

    /** Clears the slots of tasks already polled, so the ring no longer keeps them reachable. Only when empty. */
    void releasePolled() {
        int n = head - released; // negative after 2^31 polls without the queue running empty
        int from = released & mask;
        if (n < 0 || n >= ring.length) {
            clear(ring, 0, ring.length); // only when empty: every slot was polled
        } else if (from + n <= ring.length) {
            clear(ring, from, n);
        } else {
            clear(ring, from, ring.length - from);
            clear(ring, 0, from + n - ring.length);
        }
        released = head;
    }

    /**
     * Nulls {@code n} slots from {@code from}: copies from an array of nulls, a bulk copy with the collector's barriers
     * applied once per range (a fill loop pays a pre-write barrier check per slot, about half a nanosecond here).
     */
    private static void clear(Runnable[] a, int from, int n) {
        while (n > 0) {
            int k = Math.min(n, NULLS.length);
            System.arraycopy(NULLS, 0, a, from, k);
            from += k;
            n -= k;
        }
    }

    @Override
    public int size() {
        return tail - head;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    private void grow() {
        int n = ring.length;
        if (n == 1 << 30) {
            throw new IllegalStateException("run queue cannot grow past " + n + " tasks");
        }
        Runnable[] bigger = new Runnable[n << 1];
        int h = head & mask;
        int firstPart = n - h;
        System.arraycopy(ring, h, bigger, 0, firstPart);
        System.arraycopy(ring, 0, bigger, firstPart, h);
        Arrays.fill(ring, null);
        ring = bigger;
        mask = bigger.length - 1;
        limit = Math.min(capacity, bigger.length);
        tail = n;
        head = 0;
        released = 0;
    }

    /** For tests: the ring's length. */
    int capacityOfRing() {
        return ring.length;
    }

    /** For tests: the task references the ring holds, queued or already polled. */
    int heldSlots() {
        int n = 0;
        for (Runnable r : ring) {
            if (r != null) {
                n++;
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return "RunQueue[fifo, size=" + size() + (capacity == Integer.MAX_VALUE ? "" : ", capacity=" + capacity) + "]";
    }
}
