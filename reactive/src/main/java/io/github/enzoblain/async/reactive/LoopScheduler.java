package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.IdleStrategy;
import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopThread;
import io.github.enzoblain.async.core.time.Clock;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Reactor {@link Scheduler} over a {@link Loop}: every task, direct or from a worker, runs on the loop, one at a
 * time, in the loop's order.
 *
 * <p><b>Concurrency and visibility.</b> Every method is safe from any thread. What a thread does before it schedules a
 * task happens-before the task runs (the loop's guarantee). A worker's tasks run in FIFO order (timers in (deadline,
 * sequence) order) and never overlap; a delay {@code <= 0}, one-shot or the initial delay of a periodic task, means
 * now, as on Reactor's schedulers, so such a task (or first run) queues behind the tasks scheduled before it instead of
 * overtaking them as a timer due at once (the loop runs due timers first); a fixed-rate task's later runs are due one
 * period apart from the call. Disposables returned by {@code schedule} cancel in
 * O(1) from any thread: on the loop's thread the timer is unlinked at once, from another thread at the loop's next
 * step (a parked loop is not woken for it: see {@link io.github.enzoblain.async.core.Cancellable#cancel()}).
 *
 * <p><b>Two ways to get one.</b>
 * <ul>
 *   <li>{@link #create(Loop)} wraps a loop someone else drives, e.g. a test driving a loop built on a
 *       {@link io.github.enzoblain.async.core.VirtualClock}. Disposing the scheduler cancels its tasks but leaves the
 *       loop open. Closing or shutting down the loop under the scheduler ends the scheduler's pending tasks as the
 *       loop's policy says; a task the loop cancels so reads disposed and holds up no {@link #disposeGracefully()}.</li>
 *   <li>{@link #newLoopThread(String)} / {@link #started(Loop)} start a {@link LoopThread} whose thread is a
 *       {@link NonBlockingLoopThread} ({@code block()} on it fails fast, as on Reactor's parallel scheduler) and own
 *       it: disposing the scheduler closes the loop and ends the thread.</li>
 * </ul>
 *
 * <p><b>Contract (Reactor's).</b> Every {@code schedule*} call applies {@link reactor.core.scheduler.Schedulers#onSchedule}
 * exactly once, on the caller's thread. A null task or unit: {@link NullPointerException} at the call.
 * {@link #schedulePeriodically} is fixed-rate, like Reactor's own schedulers; with a period {@code <= 0} the task runs
 * again as soon as each run ends, as on Reactor's schedulers (each run then queues behind the tasks ready before it, and
 * a loop driven with {@code runUntilIdle()} is not idle while such a task lives; a bounded run queue that is full when
 * a run ends refuses the next one, which ends the task and is reported as below). A task the loop refuses after the
 * call returned (scheduled from another thread and taken in while a bounded run queue is full, or after the loop
 * terminated) reads disposed and is reported through Reactor's error hooks ({@code Schedulers.onHandleError}): Reactor
 * has no signal for a refusal after the call, so bound the wait of anything that depends on such a task.
 * {@link #now(TimeUnit)} reads the loop's clock, so virtual time works; on a loop on the system clock, in milliseconds
 * or coarser it reads the wall clock, as Reactor's schedulers do, so {@code timestamp()} and {@code timed()} give real
 * instants. After {@link #dispose()} or {@link #disposeGracefully()}, every {@code schedule*} call (on the scheduler and
 * on its workers) throws the {@link java.util.concurrent.RejectedExecutionException} of
 * {@link reactor.core.Exceptions#failWithRejected()}; {@link #createWorker()} still returns a worker, already disposed,
 * whose calls throw it too (as Reactor's schedulers do, so operators turn it into an {@code onError}); {@link #init()}
 * throws {@link IllegalStateException}. A task that throws is reported as Reactor reports it (the thread's uncaught
 * exception handler, or Reactor's log, then the {@code Schedulers.onHandleError} hooks) and the scheduler keeps working;
 * a one-shot task is then also counted FAILED by the loop ({@link io.github.enzoblain.async.core.LoopListener#onFailure}
 * sees it); a periodic task that throws keeps ticking, whatever the loop's stop-on-failure policy.
 *
 * <p><b>Virtual time without global state.</b> A test builds a loop on its own {@code VirtualClock}, builds its pipeline
 * on {@code LoopScheduler.create(loop)}, and moves the clock (which drives the loop) between StepVerifier expectations:
 * nothing global is swapped, so tests with separate loops can run side by side. Reactor's
 * {@code StepVerifier.withVirtualTime} cannot be fed a loop-backed scheduler: it takes a
 * {@code reactor.test.scheduler.VirtualTimeScheduler}, and although a subclass can override the direct
 * {@code schedule*} methods and {@code now}, its {@code createWorker()} is declared to return the package-private final
 * {@code VirtualTimeScheduler.VirtualTimeWorker}, which queues into the superclass's own private queue and clock; so
 * {@code publishOn}, {@code subscribeOn} and {@code bufferTimeout} would run outside the loop, on a second clock.
 * {@code withVirtualTime} also installs a global {@code Schedulers} factory, the very thing this class avoids.
 */
public final class LoopScheduler implements Scheduler {

    /*
     * Implementation notes.
     *
     * - Lanes: the scheduler's direct tasks live in one TaskLane, each worker is another. A lane is an intrusive list of
     *   ScheduledTask nodes under the lane's monitor: O(1) add, self-removal when a task ends, O(1) cancel; disposing a
     *   lane walks it once. Workers are themselves linked in an intrusive list under `lock`, so the scheduler can close
     *   them all. Lock order: never hold `lock` while taking a lane's monitor (dispose snapshots the workers first).
     * - Lifecycle: OPEN -> DRAINING (disposeGracefully) -> DISPOSED, or OPEN -> DISPOSED. isDisposed() is true from
     *   DRAINING on, as in Reactor. DRAINING cancels periodic tasks (they never end on their own) and waits for the
     *   one-shot tasks already accepted: every lane removal checks, while draining, whether all lanes are empty. A task
     *   the loop drops without running it (closed or shut down under us, or a refusal after the call) is told
     *   (core's DropAware) and leaves its lane (ScheduledTask).
     * - Owned thread: dispose() closes the LoopThread after cancelling every task, so it returns once the task running
     *   (if any) ends; called on the loop thread itself it returns at once and the loop terminates after the task.
     */

    private static final int OPEN = 0, DRAINING = 1, DISPOSED = 2;

    private final Loop loop;
    private final boolean systemClock; // System.nanoTime(): now() in milliseconds or coarser is the wall clock
    private final LoopThread thread;
    private final TaskLane direct;
    private final AtomicLong workerIds = new AtomicLong();
    private final Object lock = new Object();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    private volatile int state = OPEN;
    private LoopWorker workers; // guarded by lock

    private final CompletableFuture<Void> threadEnded; // completed by the owned thread as it ends; null if none

    private LoopScheduler(Loop loop, LoopThread thread, CompletableFuture<Void> threadEnded) {
        this.loop = loop;
        this.systemClock = loop.clock() == Clock.system();
        this.thread = thread;
        this.threadEnded = threadEnded;
        this.direct = new TaskLane(this, "direct");
    }

    /**
     * A scheduler over a loop its caller drives (a test with a {@code VirtualClock}, a {@code LoopThread} of its own).
     * Disposing the scheduler cancels its tasks and leaves the loop open.
     */
    public static LoopScheduler create(Loop loop) {
        Objects.requireNonNull(loop, "loop");
        return new LoopScheduler(loop, null, null);
    }

    /**
     * Starts a {@link NonBlockingLoopThread} named {@code name} driving a new loop named {@code name}, and returns a
     * scheduler that owns both (dispose closes them).
     */
    public static LoopScheduler newLoopThread(String name) {
        Objects.requireNonNull(name, "name");
        return started(Loop.builder().name(name).build());
    }

    /**
     * Starts a {@link NonBlockingLoopThread} named after {@code loop} driving it, and returns a scheduler that owns the
     * thread: dispose closes the loop and ends the thread.
     */
    public static LoopScheduler started(Loop loop) {
        Objects.requireNonNull(loop, "loop");
        CompletableFuture<Void> ended = new CompletableFuture<>();
        ThreadFactory named = NonBlockingLoopThread.factory(loop.name());
        LoopThread t = LoopThread.start(loop, IdleStrategy.backoff(100, 10), body -> named.newThread(() -> {
            try {
                body.run();
            } finally {
                ended.complete(null); // the loop has terminated: disposeGracefully() may complete now
            }
        }));
        return new LoopScheduler(loop, t, ended);
    }

    /** @return the loop tasks run on */
    public Loop loop() {
        return loop;
    }

    // ===================================================================================================== tasks

    @Override
    public Disposable schedule(Runnable task) {
        return direct.runNow(task);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        return direct.runAfter(task, delay, unit);
    }

    @Override
    public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
        return direct.runAtFixedRate(task, initialDelay, period, unit);
    }

    /**
     * @return the loop clock's reading in {@code unit} (virtual time under a {@code VirtualClock}); on a loop on the
     *     system clock, whose readings mean nothing but their differences, in milliseconds or coarser the wall clock
     *     ({@link System#currentTimeMillis()}), as Reactor's schedulers answer: operators such as {@code timestamp()}
     *     read it as the epoch time
     */
    @Override
    public long now(TimeUnit unit) {
        if (systemClock && unit.compareTo(TimeUnit.MILLISECONDS) >= 0) {
            return unit.convert(System.currentTimeMillis(), TimeUnit.MILLISECONDS); // Scheduler.now's default
        }
        return unit.convert(loop.now(), TimeUnit.NANOSECONDS);
    }

    /** @return a new worker labelled {@code worker-<n>}; already disposed if this scheduler is */
    @Override
    public Worker createWorker() {
        LoopWorker w = new LoopWorker(this, "worker-" + workerIds.incrementAndGet());
        synchronized (lock) {
            if (state == OPEN) {
                w.registered = true;
                w.nextWorker = workers;
                if (workers != null) {
                    workers.prevWorker = w;
                }
                workers = w;
                return w;
            }
        }
        w.close(true);
        return w;
    }

    void unregister(LoopWorker w) {
        synchronized (lock) {
            if (!w.registered) {
                return;
            }
            w.registered = false;
            if (w.prevWorker == null) {
                workers = w.nextWorker;
            } else {
                w.prevWorker.nextWorker = w.nextWorker;
            }
            if (w.nextWorker != null) {
                w.nextWorker.prevWorker = w.prevWorker;
            }
            w.prevWorker = null;
            w.nextWorker = null;
        }
        if (state == DRAINING) {
            checkDrained();
        }
    }

    // ================================================================================================= lifecycle

    /**
     * Reactor 3.8 semantics: idempotent; the loop is already being driven (by the caller, or by the thread the factory
     * started), so there is nothing to start.
     *
     * @throws IllegalStateException if the scheduler was disposed
     */
    @Override
    public void init() {
        if (state != OPEN) {
            throw new IllegalStateException("Initializing a disposed scheduler is not permitted");
        }
    }

    /** @deprecated as in Reactor: use {@link #init()} */
    @Deprecated
    @Override
    public void start() {
        init();
    }

    /**
     * Disposes now: refuses new tasks, cancels every pending task of the scheduler and its workers (timers are
     * unlinked), and closes the owned loop thread if any (waiting for the task it is running, unless called from it).
     */
    @Override
    public void dispose() {
        List<LoopWorker> ws = closeAndSnapshot(DISPOSED);
        direct.close(true);
        for (LoopWorker w : ws) {
            w.close(true);
        }
        synchronized (lock) {
            workers = null;
        }
        closeThread();
        drained.complete(null);
    }

    /**
     * Disposes gracefully when subscribed: refuses new tasks at once, cancels periodic tasks, lets the one-shot tasks
     * already accepted run (delayed ones at their deadlines), then closes the owned loop thread if any. The Mono
     * completes when all of that is done (combine with {@code timeout} to bound the wait, then {@link #dispose()}); when
     * the last task ends on the owned thread, the Mono completes on that thread as it exits, after the loop terminated.
     * A task the loop itself ends without running it counts as ended: if the loop is closed (its timers cancelled by
     * its close policy) or shut down under the scheduler, before or after this Mono was subscribed, the Mono completes
     * once the loop has ended the tasks it was waiting for (with an owned thread: once that thread has ended, as above;
     * otherwise on the thread that ended the last of them).
     */
    @Override
    public Mono<Void> disposeGracefully() {
        return Mono.defer(() -> {
            List<LoopWorker> ws = closeAndSnapshot(DRAINING);
            direct.close(false);
            for (LoopWorker w : ws) {
                w.close(false);
            }
            checkDrained();
            return Mono.fromFuture(drained, true);
        });
    }

    private List<LoopWorker> closeAndSnapshot(int target) {
        List<LoopWorker> ws = new ArrayList<>();
        synchronized (lock) {
            if (state < target) {
                state = target;
            }
            for (LoopWorker w = workers; w != null; w = w.nextWorker) {
                ws.add(w);
            }
        }
        return ws;
    }

    boolean isDraining() {
        return state == DRAINING;
    }

    /** While draining: if no lane holds a task, finish (any thread). */
    void checkDrained() {
        if (drained.isDone() || direct.size() > 0) {
            return;
        }
        List<LoopWorker> ws = closeAndSnapshot(DRAINING);
        for (LoopWorker w : ws) {
            if (w.size() > 0) {
                return;
            }
        }
        if (thread != null && loop.inLoop()) {
            // on a thread driving the loop: its own (the last task ended there), or one that took the driver slot to
            // close or shut the loop down (the loop ended our last task). Closing the LoopThread would join a thread
            // that cannot end while this one drives: close the loop instead (it returns at once here and the loop
            // terminates once this driver is done), and complete when the thread has ended, not before
            loop.close();
            threadEnded.whenComplete((v, e) -> drained.complete(null));
            return;
        }
        closeThread();
        drained.complete(null);
    }

    private void closeThread() {
        if (thread != null) {
            thread.close();
        }
    }

    /** @return true once {@link #dispose()} or {@link #disposeGracefully()} was called */
    @Override
    public boolean isDisposed() {
        return state != OPEN;
    }

    @Override
    public String toString() {
        return "LoopScheduler[" + loop.name() + (state == OPEN ? "" : state == DRAINING ? ", draining" : ", disposed")
                + "]";
    }
}
