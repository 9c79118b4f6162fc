package io.github.enzoblain.async.core.queue;

import java.util.Arrays;

/** FIFO run queue on a growable power-of-two ring buffer; grows by doubling, never shrinks (no steady-state allocation). */
final class RingRunQueue implements RunQueue {

    private Runnable[] ring;
    private int mask;
    private int head; // next to poll
    private int tail; // next free
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
        if (head == tail) {
            return null;
        }
        int i = head++ & mask;
        Runnable task = ring[i];
        ring[i] = null;
        return task;
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
    }

    @Override
    public String toString() {
        return "RunQueue[fifo, size=" + size() + (capacity == Integer.MAX_VALUE ? "" : ", capacity=" + capacity) + "]";
    }
}
