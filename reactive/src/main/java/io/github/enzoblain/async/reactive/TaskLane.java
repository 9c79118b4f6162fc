package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Loop;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The live tasks of one lane of a {@link LoopScheduler} (its direct tasks, or one worker's): an intrusive doubly-linked
 * list of {@link ScheduledTask}s, so adding, removing and cancelling one task are O(1) and closing the lane walks it
 * once.
 *
 * <p><b>Concurrency.</b> Any thread may schedule or cancel. The list, its size and the closed flag are guarded by this
 * object's monitor; {@code closed} is also volatile for the fast rejection check. Cancelling a loop task never blocks
 * (it is lock-free), so it is done while holding the monitor. A lane never holds its monitor while taking the
 * scheduler's, so lanes and scheduler cannot deadlock.
 */
class TaskLane {

    /*
     * Implementation notes.
     *
     * - Order of a schedule call: null check (NPE at the call), closed check (Exceptions.failWithRejected), then
     *   Schedulers.onSchedule exactly once on the caller's thread, then link under the monitor (re-checking closed),
     *   then hand the task to the loop. A loop that refuses (closed loop, full inbox) gets the task unlinked and the
     *   refusal rethrown as Reactor's rejection.
     * - FIFO and no overlap: the loop is single-threaded and runs ready tasks in acceptance order and timers in
     *   (deadline, sequence) order, so a lane needs no serialisation of its own. A delay <= 0, one-shot or a periodic
     *   task's initial one, is submitted, not scheduled: the loop runs due timers before queued tasks, so a timer due
     *   now would overtake the tasks scheduled before it. A fixed-rate task whose first run is queued so arms its
     *   loop-side periodic task when that run ends, due one period after the schedule call (ScheduledTask).
     */

    final LoopScheduler scheduler;
    final Loop loop;
    final String label;

    private volatile boolean closed;
    private ScheduledTask head;
    private ScheduledTask tail;
    private int size;

    TaskLane(LoopScheduler scheduler, String label) {
        this.scheduler = scheduler;
        this.loop = scheduler.loop();
        this.label = label;
    }

    final Disposable runNow(Runnable task) {
        ScheduledTask t = admit(task, false, false);
        try {
            t.setHandle(loop.submit(t));
        } catch (RejectedExecutionException e) {
            throw refused(t, e);
        }
        return t;
    }

    final Disposable runAfter(Runnable task, long delay, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        return runOnceAfter(admit(task, false, false), delay, unit);
    }

    /**
     * Hands an admitted task to the loop once (its first run, for a back-to-back task): a delay {@code <= 0} means now,
     * as on Reactor's schedulers ({@code exec.submit}), so the task queues behind the tasks already ready and a worker
     * stays FIFO; as a timer due now it would run before them.
     */
    private Disposable runOnceAfter(ScheduledTask t, long delay, TimeUnit unit) {
        try {
            t.setHandle(delay <= 0 ? loop.submit(t) : loop.schedule(t, delay, unit));
        } catch (RejectedExecutionException e) {
            throw refused(t, e);
        }
        return t;
    }

    /**
     * Fixed rate, as Reactor's schedulers: each run is due one period after the previous deadline. A period
     * {@code <= 0} runs the task again as soon as each run ends, as Reactor's schedulers do
     * ({@code InstantPeriodicWorkerTask}): each run is then a task of its own to the loop, behind what was ready before.
     */
    final Disposable runAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(unit, "unit");
        if (period <= 0) {
            return runOnceAfter(admit(task, true, true), initialDelay, unit);
        }
        ScheduledTask t = admit(task, true, false);
        if (initialDelay <= 0) { // the first run now, queued (FIFO, as above); the rest due a period apart from here
            t.restAtFixedRate(loop.now(), unit.toNanos(period));
            return runOnceAfter(t, 0, unit);
        }
        try {
            t.setHandle(loop.scheduleAtFixedRate(t, Duration.ofNanos(unit.toNanos(initialDelay)),
                    Duration.ofNanos(unit.toNanos(period))));
        } catch (RejectedExecutionException e) {
            throw refused(t, e);
        }
        return t;
    }

    private ScheduledTask admit(Runnable task, boolean periodic, boolean backToBack) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            throw Exceptions.failWithRejected();
        }
        ScheduledTask t = new ScheduledTask(this, Schedulers.onSchedule(task), periodic, backToBack);
        synchronized (this) {
            if (closed) {
                throw Exceptions.failWithRejected();
            }
            t.linked = true;
            t.prev = tail;
            if (tail == null) {
                head = t;
            } else {
                tail.next = t;
            }
            tail = t;
            size++;
        }
        return t;
    }

    private RejectedExecutionException refused(ScheduledTask t, RejectedExecutionException e) {
        t.cancel();
        remove(t);
        return Exceptions.failWithRejected(e);
    }

    /** Unlinks {@code t} if still linked (any thread, O(1)). */
    final void remove(ScheduledTask t) {
        synchronized (this) {
            if (!t.linked) {
                return;
            }
            unlink(t);
        }
        if (scheduler.isDraining()) {
            scheduler.checkDrained();
        }
    }

    private void unlink(ScheduledTask t) {
        ScheduledTask p = t.prev;
        ScheduledTask n = t.next;
        if (p == null) {
            head = n;
        } else {
            p.next = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.prev = p;
        }
        t.prev = null;
        t.next = null;
        t.linked = false;
        size--;
    }

    /**
     * Refuses new tasks; cancels every live task ({@code all}) or only the periodic ones. The one-shot tasks left leave
     * the lane when they end, also if the loop itself drops them ({@link ScheduledTask#cancelledByLoop()},
     * {@link ScheduledTask#rejected}).
     */
    final void close(boolean all) {
        synchronized (this) {
            closed = true;
            ScheduledTask t = head;
            while (t != null) {
                ScheduledTask n = t.next;
                if (all || t.periodic) {
                    t.cancel();
                    unlink(t);
                }
                t = n;
            }
        }
    }

    final boolean isClosed() {
        return closed;
    }

    /** @return the number of live tasks */
    final synchronized int size() {
        return size;
    }
}
