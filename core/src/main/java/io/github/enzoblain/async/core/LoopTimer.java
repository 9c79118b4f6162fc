package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.time.TimerWheel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A one-shot delayed {@link Runnable} without a handle ({@link Loop#executeAfter}): its own timer-wheel entry, with
 * nothing else than what firing and cancelling need. 48 bytes with compressed references, against 88 for a
 * {@link LoopTask}: no id, result, future or timestamps.
 *
 * <p>{@code state} is the only field other threads write (cancellation, by CAS); the wheel's fields are the driver's.
 */
final class LoopTimer extends TimerWheel.Entry implements Cancellable {

    /*
     * Implementation notes. States: ARMED (0, so a timer made on the driver thread costs no store) -> FIRED when the
     * driver claims it to run, or -> CANCELLED by cancel(). A timer from another thread starts NEW (written before
     * the inbox publishes it) -> ARMED when the driver takes it in, or -> CANCELLED_NEW by cancel() (no signal: the
     * driver counts it when it takes it in). REJECTED: refused at the call or after the loop terminated. A cancel of
     * an ARMED timer from another thread offers the timer to the inbox again (or, if the inbox is full, pushes it on
     * the loop's stack of overflowed cancellations, drained with the inbox); the driver unlinks it then if it is
     * still in the wheel (otherwise the fire path already met it cancelled and counted it).
     */

    static final int ARMED = 0, NEW = 1, FIRED = 2, CANCELLED = 3, CANCELLED_NEW = 4, REJECTED = 5;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(LoopTimer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Loop loop;
    final Runnable body;
    volatile int state;

    /** A timer made on the driver thread: it is armed at once. */
    LoopTimer(Loop loop, Runnable body) {
        this.loop = loop;
        this.body = body;
    }

    /** A timer from another thread, due at {@code deadline} (relative to the loop's origin), for the inbox. */
    LoopTimer(Loop loop, Runnable body, long deadline) {
        this.loop = loop;
        this.body = body;
        presetDeadline(deadline);
        STATE.set(this, NEW); // published by the inbox's CAS
    }

    /**
     * The field firing reads beyond the wheel's own (see {@link TimerWheel.Entry#warm()}): {@code body}. Not the
     * volatile {@code state}: HotSpot lays it out beside the wheel's {@code position}, which the wheel loads itself, and
     * reading it would add an acquire per entry.
     */
    @Override
    protected int warm() {
        return body == null ? 0 : 1;
    }

    boolean transition(int from, int to) {
        return STATE.compareAndSet(this, from, to);
    }

    /** Refused: at the call (closed loop, full inbox) or by a terminated loop. */
    void reject() {
        state = REJECTED;
    }

    @Override
    public boolean cancel() {
        while (true) {
            int s = state;
            if (s == ARMED) {
                if (transition(ARMED, CANCELLED)) {
                    loop.timerCancelled(this);
                    return true;
                }
            } else if (s == NEW) {
                if (transition(NEW, CANCELLED_NEW)) {
                    return true; // the driver counts it when it takes it in
                }
            } else {
                return false;
            }
        }
    }

    @Override
    public boolean isDone() {
        int s = state;
        return s != ARMED && s != NEW;
    }

    @Override
    public String toString() {
        return "Timer[" + body + ", " + switch (state) {
            case ARMED, NEW -> "PENDING";
            case FIRED -> "FIRED";
            case REJECTED -> "REJECTED";
            default -> "CANCELLED";
        } + "]";
    }
}
