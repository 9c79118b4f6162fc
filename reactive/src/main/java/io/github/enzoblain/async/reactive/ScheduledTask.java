package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Labelled;
import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.DropAware;
import io.github.enzoblain.async.core.TaskHandle;
import reactor.core.Disposable;
import reactor.core.Exceptions;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * One task given to a {@link LoopScheduler} or one of its workers: the {@link Runnable} the loop runs, the
 * {@link Disposable} the caller gets back, and the node of its lane's intrusive list, all in one object.
 *
 * <p><b>Concurrency.</b> {@code state} (LIVE, DONE, CANCELLED) moves once, by CAS, from any thread; {@code handle} is
 * published with a volatile write. {@code prev}, {@code next} and {@code linked} are guarded by the lane's monitor.
 */
final class ScheduledTask implements Runnable, Disposable, Labelled, DropAware {

    /*
     * Implementation notes.
     *
     * - The handle is set after loop.submit/schedule returns, so a cancel can come before it: cancel() writes state then
     *   reads handle, setHandle() writes handle then reads state (both volatile), so one of them cancels the loop task.
     *   run() re-checks the state, so a task cancelled before its handle was known never runs its body.
     * - A one-shot task leaves its lane when it ends (finally); a periodic task stays until cancelled. A periodic task
     *   with a period <= 0 (backToBack) is one loop task per run: each run submits the next before it returns, so the
     *   handle in `handle` is always the next run's, and cancel() reaches it as above. A fixed-rate task with an
     *   initial delay <= 0 runs first as a queued task (FIFO with what was scheduled before it), which then arms the
     *   loop's fixed-rate task for the rest (`restPeriod`), due one period after the schedule call (no drift, unless
     *   that first run comes more than a period late: the loop clamps a delay in the past to now), and hands its
     *   handle over the same way.
     * - A task the loop drops (DropAware) leaves its lane and reads disposed, so neither a lane nor a graceful dispose
     *   keeps it: cancelled by the loop itself (closed or shut down under the scheduler), quietly; refused after the
     *   schedule call returned (taken in from another thread while a bounded run queue is full, or after the loop
     *   terminated), reported through Reactor's error hooks, since Reactor has no signal for a refusal after the call
     *   and nothing else would tell anyone.
     * - Errors: a one-shot task reports through Reactor (ReactorErrors) and rethrows, so the loop counts it FAILED and
     *   LoopListener.onFailure sees it (the loop's errorHandler does not: tracked failures go to listeners only). A
     *   periodic task reports and swallows, so it keeps ticking whatever the loop's stopPeriodicOnFailure policy is, as
     *   Reactor's periodic tasks do, and is not reported twice by the loop's errorHandler.
     */

    static final int LIVE = 0, DONE = 1, CANCELLED = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ScheduledTask.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final TaskLane lane;
    final Runnable task;
    final boolean periodic;
    final boolean backToBack; // periodic with a period <= 0: submitted again as each run ends
    private volatile int state;
    private volatile TaskHandle<?> handle;
    private long restStart; // loop time of the schedule call: the rest's runs are due a period apart from it
    private long restPeriod; // > 0: this run is the first of a fixed-rate task, queued; the rest to arm (loop thread)

    // guarded by lane
    ScheduledTask prev;
    ScheduledTask next;
    boolean linked;

    ScheduledTask(TaskLane lane, Runnable task, boolean periodic, boolean backToBack) {
        this.lane = lane;
        this.task = task;
        this.periodic = periodic;
        this.backToBack = backToBack;
    }

    /** Before the first run is submitted: once it ran, it arms the rest at fixed rate (see Implementation notes). */
    void restAtFixedRate(long start, long periodNanos) {
        restStart = start;
        restPeriod = periodNanos;
    }

    void setHandle(TaskHandle<?> h) {
        handle = h;
        if (state == CANCELLED) {
            h.cancel();
        }
    }

