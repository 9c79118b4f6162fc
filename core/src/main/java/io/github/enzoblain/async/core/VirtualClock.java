package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.time.Clock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A clock that moves only when its owner moves it: virtual time for deterministic tests, where hours of timers run in
 * milliseconds.
 *
 * <p>Give it to one loop ({@link Loop.Builder#clock}); it then belongs to that loop. Moving it forward with
 * {@link #advanceBy}, {@link #advanceTo} or {@link #advanceToNextTimer} steps the loop through every timer that falls
 * due on the way, in (deadline, sequence) order, and runs the ready work at each step: while a timer's task runs,
 * {@link #nanoTime()} equals that timer's deadline. These methods drive the loop, so they are called by its driver (the
 * test's thread) under the loop's one-driver rule. A clock not yet given to a loop just moves.
 *
 * <p>It lives beside {@link Loop} rather than in the time package because moving it is driving the loop.
 *
 * <p><b>Concurrency.</b> {@link #nanoTime()} is safe from any thread (volatile read).
 */
public final class VirtualClock implements Clock {

    private static final VarHandle NOW;

    static {
        try {
            NOW = MethodHandles.lookup().findVarHandle(VirtualClock.class, "now", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile long now;
    private volatile Loop loop;

    /** A virtual clock reading 0. */
    public VirtualClock() {
        this(0);
    }

    /** @param start the first reading */
    public VirtualClock(long start) {
        this.now = start;
    }

    @Override
    public long nanoTime() {
        return now;
    }

    /** Moves time forward by {@code delta}, firing due timers on the way. @return the tasks run */
    public int advanceBy(Duration delta) {
        Objects.requireNonNull(delta, "delta");
        if (delta.isNegative()) {
            throw new IllegalArgumentException("cannot move time backwards: " + delta);
        }
        return advanceTo(Loop.saturatedAdd(now, Loop.saturatedNanos(delta)));
    }

    /** Moves time forward by {@code delta} {@code unit}s, firing due timers on the way. @return the tasks run */
    public int advanceBy(long delta, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        if (delta < 0) {
            throw new IllegalArgumentException("cannot move time backwards: " + delta + " " + unit);
        }
        return advanceTo(Loop.saturatedAdd(now, unit.toNanos(delta)));
    }

    /** Moves time forward to {@code nanoTime}, firing due timers on the way. @return the tasks run */
    public int advanceTo(long nanoTime) {
        if (nanoTime < now) {
            throw new IllegalArgumentException("cannot move time backwards: " + nanoTime + " < " + now);
        }
        Loop l = loop;
        if (l == null) {
            now = nanoTime;
            return 0;
        }
        return l.advanceTo(nanoTime);
    }

    /**
     * Runs the ready work first, then jumps to the next timer's deadline, if any, and runs what is due there (a timer
     * due past the end of the clock's range never falls due: there is nothing to jump to).
     *
     * @return the tasks run, that ready work included (0 if nothing was ready and no timer is pending)
     */
    public int advanceToNextTimer() {
        Loop l = loop;
        return l == null ? 0 : l.advanceToNextTimer();
    }

    void set(long nanoTime) {
        if (nanoTime > now) {
            NOW.setRelease(this, nanoTime); // only the driver writes; readers need no store-load fence from it
        }
    }

    void attach(Loop owner) {
        synchronized (this) {
            if (loop != null) {
                throw new IllegalStateException("this VirtualClock already belongs to loop '" + loop.name() + "'");
            }
            loop = owner;
        }
    }

    @Override
    public String toString() {
        return "VirtualClock[" + now + "ns]";
    }
}
