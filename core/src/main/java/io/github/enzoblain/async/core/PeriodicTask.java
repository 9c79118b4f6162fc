package io.github.enzoblain.async.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A task that re-arms itself after each run: at a fixed rate (next deadline = previous deadline + period, so no drift)
 * or with a fixed delay (next deadline = end of run + delay). It stays PENDING between runs and ends only when
 * cancelled, when a run fails under {@link Loop.Builder#stopPeriodicOnFailure(boolean)}, or when its loop closes.
 */
final class PeriodicTask extends LoopTask<Void> {

    /*
     * Implementation notes. A cancel() during a run cannot end the task at once (the run is in progress): it leaves a
     * request in `cancelRequest` (NONE -> REQUESTED, by CAS, so of concurrent calls one alone says true), which the
     * driver takes (REQUESTED -> TAKEN) once the run has ended. Dekker-style: the canceller writes the request before
     * it re-reads the state, the driver writes the state (it leaves RUNNING) before it reads the request, so either
     * the canceller sees RUNNING and the driver then sees the request, or the canceller sees the run ended and takes
     * its request back (REQUESTED -> NONE; if the driver took it first, the task is cancelled by this call all the
     * same) and cancels the PENDING task the ordinary way. A request in (not taken back) makes every later call say
     * false, also while the task reads PENDING between the run's end and the loop ending it. A run that fails under stopPeriodicOnFailure decides its
     * fate while still RUNNING: the driver takes a request there (cancel wins, as in the JDK's STPE, whose cancel of
     * a running periodic task says true and ends it cancelled), or closes the door to new ones (NONE -> CLOSED), after
     * which a cancel() waits the few instructions until the task reads FAILED, and says false.
     */

    static final int NONE = 0, REQUESTED = 1, TAKEN = 2, CLOSED = 3;

    private static final VarHandle CANCEL_REQUEST;

    static {
        try {
            CANCEL_REQUEST = MethodHandles.lookup().findVarHandle(PeriodicTask.class, "cancelRequest", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long period;
    final boolean fixedRate;
    private volatile int cancelRequest;

    PeriodicTask(Loop loop, long id, Runnable body, long period, boolean fixedRate) {
        super(loop, id, body, Loop.DEFAULT_PRIORITY, true);
        this.period = period;
        this.fixedRate = fixedRate;
    }

    @Override
    public boolean cancel() {
        while (true) {
            int s = state;
            if (s == PENDING) {
                if (cancelRequest != NONE) {
                    return false; // a call during the last run asked (it said true): the loop is ending the task
                }
                if (super.cancel()) {
                    return true;
                }
            } else if (s == RUNNING) {
                if (CANCEL_REQUEST.compareAndSet(this, NONE, REQUESTED)) {
                    if (state == RUNNING || !CANCEL_REQUEST.compareAndSet(this, REQUESTED, NONE)) {
                        return true; // the loop takes the request when the run ends (or already took it)
                    }
                    // the run ended before the loop could see the request: taken back, cancel what the run left
                } else if (cancelRequest == CLOSED) {
                    Thread.onSpinWait(); // the failed run is ending the task: it reads FAILED in a moment
                } else {
                    return false; // another call's request is in (or taken): that call cancels the task
                }
            } else {
                return false;
            }
        }
    }

    /**
     * After the run, once the task has left RUNNING (driver only). @return whether a cancel() asked during the run:
     * the caller ends the task cancelled
     */
    boolean takeCancelRequest() {
        return cancelRequest == REQUESTED && CANCEL_REQUEST.compareAndSet(this, REQUESTED, TAKEN);
    }

    /**
     * A run failed and the loop stops periodic tasks on failure; still RUNNING (driver only). @return whether a
     * cancel() asked during the run (it wins: the caller ends the task cancelled), else no cancel() can ask any more
     */
    boolean cancelRequestedBeforeFailing() {
        while (true) {
            if (CANCEL_REQUEST.compareAndSet(this, REQUESTED, TAKEN)) {
                return true;
            }
            if (CANCEL_REQUEST.compareAndSet(this, NONE, CLOSED)) {
                return false;
            }
        }
    }

    @Override
    void afterRun(Object value, Throwable error) {
        loop.periodicRan(this, error);
    }

    @Override
    public boolean isPeriodic() {
        return true;
    }
}
