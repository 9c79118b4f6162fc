package io.github.enzoblain.async.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A loop's task ids: a Lamport clock in two halves, so that the loop's driver takes an id without an atomic
 * read-modify-write.
 *
 * <p><b>Concurrency.</b> {@link #nextOnDriver()} is called only by the thread in the loop's driver slot (successive
 * drivers are ordered by the slot's CAS and release); {@link #nextElsewhere()} by any thread. Ids are unique, and an id
 * is larger than every id taken by a call that happens-before the call taking it (so they increase in one thread's
 * order of calls); they are not consecutive.
 */
final class TaskIds {

    /*
     * Implementation notes.
     *
     * The driver takes n = max(driverHalf, othersHalf) + 1 (a volatile read) and writes n back to driverHalf (opaque:
     * no tearing for readers, no ordering asked); another thread CASes othersHalf to max(othersHalf, driverHalf) + 1.
     * The driver's ids are 2n, the others' 2n + 1, so the halves never collide. If one call happens-before another, the
     * second sees the first's counter value (its own half by program order or the CAS order, the other half through
     * the happens-before edge) and takes a larger one. A `lock xadd` on one shared counter was about 7% of a scheduled
     * timer's cost on the driver.
     *
     * Both halves sit on a cache line of their own: 64 bytes of padding on each side (longs are laid out in declaration
     * order). Another thread reads driverHalf for every id it takes; beside a loop's per-task counters, that read would
     * miss whenever the driver is busy.
     */

    private static final VarHandle DRIVER_HALF;
    private static final VarHandle OTHERS_HALF;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            DRIVER_HALF = l.findVarHandle(TaskIds.class, "driverHalf", long.class);
            OTHERS_HALF = l.findVarHandle(TaskIds.class, "othersHalf", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long p00, p01, p02, p03, p04, p05, p06, p07;
    private long driverHalf; // written by drivers only
    private volatile long othersHalf;
    long p10, p11, p12, p13, p14, p15, p16, p17;

    /** The driver thread only. @return a new id (even) */
    long nextOnDriver() {
        long n = Math.max(driverHalf, othersHalf) + 1;
        DRIVER_HALF.setOpaque(this, n);
        return n << 1;
    }

    /** Any thread but the driver. @return a new id (odd) */
    long nextElsewhere() {
        long seen = (long) DRIVER_HALF.getOpaque(this);
        long last;
        long n;
        do {
            last = othersHalf;
            n = Math.max(last, seen) + 1;
        } while (!OTHERS_HALF.compareAndSet(this, last, n));
        return n << 1 | 1;
    }
}