    @Override
    public void run() {
        if (state != LIVE) {
            return; // cancelled before the loop task's handle was known
        }
        if (periodic) {
            long rest = restPeriod;
            if ((backToBack || rest > 0) && lane.loop.isShutdown()) { // a closing loop runs no periodic task: nor this
                endedByLoop();
                return;
            }
            try {
                task.run();
            } catch (Throwable e) {
                ReactorErrors.report(e); // keeps ticking, as in Reactor
            }
            if (rest > 0) {
                restPeriod = 0;
                if (state == LIVE) {
                    armRest(rest);
                }
            } else if (backToBack && state == LIVE) {
                runAgain();
            }
            return;
        }
        try {
            task.run();
        } catch (Throwable e) {
            ReactorErrors.report(e);
            throw ScheduledTask.<RuntimeException>sneaky(e); // the loop counts the failure
        } finally {
            STATE.compareAndSet(this, LIVE, DONE);
            lane.remove(this);
        }
    }

    /**
     * A period {@code <= 0}: the next run is a new loop task, behind what is ready now (on the loop's thread, so
     * without a lock). A loop that refuses it because it is closing ends it quietly, as a closing loop ends every
     * periodic task. A loop that refuses it because its bounded run queue is full ends it too, and that is reported
     * through Reactor's error hooks, as Reactor's own schedulers report a re-run their executor refuses (its
     * {@code InstantPeriodicWorkerTask}): never a silent stop. (Re-running it as a timer instead would bypass the bound,
     * and a timer due now runs before the queued tasks, which would then never drain.)
     */
    private void runAgain() {
        Loop loop = lane.loop;
        try {
            setHandle(loop.submit(this));
        } catch (RejectedExecutionException e) {
            if (endedByLoop() && !loop.isShutdown()) {
                ReactorErrors.report(Exceptions.failWithRejected(e));
            }
        }
    }

    /** After a queued first run: the loop's fixed-rate task for the rest. A closing loop ends it quietly. */
    private void armRest(long period) {
        Loop loop = lane.loop;
        try {
            setHandle(loop.scheduleAtFixedRate(this, Duration.ofNanos(restStart + period - loop.now()),
                    Duration.ofNanos(period)));
        } catch (RejectedExecutionException e) {
            endedByLoop(); // closed under the scheduler: it ends every periodic task
        }
    }

    /**
     * The loop refused this task after the schedule call returned (taken in from another thread while its bounded run
     * queue was full, or after it terminated): Reactor's contract has no signal for that, so it is reported as Reactor
     * reports what it cannot deliver ({@code Schedulers.onHandleError}), and the task leaves its lane (it reads
     * disposed), so neither a lane nor a graceful dispose keeps it.
     */
    @Override
    public void rejected(RejectedExecutionException reason) {
        if (endedByLoop()) { // not disposed meanwhile: somebody may be waiting for it
            ReactorErrors.report(Exceptions.failWithRejected(reason));
        }
    }

    /**
     * The loop cancelled this task itself (closed or shut down under the scheduler): it leaves its lane, so that
     * neither the lane nor a graceful dispose waits for it.
     */
    @Override
    public void cancelledByLoop() {
        endedByLoop();
    }

    /** The loop ended the task: if it never ran here, it is cancelled and leaves its lane (after a run: nothing). */
    private boolean endedByLoop() {
        if (!STATE.compareAndSet(this, LIVE, CANCELLED)) {
            return false;
        }
        lane.remove(this);
        return true;
    }

    /** LIVE -> CANCELLED and cancels the loop task (O(1)). @return whether this call cancelled */
    boolean cancel() {
        if (!STATE.compareAndSet(this, LIVE, CANCELLED)) {
            return false;
        }
        TaskHandle<?> h = handle;
        if (h != null) {
            h.cancel();
        }
        return true;
    }

    /** Reactor contract: idempotent, any thread; the task will not start if it has not yet. */
    @Override
    public void dispose() {
        if (cancel()) {
            lane.remove(this);
        }
    }

    /** @return true once the task has ended or been cancelled, also by the loop itself (closed or shut down) */
    @Override
    public boolean isDisposed() {
        return state != LIVE;
    }

    @Override
    public String label() {
        return lane.label;
    }

    @Override
    public String toString() {
        return "ScheduledTask[" + lane.label + ", " + (state == LIVE ? "live" : state == DONE ? "done" : "cancelled")
                + "]";
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable e) throws E {
        throw (E) e;
    }
}
