package io.github.enzoblain.async.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The loop's door for other threads: a bounded, lock-free, multi-producer single-consumer array queue.
 *
 * <p>Producers claim an index with one CAS and publish the element with a release store; the single consumer (the
 * loop's driver) reads with acquire loads and frees the slot. No allocation after construction. A producer that finds
 * the queue full gets {@code -1} (the loop turns it into a {@code RejectedExecutionException}).
 */
final class Inbox {

    /*
     * Implementation notes. The producer index and the consumer index live on separate cache lines (padding fields),
     * as do the producer's cached view of the consumer index. An element slot is null while free; the consumer may see
     * producerIndex advanced before the element is stored, in which case it spins briefly on that slot (the producer is
     * between its CAS and its store).
     */

    private static final VarHandle ARRAY = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle PRODUCER_INDEX;
    private static final VarHandle CONSUMER_INDEX;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PRODUCER_INDEX = l.findVarHandle(Inbox.class, "producerIndex", long.class);
            CONSUMER_INDEX = l.findVarHandle(Inbox.class, "consumerIndex", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object[] buffer;
    private final int mask;

    long p00, p01, p02, p03, p04, p05, p06, p07;
    private volatile long producerIndex;
    long p10, p11, p12, p13, p14, p15, p16, p17;
    private volatile long producerLimit;
    long p20, p21, p22, p23, p24, p25, p26, p27;
    private volatile long consumerIndex;
    long p30, p31, p32, p33, p34, p35, p36, p37;

    Inbox(int capacity) {
        int n = Integer.highestOneBit(Math.max(1, capacity - 1) << 1);
        this.buffer = new Object[n];
        this.mask = n - 1;
        this.producerLimit = n;
    }

    int capacity() {
        return buffer.length;
    }

    /** Any thread. @return the index the element took (0, 1, 2, ... in offer order), or -1 if full */
    long offer(Object e) {
        long limit = producerLimit;
        long index;
        do {
            index = producerIndex;
            if (index >= limit) {
                limit = consumerIndex + buffer.length;
                if (index >= limit) {
                    return -1;
                }
                producerLimit = limit;
            }
        } while (!PRODUCER_INDEX.compareAndSet(this, index, index + 1));
        ARRAY.setRelease(buffer, (int) index & mask, e);
        return index;
    }

    /** Consumer only. @return the next element, or null if empty */
    Object poll() {
        long index = (long) CONSUMER_INDEX.getOpaque(this);
        int slot = (int) index & mask;
        Object e = ARRAY.getAcquire(buffer, slot);
        if (e == null) {
            if (index == producerIndex) {
                return null;
            }
            do { // a producer claimed the slot and is about to store into it
                Thread.onSpinWait();
                e = ARRAY.getAcquire(buffer, slot);
            } while (e == null);
        }
        ARRAY.setOpaque(buffer, slot, null);
        CONSUMER_INDEX.setRelease(this, index + 1);
        return e;
    }

    /** Any thread; exact for the consumer. */
    boolean isEmpty() {
        return consumerIndex == producerIndex;
    }

    /** Any thread; approximate while producers are active. */
    int size() {
        long size = producerIndex - consumerIndex;
        return (int) Math.max(0, Math.min(size, buffer.length));
    }
}
