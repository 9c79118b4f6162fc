package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.queue.AdmissionPolicy;
import io.github.enzoblain.async.core.queue.RunQueue;
import io.github.enzoblain.async.core.queue.RunQueues;
import io.github.enzoblain.async.core.time.Clock;
import io.github.enzoblain.async.core.time.TimerWheel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A single-threaded execution loop that its owner drives: ready tasks run one at a time, in one total order, on
 * whichever thread drives the loop.
 *
 * <p><b>Driving.</b> The loop never starts a thread. Its owner drives it with {@link #runOnce()},
 * {@link #runUntilIdle()}, {@link #run(IdleStrategy)} on the owner's thread, a {@link VirtualClock}'s advance methods,
 * or an explicit {@link LoopThread}. One thread drives at a time: a second thread that tries fails fast with
 * {@link IllegalStateException}, and so does a task that tries to drive its own loop.
 *
 * <p><b>Concurrency and visibility.</b> Everything the loop owns (run queue, timer wheel, counters) is touched only by
 * the driver. Any thread may submit: on the driver thread a task goes straight into the run queue without a lock; from
 * another thread it goes through a lock-free inbox, and the driver is woken only if it is parked and has to be: a
 * timer due no earlier than the parked driver's own next timer, and the cancellation of a timer, wait in the inbox
 * until it wakes (they show in {@link LoopStats#inbox()} meanwhile; a cancellation that finds the inbox full waits
 * beside it, uncounted there, and the timer leaves the wheel when the driver next takes the inbox in). Actions of a thread before it submits a task
 * happen-before the task runs. Task handles are safe from any thread (see
 * {@link TaskHandle}); {@link #stats()} is readable from any thread: live on the driver thread, elsewhere a consistent
 * snapshot the driver publishes (see {@link LoopStats}).
 *
 * <p><b>Order.</b> Ready tasks run in the order they were accepted (the submission sequence; a priority run queue
 * orders by class first). Due timers run before queued tasks, in (deadline, sequence) order, the sequence being the
 * order in which the loop took the timers in; a periodic task keeps its sequence from one run to the next (as in the
 * JDK's {@code ScheduledThreadPoolExecutor}), so at a deadline it shares with a timer submitted after it, it runs first.
 * Going first never starves the queue: after {@value #FAIR_SHARE} timers in a row while queued tasks wait (a flood of
 * due timers, a fixed-rate task that runs longer than its period, a timer that re-arms itself at once), up to
 * {@value #FAIR_SHARE} queued tasks run before the next timer, then timers go first again.
 * The same calls with the same clock readings give the same order and the same listener events.
 *
 * <p><b>Fate.</b> Every submitted task ends in exactly one terminal state: completed, failed, cancelled or rejected
 * ({@link LoopStats#isBalanced()}). A task that throws, an {@link Error} too, fails without disturbing the loop.
 * A task the loop refuses at the call (the loop is closed; from another thread, its inbox is full; on the driver
 * thread, its bounded run queue is full and the admission policy rejects the task) makes every submission method,
 * not only {@code execute}, throw {@link RejectedExecutionException} on the caller's thread, and counts as rejected;
 * a task from another thread that finds the bounded run queue full only when the loop takes it in ends
 * {@code REJECTED} in its handle instead.
 *
 * <p><b>Input.</b> A null task, a null duration or unit, a non-positive period: {@link NullPointerException} or
 * {@link IllegalArgumentException} at the call, on the caller's thread. A negative delay means "now"; a delay too
 * large to represent saturates (it never fires early and never delays other timers): a timer due at or past the end of
 * the clock's range never fires, and a periodic task whose next run would fall there runs no more.
 */
public final class Loop implements Executor, AutoCloseable {

    /*
     * Implementation notes.
     *
     * - Driver: `driver` holds the driving thread (CAS null -> me on entry, back to null on exit). `inLoop()` is one
     *   plain read of it (exact for the asking thread, see there); it decides between the lock-free local path and
     *   the inbox.
     * - Inbox: a bounded MPSC array (Inbox). The driver drains it at every step (so at least every BATCH + 1 tasks,
     *   see Batches), and before every local submission, so the order tasks are accepted in is the order the loop
     *   observed their submissions. It also carries signals: a cancelled timer task offered again (so the driver
     *   unlinks it), a spawned task whose stage completed (one that finds the inbox full goes on a lock-free stack of
     *   its own, `overflowStages`, drained with the inbox: the thread completing a stage never waits for the driver).
     *   A cancelled timer that finds the inbox full goes on a stack too, `overflowCancels`, in a node allocated only
     *   then (a timer has no link field to spare: its size is a goal), drained with the inbox and when the driver
     *   goes idle or parks, so it leaves the wheel then instead of holding its slot and memory until its deadline.
     * - Counters: plain fields and a plain long[], written only by the thread in the driver slot (the slot's CAS and
     *   volatile release order them between successive drivers); rejections at a foreign caller are counted in an
     *   AtomicLong. "Running" is derived (runs started minus runs ended). No counter store on the task path is
     *   ordered: an opaque or volatile store there is a compiler barrier that makes the JIT reload every field of the
     *   loop and the queue per task. Other threads read `published`, a copy the driver writes under a seqlock
     *   (`publishedVersion` odd while it writes) whenever it stops driving, idles in run(), terminates, and every
     *   PUBLISH_INTERVAL runs while busy; so a foreign `stats()` is one consistent snapshot, balanced like a live one.
     *   Whether anything changed is read off the copy itself (the driver is its only writer): nothing tracks changes.
     *   The queue depth is not stored per task at all: the driver reads it from the queue, others from the snapshot.
     *   A task just polled and not started yet is in no count; the one call out in that gap, a low-watermark
     *   listener, finds it counted queued (`handedOut`), so a live `stats()` there is balanced too; a shutdownNow()
     *   there cancels and returns it with the queue, and it does not run. A due timer polled from the wheel and not
     *   started yet is in the same gap while onTimerFired listeners hear of it (`firing`): the stats count it
     *   pending, and a shutdownNow() there cancels and returns it with the timers, so it does not run on the stopped
     *   loop.
     *   Pending timers are the wheel's own size, which other threads read opaquely (TimerWheel.observedSize).
     *   A new peak or a watermark crossing costs one compare per offer (growMark), and one flag test per poll.
     * - Batches: after a full step (inbox, lifecycle, due timers, one task), `runBatch` runs up to BATCH more queued
     *   tasks in a tight loop while nothing but the queue can have work: no timer armed, no stage awaited. The inbox
     *   and a close or shutdownNow from another thread wait for the batch's end (at most BATCH tasks); the driver's own
     *   submissions still take the inbox in first, so causal order across threads holds. A batch tells a tracked
     *   task (a LoopTask, which has a handle) from a plain Runnable only while `trackedQueued` says the queue may hold
     *   one: an `instanceof` against a class with subclasses is two dependent loads per task, measured at about a
     *   fifth of a plain task's cost. The count goes up for every tracked entry the queue accepts and down only for
     *   one the loop polls itself, and is zeroed when a poll finds the queue empty, so it is never below the number of
     *   tracked entries (an admission policy's victim leaves it high until then: slower, never wrong).
     * - Fairness: a step fires a due timer before it polls the queue, so due timers alone could keep queued tasks from
     *   ever running (a fixed-rate task late by more than its period is due again as soon as it ends). `fairTurns`
     *   counts the timers a step fired in a row while the queue held tasks; at FAIR_SHARE, steps poll the queue first,
     *   counting on, until FAIR_SHARE tasks have run or the queue is empty, and then timers go first again. It depends
     *   only on what ran, so the order stays the same for the same calls and clock readings. Batches need no count:
     *   they run only while no timer is armed.
     * - A run queue that throws (RunQueue's contract): every call into it from the loop is guarded (a try/catch costs
     *   nothing while nothing throws). An offer that throws refuses the incoming task (offerThrew). A poll, size or
     *   isEmpty that throws breaks the queue (queueBroke): the loop counts what it holds from its own counters (the
     *   stats' invariant solved for `queued`: submitted minus every other count), moves what poll still gives to a
     *   fresh queue that replaces it, counts the rest cancelled, and stops as by a shutdownNow(). A size that throws
     *   inside enqueue's admission path, where the incoming task is counted nowhere yet, only skips the policy's check
     *   (sizeOrMinusOne): the queue breaks at the next look, from a point where the count holds.
     * - Ids: TaskIds, a Lamport clock in two halves on a cache line of its own, so that the driver takes an id without
     *   an atomic read-modify-write and other threads taking ids do not contend with the driver's counters.
     * - Time: the wheel runs on nanoseconds since `origin` (the clock reading at construction), so any clock origin
     *   and any delay up to Long.MAX_VALUE works without overflow (`relative` saturates: a clock that starts below zero
     *   can read more than Long.MAX_VALUE ns past its origin). A deadline that saturates is Long.MAX_VALUE, and since
     *   it may stand for any time past the range, it is never due: `relative` reads no later than LAST_DUE, so the
     *   wheel never hands it out (a periodic task whose next run falls there runs no more; a close that runs timers
     *   cancels it, as it has no deadline to wait for; a virtual advance does not stop at it). The clock is read only
     *   when a timer is pending or a tracked task needs a timestamp.
     * - Parking: the driver publishes `parkedUntil` (the time, on the wheel's time line, by which it wakes by itself:
     *   the next timer's bound, or Long.MAX_VALUE), re-checks the inbox and the lifecycle, then parks no longer than
     *   that bound. A producer reads `parkedUntil` after its CAS on the inbox and unparks only if the driver is parked
     *   and the hand-off needs it: always for a task to run, a completed stage or a close; for a timer only if it is
     *   due before `parkedUntil`; never for the cancellation of a timer. A timer due later, or a cancellation, waits
     *   in the inbox until the driver wakes (for its own next timer or for anything else), which takes in the inbox
     *   before it fires anything, so order and deadlines are as if it had been woken. Otherwise a thread that arms
     *   and cancels timeouts at a steady pace woke the driver for each, and the two threads passed every timer's
     *   cache lines back and forth one at a time (measured: 500 to 1,100 ns per foreign schedule + cancel against 70
     *   when the same calls were taken in as one batch). Netty's NIO and epoll event loops do the same (a foreign
     *   timer wakes the selector only if due before its `nextWakeupNanos`; a cancellation is a lazy task); their
     *   task queue is unbounded, ours is not: so that lazy hand-offs never fill the inbox, one in every
     *   LAZY_WAKE_EVERY inbox slots wakes a parked driver anyway. Dekker-style, as before: the producer's CAS comes
     *   before its read of `parkedUntil`, the driver's write of it before its re-check of the inbox, so either the
     *   producer sees the driver parked or the driver sees the element (and does not park).
     * - Layout: a submission from another thread reads `lifecycle`, `origin`, `parkedUntil` and final references; the
     *   driver writes its per-task counters on every task. On one cache line, every such write took the line from a
     *   producer that then missed on its next submission: the fields are declared so that HotSpot puts 64 bytes of
     *   padding on each side of the driver's block (see the field comment; LoopLayoutTest holds it). Measured on
     *   foreign-thread timers through LoopScheduler, pairs of single forks: 238, 308, 191 ns before, 175, 178, 173
     *   after. (Padding the counters for cross-thread `execute` alone, earlier, showed nothing: there the inbox's own
     *   lines dominate.)
     * - Termination: terminateIfDone (driver only) is the one place the loop becomes TERMINATED. It publishes the
     *   stats, sets the state, answers an unserved shutdownNow(), runs the onTermination callbacks, then opens the
     *   `terminated` latch that close() and awaitTermination() wait on. The callbacks are in TerminationCallbacks, a
     *   list under a lock whose cancel unlinks at once: core has nothing else to tell a waiting user of the end, and
     *   a CompletableFuture would keep every callback registered on it until it completes.
     */

    static final int DEFAULT_PRIORITY = -1; // "no class": priority queues use their default class

    private static final int OPEN = 0, CLOSING = 1, TERMINATED = 2;

    private static final int SUBMIT = 0, START = 1, SUCCESS = 2, FAILURE = 3, CANCEL = 4, REJECT = 5, TIMER = 6,
            IDLE = 7, WATERMARK = 8; // listener events

    // indices into counters (driver-owned) and published (the copy other threads read); SUBMITTED, STARTED, COMPLETED,
    // QUEUED and TIMERS are only used in published (the driver keeps them in fields or reads them from the structures:
    // see current(int))
    private static final int SUBMITTED = 0, STARTED = 1, COMPLETED = 2, FAILED = 3, CANCELLED = 4, REJECTED = 5,
            QUEUED = 6, RESTED = 7, TIMERS = 8, PEAK = 9, LISTENER_ERRORS = 10, FAILED_RUNS = 11, COUNTERS = 12;

    /** {@code parkedUntil} while the driver is not parked. */
    private static final long AWAKE = Long.MIN_VALUE;
    /**
     * Hand-offs that need no wake-up still wake a parked driver once per this many inbox slots (a power of two), or
     * per a quarter of the inbox if that is smaller.
     */
    private static final int LAZY_WAKE_EVERY = 1024;

    /**
     * The latest time on the wheel's time line that the loop reads as now: a deadline of Long.MAX_VALUE, which is what
     * any deadline at or past the end of the range saturates to, is never due (see Implementation notes: Time).
     */
    private static final long LAST_DUE = Long.MAX_VALUE - 1;

    /** Queued tasks run back to back after a step, at most (see Implementation notes: Batches). */
    private static final int BATCH = 64;
    /** Due timers run in a row at most while queued tasks wait, then as many queued tasks at most (see Fairness). */
    static final int FAIR_SHARE = 64;
    /** Runs after which a busy driver publishes its counters again (checked between batches: at most BATCH more). */
    private static final int PUBLISH_INTERVAL = 1024;

    private static final VarHandle COUNTER = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle DRIVER;
    private static final VarHandle LIFECYCLE;
    private static final VarHandle PUBLISHED_VERSION;
    private static final VarHandle STOP_REQUEST;
    private static final VarHandle OVERFLOW_STAGES;
    private static final VarHandle OVERFLOW_CANCELS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            DRIVER = l.findVarHandle(Loop.class, "driver", Thread.class);
            LIFECYCLE = l.findVarHandle(Loop.class, "lifecycle", int.class);
            PUBLISHED_VERSION = l.findVarHandle(Loop.class, "publishedVersion", long.class);
            STOP_REQUEST = l.findVarHandle(Loop.class, "stopRequest", CompletableFuture.class);
            OVERFLOW_STAGES = l.findVarHandle(Loop.class, "overflowStages", SpawnedTask.class);
            OVERFLOW_CANCELS = l.findVarHandle(Loop.class, "overflowCancels", CancelNode.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final System.Logger LOG = System.getLogger(Loop.class.getName());

    /*
     * Field layout (see Implementation notes: Layout). HotSpot lays a class's fields out by size, longs first, then
     * ints, then booleans, then references, each group in declaration order (after filling the header's gap with the
     * first int). The declarations below use that to keep what other threads read on every submission (`lifecycle`,
     * `origin`, `parkedUntil`, and the final references) away from the counters the driver writes on every task:
     * 64 bytes of padding on each side of the driver's block. LoopLayoutTest checks the distances.
     */

    // read by other threads on every submission (with the final references below)
    private volatile int lifecycle; // the first int: it fills the gap after the object header
    private final long origin;
    private volatile long parkedUntil = AWAKE; // see Implementation notes: Parking
    long p00, p01, p02, p03, p04, p05, p06, p07;

    // driver-owned, written per task (plain; see Implementation notes: Counters)
    private long submittedCount;
    private long startedCount;
    private long completedCount;
    private long startedAtIdle; // runs started when the driver last went idle: it is busy again once this moves on
    private volatile long publishedVersion; // odd while the driver writes `published`
    private int awaiting; // spawned tasks waiting for their stage
    private int handledLifecycle = OPEN; // the lifecycle state the driver has acted on
    private boolean stopped; // a shutdownNow() was served, or the loop terminated: arrivals are refused (drainInbox)
    private int peakDepth;
    private int growMark = 1; // queue depth at which the peak or the high watermark needs a look
    private int untilTracked = 1; // plain tasks to go before the next tracked one (racy off the driver: a sample)
    private int trackedQueued; // run-queue entries that may be tracked tasks: never fewer than there are (see Batches)
    private int fairTurns; // 1..FAIR_SHARE-1: timers run in a row while tasks waited; FAIR_SHARE..: the tasks' turn
    int p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;

    // read-mostly from here on
    private final int trackingInterval; // listeners see one plain execute() task in this many
    private final int highWatermark;
    private final int lowWatermark;
    private final int lazyWakeMask; // see LAZY_WAKE_EVERY
    private final boolean hooked;
    private final boolean closeRunsTimers;
    private final boolean stopPeriodicOnFailure;
    private boolean aboveHigh; // driver-owned, changes only at watermark crossings
    private volatile boolean aboveHighPublished;
    private final String name;
    private final Clock clock;
    private final VirtualClock virtualClock;
    private RunQueue queue; // replaced, once, by an empty one if it throws (queueBroke): driver-owned
    private final AdmissionPolicy admission;
    private final Inbox inbox;
    private final TimerWheel wheel;
    private final LoopListener[] listeners;
    private final Consumer<Throwable> errorHandler;
    private final long[] counters = new long[COUNTERS]; // driver-owned counters of rarer events (Counters)
    private final long[] published = new long[COUNTERS]; // what other threads read of them (Counters)
    private final AtomicLong callerRejected = new AtomicLong();
    private final TerminationCallbacks terminationCallbacks = new TerminationCallbacks();
    private final AtomicLong callbackErrors = new AtomicLong(); // termination callbacks that threw (any thread)
    private final TaskIds ids = new TaskIds();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final ArrayDeque<SpawnedTask<?>> localSignals = new ArrayDeque<>();
    private volatile Thread driver;
    private volatile CompletableFuture<List<Runnable>> stopRequest;
    private volatile SpawnedTask<?> overflowStages; // stage completions that found the inbox full (a Treiber stack)
    private volatile CancelNode overflowCancels; // timer cancellations that found the inbox full (a Treiber stack)
    private Runnable handedOut; // polled, not started, while low-watermark listeners run: stats count it queued
    private LoopTask<?> firing; // a due timer polled, not started, while onTimerFired listeners run: counted pending
    private IllegalStateException queueFailure; // the run queue threw and the loop stopped: the next driving call throws it

    private Loop(Builder b) {
        this.name = b.name;
        this.clock = b.clock;
        this.virtualClock = b.clock instanceof VirtualClock ? (VirtualClock) b.clock : null;
        this.origin = clock.nanoTime();
        this.queue = b.queue != null ? b.queue : RunQueues.fifo();
        this.admission = b.admission;
        this.inbox = new Inbox(b.inboxCapacity);
        this.lazyWakeMask = Math.max(1, Math.min(LAZY_WAKE_EVERY, inbox.capacity() / 4)) - 1;
        this.wheel = new TimerWheel(b.tickShift);
        this.listeners = b.listeners.toArray(new LoopListener[0]);
        this.hooked = listeners.length > 0;
        int interval = Integer.MAX_VALUE;
        for (LoopListener l : listeners) {
            int i = l.trackingInterval();
            if (i < 1) {
                throw new IllegalArgumentException("listener " + l + ": tracking interval must be >= 1, was " + i);
            }
            interval = Math.min(interval, i);
        }
        this.trackingInterval = hooked ? interval : 0;
        this.errorHandler = b.errorHandler;
        this.highWatermark = b.highWatermark;
        this.lowWatermark = b.lowWatermark;
        this.closeRunsTimers = b.closeRunsTimers;
        this.stopPeriodicOnFailure = b.stopPeriodicOnFailure;
        if (virtualClock != null) {
            virtualClock.attach(this);
        }
    }

    /** @return a loop on the system clock with an unbounded FIFO run queue */
    public static Loop create() {
        return builder().build();
    }

    /** @return a builder of loops */
    public static Builder builder() {
        return new Builder();
    }

    // =========================================================================================== submission

    /**
     * Runs {@code task} on the loop. On the driver thread, with no listener installed, this allocates nothing; with
     * listeners, the loop tracks one such task in their {@link LoopListener#trackingInterval() tracking interval}.
     *
     * @throws RejectedExecutionException if the loop is closed, its inbox full, or (on the driver thread) its bounded
     *                                    run queue full and the admission policy rejects the task
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (hooked && trackNext()) {
            accept(new HandlelessTask(this, nextId(), task, DEFAULT_PRIORITY));
            return;
        }
        if (inLoop()) {
            if (lifecycle != OPEN) {
                throw rejectedAtCall(task, closedException());
            }
            if (!inbox.isEmpty()) {
                drainInbox();
            }
            submittedCount++;
            RejectedExecutionException rejected = enqueue(task, false);
            if (rejected != null) {
                throw rejected;
            }
        } else {
            offerFromOutside(task, AWAKE);
        }
    }

    /** Submits {@code task}. @return its handle */
    public TaskHandle<Void> submit(Runnable task) {
        Objects.requireNonNull(task, "task");
        return accept(new LoopTask<>(this, nextId(), task, DEFAULT_PRIORITY, false));
    }

    /** Submits {@code task}. @return its handle, completed with the task's value */
    public <T> TaskHandle<T> submit(Callable<T> task) {
        return submitIn(task, DEFAULT_PRIORITY);
    }

    /**
     * Submits {@code task} in priority class {@code priority}, 0 to 63 (for a priority run queue; 0 runs first).
     *
     * @return its handle
     */
    public <T> TaskHandle<T> submit(Callable<T> task, int priority) {
        if (priority < 0 || priority > 63) {
            throw new IllegalArgumentException("priority must be in [0, 63], was " + priority);
        }
        return submitIn(task, priority);
    }

    private <T> TaskHandle<T> submitIn(Callable<T> task, int priority) {
        Objects.requireNonNull(task, "task");
        return accept(new LoopTask<>(this, nextId(), task, priority, false));
    }

    /** Runs {@code task} once after {@code delay}. @return its handle */
    public TaskHandle<Void> schedule(Runnable task, Duration delay) {
        Objects.requireNonNull(task, "task");
        return scheduleTask(new LoopTask<>(this, nextId(), task, DEFAULT_PRIORITY, true),
                saturatedNanos(delay));
    }

    /** Runs {@code task} once after {@code delay} {@code unit}s. @return its handle */
    public TaskHandle<Void> schedule(Runnable task, long delay, TimeUnit unit) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(unit, "unit");
        return scheduleTask(new LoopTask<>(this, nextId(), task, DEFAULT_PRIORITY, true),
                unit.toNanos(delay));
    }

    /** Runs {@code task} once after {@code delay}. @return its handle, completed with the task's value */
    public <T> TaskHandle<T> schedule(Callable<T> task, Duration delay) {
        Objects.requireNonNull(task, "task");
        return scheduleTask(new LoopTask<>(this, nextId(), task, DEFAULT_PRIORITY, true),
                saturatedNanos(delay));
    }

    /**
     * Runs {@code task} once after {@code delay} {@code unit}s, without a handle: the light timer, for delayed work that
     * needs no result, id or timestamps (timeouts, retries, delayed signals). It costs one 48-byte object (a
     * {@link #schedule} timer costs 88 and a second clock reading), fires in the same (deadline, submission sequence)
     * order as every other timer, counts in {@link #stats()} like any task, and is cancelled in O(1) from any thread.
     * Listeners see it as they see a plain {@link #execute} task: one in their
     * {@linkplain LoopListener#trackingInterval() tracking interval} is tracked (it gets a {@link TaskHandle}, which
     * is what this returns then, and events).
     *
     * @return what cancels it
     * @throws RejectedExecutionException if the loop is closed, or (from another thread) its inbox full
     */
    public Cancellable executeAfter(Runnable task, long delay, TimeUnit unit) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(unit, "unit");
        return timer(task, unit.toNanos(delay));
    }

    /** Runs {@code task} once after {@code delay}, without a handle: see {@link #executeAfter(Runnable, long, TimeUnit)}. */
    public Cancellable executeAfter(Runnable task, Duration delay) {
        Objects.requireNonNull(task, "task");
        return timer(task, saturatedNanos(delay));
    }

    /**
     * Runs {@code task} after {@code initialDelay}, then every {@code period} measured from the previous deadline
     * (no drift; a late loop runs the missed occurrences back to back).
     *
     * @return its handle; it ends when cancelled, when a run fails and the loop stops periodic tasks on failure, or
     *     when the loop closes
     */
    public TaskHandle<Void> scheduleAtFixedRate(Runnable task, Duration initialDelay, Duration period) {
        return schedulePeriodic(task, initialDelay, period, true);
    }

    /** Runs {@code task} after {@code initialDelay}, then {@code delay} after the end of each run. @return its handle */
    public TaskHandle<Void> scheduleWithFixedDelay(Runnable task, Duration initialDelay, Duration delay) {
        return schedulePeriodic(task, initialDelay, delay, false);
    }

    /**
     * Runs {@code work} on the loop; the task completes when the stage it returns completes. The completion hops back
     * onto the loop, so the handle's stage completes on the loop's thread and user continuations never race the loop.
     *
     * @return its handle
     */
    public <T> TaskHandle<T> spawn(Supplier<? extends CompletionStage<T>> work) {
        Objects.requireNonNull(work, "work");
        return accept(new SpawnedTask<>(this, nextId(), work));
    }

    private TaskHandle<Void> schedulePeriodic(Runnable task, Duration initialDelay, Duration period, boolean rate) {
        Objects.requireNonNull(task, "task");
        long p = saturatedNanos(period);
        if (p <= 0) {
            throw new IllegalArgumentException("period must be > 0, was " + period);
        }
        return scheduleTask(new PeriodicTask(this, nextId(), task, p, rate), saturatedNanos(initialDelay));
    }

    private <T> TaskHandle<T> scheduleTask(LoopTask<T> task, long delayNanos) {
        long now = clock.nanoTime(); // one reading: the submission time and the deadline's origin
        long deadline = saturatedAdd(relative(now), Math.max(0, delayNanos));
        task.requestDeadline(deadline);
        return accept(task, now);
    }

    private Cancellable timer(Runnable task, long delayNanos) {
        if (hooked && trackNext()) {
            return scheduleTask(new LoopTask<Void>(this, nextId(), task, DEFAULT_PRIORITY, true), delayNanos);
        }
        long deadline = saturatedAdd(nowRelative(), Math.max(0, delayNanos));
        if (inLoop()) {
            if (lifecycle != OPEN) {
                throw rejectedAtCall(new LoopTimer(this, task), closedException());
            }
            if (!inbox.isEmpty()) {
                drainInbox();
            }
            LoopTimer t = new LoopTimer(this, task);
            submittedCount++;
            wheel.arm(t, deadline);
            return t;
        }
        LoopTimer t = new LoopTimer(this, task, deadline);
        offerFromOutside(t, deadline);
        return t;
    }

    /** A new task id: unique in this loop, larger than every id of a submission that happens-before this one (Ids). */
    private long nextId() {
        return inLoop() ? ids.nextOnDriver() : ids.nextElsewhere();
    }

    /** Whether the next plain task is tracked: one in {@code trackingInterval}, starting with the first. */
    private boolean trackNext() {
        if (--untilTracked > 0) {
            return false;
        }
        untilTracked = trackingInterval;
        return true;
    }

    private <T> TaskHandle<T> accept(LoopTask<T> task) {
        return accept(task, clock.nanoTime());
    }

    private <T> TaskHandle<T> accept(LoopTask<T> task, long now) {
        task.submittedAt = now;
        if (inLoop()) {
            if (lifecycle != OPEN) {
                throw rejectedAtCall(task, closedException());
            }
            if (!inbox.isEmpty()) {
                drainInbox();
            }
            RejectedExecutionException rejected = takeIn(task);
            if (rejected != null) {
                throw rejected;
            }
        } else {
            offerFromOutside(task, task.timed ? task.timerDeadline() : AWAKE);
        }
        return task;
    }

    /**
     * @param task  a plain {@code Runnable}, a {@link LoopTask} or a {@link LoopTimer}
     * @param dueAt when it must be taken in by (a timer's deadline), or {@link #AWAKE} for at once
     */
    private void offerFromOutside(Object task, long dueAt) {
        if (lifecycle != OPEN) {
            throw rejectedAtCall(task, closedException());
        }
        long slot = inbox.offer(task);
        if (slot < 0) {
            throw rejectedAtCall(task, new RejectedExecutionException(
                    "loop '" + name + "': inbox full (" + inbox.capacity() + " tasks from other threads waiting)"));
        }
        wakeDriverFor(dueAt, slot);
        if (lifecycle == TERMINATED) {
            rejectLeftovers(); // the loop terminated between our check and our offer
        }
    }

    private RejectedExecutionException rejectedAtCall(Object task, RejectedExecutionException e) {
        if (task instanceof LoopTask) {
            ((LoopTask<?>) task).reject(e);
            ((LoopTask<?>) task).where = LoopTask.DONE;
        } else if (task instanceof LoopTimer) {
            ((LoopTimer) task).reject();
        }
        callerRejected.incrementAndGet();
        return e;
    }

    /** What the error handler hears of a plain task dropped after its submission returned. */
    private static RejectedExecutionException dropped(Runnable task, RejectedExecutionException why) {
        return new RejectedExecutionException("task dropped: " + task + " (" + why.getMessage() + ")", why);
    }

    private RejectedExecutionException closedException() {
        return new RejectedExecutionException("loop '" + name + "' is closed");
    }

    // ====================================================================================== taking tasks in

    /**
     * Drains the inbox (driver only). Once a shutdownNow() was served or the loop terminated (`stopped`, re-read per
     * item: a listener called from here may stop the loop), a task arriving was submitted as the loop stopped (its call
     * found it open just before); the stop said none runs, so it is refused as a call a moment later would have been.
     * Signals are taken in either way (a spawned task may still await its stage).
     */
    private void drainInbox() {
        Object o;
        while ((o = inbox.poll()) != null) {
            if (stopped && refuseArrival(o)) {
                continue;
            }
            if (o instanceof LoopTask) {
                LoopTask<?> t = (LoopTask<?>) o;
                if (t.where == LoopTask.NEW) {
                    RejectedExecutionException rejected = takeIn(t);
                    if (rejected != null) { // in its handle (REJECTED, the stage failed); told if it asks to be
                        refusedAfterCall(t, rejected);
                    }
                } else if (t.where == LoopTask.ARMED && t.state == LoopTask.CANCELLED) {
                    unlinkCancelled(t); // a cancellation from another thread
                } else if (t.where == LoopTask.ACTIVE && t instanceof SpawnedTask) {
                    finishSpawned((SpawnedTask<?>) t);
                }
            } else if (o instanceof LoopTimer) {
                timerSignal((LoopTimer) o);
            } else {
                submittedCount++;
                RejectedExecutionException rejected = enqueue((Runnable) o, false);
                if (rejected != null) {
                    refusedAfterCall((Runnable) o, rejected);
                }
            }
        }
        drainOverflowStages();
        drainOverflowCancels();
        SpawnedTask<?> s;
        while ((s = localSignals.poll()) != null) {
            finishSpawned(s);
        }
    }

    /** Takes in the stage completions that found the inbox full, in the order they were pushed (driver only). */
    private void drainOverflowStages() {
        if (overflowStages == null) {
            return;
        }
        SpawnedTask<?> s = (SpawnedTask<?>) OVERFLOW_STAGES.getAndSet(this, null);
        SpawnedTask<?> first = null;
        while (s != null) { // the stack is last-in first: reversed into arrival order
            SpawnedTask<?> next = s.nextOverflow;
            s.nextOverflow = first;
            first = s;
            s = next;
        }
        while (first != null) {
            SpawnedTask<?> next = first.nextOverflow;
            first.nextOverflow = null;
            finishSpawned(first);
            first = next;
        }
    }

    /** First arrival of a tracked task on the driver. @return the rejection if the task itself was rejected */
    private RejectedExecutionException takeIn(LoopTask<?> t) {
        submittedCount++;
        if (t.state == LoopTask.CANCELLED) {
            announce(t);
            collectCancelled(t);
            return null;
        }
        if (t.timed) {
            // accepted before the close, taken in after it was handled: ends now too
            if (handledLifecycle != OPEN && t instanceof PeriodicTask && t.cancelByLoop()) {
                announce(t);
                collectCancelled(t);
                return null;
            }
            t.where = LoopTask.ARMED;
            wheel.arm(t, t.timerDeadline());
            announce(t); // once armed: a timer a listener submits from onSubmit comes after it
            return null;
        }
        return enqueue(t, true);
    }

    /** The submit event of a tracked task, once it holds its place in the queue or the wheel. */
    private void announce(LoopTask<?> t) {
        if (hooked) {
            emit(SUBMIT, t, null, 0);
        }
    }

    /** A light timer from another thread arriving, or the cancellation of one already armed (driver only). */
    private void timerSignal(LoopTimer t) {
        int s = t.state;
        if (s == LoopTimer.NEW) {
            submittedCount++;
            wheel.arm(t, t.timerDeadline());
            if (!t.transition(LoopTimer.NEW, LoopTimer.ARMED)) { // cancelled meanwhile
                wheel.cancel(t);
                inc(CANCELLED);
            }
        } else if (s == LoopTimer.CANCELLED_NEW) {
            submittedCount++;
            inc(CANCELLED);
        } else if (s == LoopTimer.CANCELLED && t.isArmed()) { // not armed: the fire path met it and counted it
            wheel.cancel(t);
            inc(CANCELLED);
        }
    }

    /** Driver only. @return the rejection if {@code task} itself was rejected */
    private RejectedExecutionException enqueue(Runnable task, boolean announce) {
        boolean tracked = task instanceof LoopTask;
        if (tracked) {
            ((LoopTask<?>) task).where = LoopTask.QUEUED;
        }
        boolean accepted;
        try {
            accepted = queue.offer(task);
        } catch (Throwable error) { // a broken queue refuses the incoming task; the loop goes on (RunQueue's contract)
            return offerThrew(task, tracked, announce, error);
        }
        if (accepted) {
            if (tracked) {
                trackedQueued++;
            }
            if (announce) { // in its place, before the watermark it may cross: what onSubmit submits comes after it
                announce((LoopTask<?>) task);
            }
            queueGrew();
            return null;
        }
        return enqueueFull(task, tracked, announce);
    }

    /**
     * The queue refused {@code task}: the admission policy decides (driver only). Apart from {@link #enqueue}, so that
     * the accepting path stays small enough for the JIT to inline into every submission method (HotSpot inlines a hot
     * callee of up to 325 bytecodes, FreqInlineSize: with this path inside, enqueue was past it and execute called it).
     *
     * @return the rejection if {@code task} itself was rejected
     */
    private RejectedExecutionException enqueueFull(Runnable task, boolean tracked, boolean announce) {
        Runnable victim;
        Throwable policyFailed = null;
        int depth = sizeOrMinusOne(); // `task` is counted submitted and held nowhere: not a point to break at
        try {
            victim = admission.onFull(task, queue);
        } catch (Throwable error) { // a broken policy refuses the incoming task: it must not lose it, nor the driver
            victim = null;
            policyFailed = error;
        }
        int after = sizeOrMinusOne();
        if (after != depth && depth >= 0 && after >= 0) { // it removed a task it did not return (or offered one more)
            report(new IllegalStateException("loop '" + name + "': admission policy " + admission + " broke its "
                    + "contract: the full run queue held " + depth + (depth == 1 ? " task" : " tasks") + " before it and "
                    + after + " after (it must return the incoming task, or remove one, offer the incoming one "
                    + "and return the one it removed)"));
        }
        if (victim == null) {
            victim = task;
        }
        if (victim != task && tracked) {
            trackedQueued++; // the policy made room and offered it (the victim's entry is left counted)
        }
        if (announce) { // accepted, then placed or refused by the policy: submit comes before that rejection
            announce((LoopTask<?>) task);
        }
        Throwable capacityFailed = null;
        String capacity;
        try {
            capacity = Integer.toString(queue.capacity());
        } catch (Throwable error) {
            capacityFailed = error;
            capacity = "unknown: capacity() threw";
        }
        RejectedExecutionException e = new RejectedExecutionException("loop '" + name + "': run queue full (capacity "
                + capacity + ")" + (policyFailed == null ? "" : "; the admission policy threw"), policyFailed);
        if (capacityFailed != null) {
            e.addSuppressed(capacityFailed);
        }
        rejectQueued(victim, e);
        if (victim != task) { // evicted: its submission returned long ago
            refusedAfterCall(victim, e);
        }
        queueChanged();
        return victim == task ? e : null;
    }

    /**
     * The run queue threw from {@code offer(task)} (driver only): the task is refused as by a full queue, with the
     * queue's error as the rejection's cause, and the error is reported (a bug in the loop's configuration, as a
     * throwing listener is). The queue is taken to have left itself unchanged (RunQueue's contract); a tracked task it
     * kept anyway is skipped when polled, as a rejected one (`trackedQueued` counts it, so it is type-checked).
     */
    private RejectedExecutionException offerThrew(Runnable task, boolean tracked, boolean announce, Throwable error) {
        if (tracked) {
            trackedQueued++; // never fewer than the tracked entries the queue may hold (see Batches)
        }
        String queueName = queueName();
        report(new IllegalStateException("loop '" + name + "': run queue " + queueName + " threw from offer(); the "
                + "task offered is rejected", error));
        if (announce) {
            announce((LoopTask<?>) task);
        }
        RejectedExecutionException e = new RejectedExecutionException("loop '" + name + "': run queue " + queueName
                + " threw from offer()", error);
        rejectQueued(task, e);
        return e;
    }

    /**
     * A task refused after its submission returned: a {@link DropAware} task is told; otherwise a plain task, which
     * has no handle to carry the refusal, is reported to the error handler (a light timer's {@code Cancellable} reads
     * done, as it did). A task with a handle that was cancelled before the refusal took effect ends cancelled, and is
     * neither told nor reported.
     */
    private void refusedAfterCall(Object task, RejectedExecutionException e) {
        Object body;
        boolean held; // the caller holds what reads the refusal: a handle, or a light timer's Cancellable
        if (task instanceof LoopTask) {
            LoopTask<?> t = (LoopTask<?>) task;
            if (t.state != LoopTask.REJECTED) {
                return;
            }
            body = t.body;
            held = !(t instanceof HandlelessTask); // a plain task tracked for the listeners: its caller has no handle
        } else if (task instanceof LoopTimer) {
            body = ((LoopTimer) task).body;
            held = true;
        } else {
            body = task;
            held = false;
        }
        if (body instanceof DropAware) {
            try {
                ((DropAware) body).rejected(e);
            } catch (Throwable error) {
                report(error);
            }
        } else if (!held) {
            report(dropped((Runnable) body, e)); // not told: the error handler is the only one to tell
        }
    }

    /** The loop cancelled a task itself (driver only): a {@link DropAware} task is told. */
    void cancelledByLoop(Object body) {
        if (body instanceof DropAware) {
            try {
                ((DropAware) body).cancelledByLoop();
            } catch (Throwable error) {
                report(error);
            }
        }
    }

    private void rejectQueued(Runnable victim, RejectedExecutionException e) {
        if (victim instanceof LoopTask) {
            LoopTask<?> t = (LoopTask<?>) victim;
            if (!t.reject(e)) { // cancelled meanwhile: it ends cancelled, not rejected
                collectCancelled(t);
                return;
            }
            t.where = LoopTask.DONE;
            inc(REJECTED);
            if (hooked) {
                emit(REJECT, t, e, 0);
            }
        } else {
            inc(REJECTED);
        }
    }

    // ============================================================================= a run queue that throws

    /** The run queue's size (driver only); if it throws, the queue is broken (queueBroke). */
    private int queueSize() {
        try {
            return queue.size();
        } catch (Throwable error) {
            queueBroke("size", error);
            return queue.size();
        }
    }

    private boolean queueIsEmpty() {
        try {
            return queue.isEmpty();
        } catch (Throwable error) {
            queueBroke("isEmpty", error);
            return queue.isEmpty();
        }
    }

    /** The size, or -1 if the queue throws: the loop breaks on that at its next look, from a consistent point. */
    private int sizeOrMinusOne() {
        try {
            return queue.size();
        } catch (Throwable error) {
            return -1;
        }
    }

    /** The queue as errors name it (its toString may throw too). */
    private String queueName() {
        try {
            return String.valueOf(queue);
        } catch (Throwable error) {
            return queue.getClass().getName();
        }
    }

    /** The next task to run (driver only), or null; null too if the queue throws, which stops the loop (queueBroke). */
    private Runnable queuePoll() {
        try {
            return queue.poll();
        } catch (Throwable error) {
            queueBroke("poll", error);
            return null;
        }
    }

    /** The next task a stop cancels: from the queue that replaced a broken one too, if it broke meanwhile. */
    private Runnable pollToStop() {
        RunQueue q = queue;
        Runnable r = queuePoll();
        return r == null && queue != q ? queue.poll() : r;
    }

    /**
     * The run queue threw from {@code method} (not offer: see offerThrew), so the loop cannot tell what it holds nor
     * take its tasks out: it stops, as by a shutdownNow() (driver only, once). What the queue held by the loop's own
     * count (every task taken in and not yet accounted for elsewhere: the stats' invariant solved for `queued`) is
     * taken out with poll while that still works and moved to a fresh queue, which the stop then cancels as usual;
     * what poll no longer gives is beyond the loop's reach and counted cancelled, so the stats stay balanced (their
     * handles never complete: RunQueue's contract says a queue must not throw). The error is reported, and the next
     * driving call (runOnce, runUntilIdle, run, a virtual advance) throws it, after it let go of the driver slot.
     */
    private void queueBroke(String method, Throwable error) {
        String brokenName = queueName();
        RunQueue broken = queue;
        long held = submittedCount - completedCount - counters[FAILED] - counters[CANCELLED] - counters[REJECTED]
                - running(startedCount, completedCount, counters[FAILED], counters[RESTED])
                - wheel.size() - (firing != null ? 1 : 0) - (handedOut != null ? 1 : 0);
        RunQueue fresh = RunQueues.fifo();
        long reached = 0;
        Throwable again = null;
        try {
            Runnable r;
            while (reached < held && (r = broken.poll()) != null) {
                fresh.offer(r);
                reached++;
            }
        } catch (Throwable e) {
            again = e;
        }
        queue = fresh;
        counters[CANCELLED] += Math.max(0, held - reached);
        IllegalStateException failure = new IllegalStateException("loop '" + name + "': run queue " + brokenName
                + " threw from " + method + "(): the loop stopped (" + reached + " of its " + held + " queued tasks "
                + "could be taken out and were cancelled; the rest are counted cancelled, beyond reach)", error);
        if (again != null && again != error) {
            failure.addSuppressed(again);
        }
        if (queueFailure == null) {
            queueFailure = failure;
        }
        report(failure);
        stopped = true; // arrivals from now on are refused, as after a shutdownNow()
        LIFECYCLE.compareAndSet(this, OPEN, CLOSING);
        STOP_REQUEST.compareAndSet(this, null, new CompletableFuture<List<Runnable>>()); // served by the next step
        wakeDriver();
    }

    /** Leaves the driver slot; throws the failure of a run queue that broke while this call drove the loop. */
    private void exitDriving() {
        IllegalStateException failure = queueFailure;
        exitDriver();
        if (failure != null) {
            throw failure;
        }
    }

    private void queueChanged() {
        queueGrew();
        queueShrank();
    }

    /** The queue took a task: one compare unless a new peak or the high watermark is reached. */
    private void queueGrew() {
        int depth = queueSize();
        if (depth >= growMark) {
            grewPastMark(depth);
        }
    }

    private void grewPastMark(int depth) {
        if (depth > peakDepth) {
            peakDepth = depth;
            counters[PEAK] = depth;
        }
        if (!aboveHigh && depth >= highWatermark) {
            aboveHigh = true;
            aboveHighPublished = true;
            emit(WATERMARK, null, Watermark.HIGH, depth);
        }
        setGrowMark();
    }

    /** The queue gave tasks up other than by a poll (a rejection, a drain): checks the low watermark. */
    private void queueShrank() {
        if (aboveHigh) {
            lowWatermark(null);
        }
    }

    /**
     * The queue has just handed out {@code task}, not started yet: one flag test unless above the high watermark.
     *
     * @return whether it is still to run (false: a shutdownNow() from a low-watermark listener took it back)
     */
    private boolean polled(Runnable task) {
        return !aboveHigh || lowWatermark(task);
    }

    /**
     * Signals the low watermark if the queue is down to it. {@code polled}: a task just polled that has not started,
     * or null; while the listeners run it is `handedOut`: the live stats count it queued, and a shutdownNow() served
     * meanwhile cancels and returns it with the queue (serveStopRequest).
     *
     * @return false if {@code polled} was taken back that way and must not run
     */
    private boolean lowWatermark(Runnable polled) {
        Runnable was = handedOut;
        if (polled != null) {
            handedOut = polled; // counted queued from here: a queue that breaks on size() finds it accounted for
        }
        int depth = queueSize();
        if (depth > lowWatermark) {
            handedOut = was;
            return true;
        }
        aboveHigh = false;
        aboveHighPublished = false;
        setGrowMark();
        boolean taken;
        try {
            emit(WATERMARK, null, Watermark.LOW, depth);
        } finally {
            taken = polled != null && handedOut != polled;
            handedOut = was;
        }
        return !taken;
    }

    private void setGrowMark() {
        int nextPeak = peakDepth == Integer.MAX_VALUE ? Integer.MAX_VALUE : peakDepth + 1;
        growMark = aboveHigh ? nextPeak : Math.min(nextPeak, highWatermark);
    }

    // ============================================================================================ cancellation

    /** Called by a handle after it moved PENDING -> CANCELLED, on the cancelling thread. */
    void cancelled(LoopTask<?> t) {
        if (inLoop()) {
            if (t.where == LoopTask.ARMED) {
                unlinkCancelled(t);
            } // queued: skipped when polled; new: collected when taken in
        } else if (t.timed) {
            offerCancellation(t);
        }
    }

    /** Called by a light timer after it moved ARMED -> CANCELLED, on the cancelling thread. */
    void timerCancelled(LoopTimer t) {
        if (inLoop()) {
            if (t.isArmed()) {
                wheel.cancel(t);
                inc(CANCELLED);
            }
        } else {
            offerCancellation(t);
        }
    }

    /** From another thread: hands a cancelled timer to the driver, which unlinks it when it next takes in the inbox. */
    private void offerCancellation(TimerWheel.Entry timer) {
        long slot = inbox.offer(timer);
        if (slot >= 0) {
            wakeDriverFor(Long.MAX_VALUE, slot); // no hurry: a cancelled timer never runs
            if (lifecycle == TERMINATED) {
                rejectLeftovers(); // the loop terminated between our cancel and our offer: nobody else takes it out
            }
            return;
        }
        CancelNode node = new CancelNode(timer); // the inbox is full: the rare path allocates, never the timer
        CancelNode head;
        do {
            head = overflowCancels;
            node.next = head;
        } while (!OVERFLOW_CANCELS.compareAndSet(this, head, node));
        // no wake-up, as for the inbox; a terminated loop has nothing armed: the signal is dropped (Dekker-style with
        // terminateIfDone, which drops the stack after it publishes TERMINATED)
        if (lifecycle == TERMINATED) {
            overflowCancels = null;
        }
    }

    /** Takes in the cancellations that found the inbox full, in the order they were pushed (driver only). */
    private void drainOverflowCancels() {
        if (overflowCancels == null) {
            return;
        }
        CancelNode n = (CancelNode) OVERFLOW_CANCELS.getAndSet(this, null);
        CancelNode first = null;
        while (n != null) { // last-in first: reversed into arrival order
            CancelNode next = n.next;
            n.next = first;
            first = n;
            n = next;
        }
        for (; first != null; first = first.next) {
            if (first.timer instanceof LoopTimer) {
                timerSignal((LoopTimer) first.timer);
            } else {
                LoopTask<?> t = (LoopTask<?>) first.timer;
                if (t.where == LoopTask.ARMED && t.state == LoopTask.CANCELLED) { // as drainInbox: else met already
                    unlinkCancelled(t);
                }
            }
        }
    }

    /** A timer cancelled from another thread while the inbox was full (see Implementation notes: Inbox). */
    private static final class CancelNode {
        final TimerWheel.Entry timer;
        CancelNode next;

        CancelNode(TimerWheel.Entry timer) {
            this.timer = timer;
        }
    }

    private void unlinkCancelled(LoopTask<?> t) {
        wheel.cancel(t);
        collectCancelled(t);
    }

    private void collectCancelled(LoopTask<?> t) {
        if (t.where == LoopTask.DONE) {
            return;
        }
        t.where = LoopTask.DONE;
        inc(CANCELLED);
        if (hooked) {
            emit(CANCEL, t, null, 0);
        }
    }

    // ================================================================================================= driving

    /**
     * Runs at most one ready task (taking in the inbox and due timers first).
     *
     * @return whether a task ran
     * @throws IllegalStateException if another thread is driving the loop, or if called from one of its tasks
     */
    public boolean runOnce() {
        enterDriver();
        try {
            boolean ran = step();
            if (!ran) {
                becameIdle();
            }
            afterDriving();
            return ran;
        } finally {
            exitDriving();
        }
    }

    /**
     * Runs until nothing is ready: drains the inbox, fires due timers, runs queued tasks and what they submit (and what
     * a listener submits when the loop goes idle).
     *
     * @return the number of tasks run
     * @throws IllegalStateException if another thread is driving the loop, or if called from one of its tasks
     */
    public int runUntilIdle() {
        enterDriver();
        try {
            return drive();
        } finally {
            exitDriving();
        }
    }

    /**
     * Drives the loop on the calling thread until it terminates ({@link #close()} from any thread), idling with
     * {@code idleStrategy} when there is no work. If the loop is already closing and another thread is driving it to
     * its end (a {@code shutdownNow()} caller that took the driver slot first), this waits for that and returns.
     *
     * @throws IllegalStateException if another thread is driving the open loop, or if called from one of its tasks
     */
    public void run(IdleStrategy idleStrategy) {
        Objects.requireNonNull(idleStrategy, "idleStrategy");
        if (!enterDriverToRun()) {
            return; // the loop was finished by another thread before this one could drive it
        }
        try {
            while (true) {
                int work = 0;
                int ran;
                while (work < 1024 && (ran = stepThenBatch()) > 0) {
                    work += ran;
                }
                if (lifecycle != OPEN && afterDriving()) {
                    return;
                }
                if (work > 0) {
                    idleStrategy.reset();
                    continue;
                }
                becameIdle();
                publishIfChanged(); // the driver keeps the slot while it idles: let others see where it stopped
                idle(idleStrategy);
            }
        } finally {
            exitDriving();
        }
    }

    /**
     * Virtual time: moves the clock to {@code target} through every due timer, each run with the clock at its deadline,
     * and what each submits (or a listener submits when the loop goes idle) run before the clock moves on. Driver
     * rules apply.
     */
    int advanceTo(long target) {
        enterDriver();
        try {
            int ran = drive();
            long targetRelative = relative(target);
            while (true) {
                if (quiet()) { // only timers to run: take them straight from the wheel while nothing else is ready
                    TimerWheel.Entry e;
                    do {
                        e = wheel.poll(targetRelative);
                        if (e == null) {
                            break;
                        }
                        long now = virtualClock.nanoTime();
                        long at = toClockTime(e.timerDeadline());
                        if (at > now) {
                            if (hooked && startedCount != startedAtIdle) { // an idle event first, as drive() ends
                                // `e` goes back (keeping its rank) before the listener hears it: what the listener does
                                // there (a shutdownNow, a cancel) finds it pending in the wheel
                                wheel.rearm(e, e.timerDeadline());
                                if (idleGaveWork()) {
                                    break; // that work comes first
                                }
                                continue; // poll again: the listener may have cancelled `e`
                            }
                            virtualClock.set(at);
                            now = at;
                        }
                        if (fire(e, now)) {
                            ran++;
                        }
                        publishIfDue();
                    } while (quiet());
                    if (e == null) {
                        becameIdle(); // before the clock moves to the target
                        break;
                    }
                    ran += drive(); // what the timer left ready runs at its deadline
                    continue;
                }
                long next = wheel.nextDeadline(); // exact: one stop per distinct deadline, none at tick boundaries
                if (next > targetRelative) { // also a deadline past the clock's range: it is never due
                    break;
                }
                virtualClock.set(toClockTime(next));
                ran += drive();
            }
            virtualClock.set(target);
            return ran + drive();
        } finally {
            exitDriving();
        }
    }

    /** Whether nothing but timers can run: no ready task, no inbox item or signal, no stage awaited, still open. */
    private boolean quiet() {
        return lifecycle == OPEN && awaiting == 0 && inbox.isEmpty() && queueIsEmpty();
    }

    int advanceToNextTimer() {
        enterDriver();
        try {
            int ran = drive();
            if (wheel.isEmpty() || nextTimerUnreachable()) { // due past the clock's range: no deadline to jump to
                return ran;
            }
            virtualClock.set(toClockTime(wheel.nextDeadline()));
            return ran + drive();
        } finally {
            exitDriving();
        }
    }

    private int drive() {
        int n = 0;
        do {
            int ran;
            while ((ran = stepThenBatch()) > 0) {
                n += ran;
            }
        } while (idleGaveWork());
        afterDriving();
        return n;
    }

    /**
     * Nothing is ready: the idle event (driver only). @return whether a listener gave the loop work from it (a task or
     * timer it submitted, a stage it completed, a close), which is ready now, so runs before the driver stops or the
     * virtual clock moves on
     */
    private boolean idleGaveWork() {
        long submitted = submittedCount;
        int state = lifecycle;
        becameIdle();
        return submittedCount != submitted || !localSignals.isEmpty() || lifecycle != state;
    }

    /**
     * A step, then the batch it opens, then the busy driver's publication check (driver only): what both ways of
     * driving repeat. @return the tasks run, 0 if the step ran none
     */
    private int stepThenBatch() {
        if (!step()) {
            return 0;
        }
        int n = 1 + runBatch();
        publishIfDue();
        return n;
    }

    /** One step (driver only): take in, fire one due timer or run one queued task. @return whether a task ran */
    private boolean step() {
        if (!inbox.isEmpty() || awaiting > 0) {
            drainInbox();
        }
        if (lifecycle != OPEN && stopRequest != null) {
            serveStopRequest();
            return false;
        }
        if (!wheel.isEmpty() && fairTurns < FAIR_SHARE && fireDueTimer()) {
            fairTurns = queueIsEmpty() ? 0 : fairTurns + 1; // going first, but not for ever while tasks wait
            return true;
        }
        Runnable r;
        while ((r = queuePoll()) != null) {
            if (!polled(r)) {
                continue; // taken back by a shutdownNow() (the queue is empty now)
            }
            if (!(r instanceof LoopTask)) {
                tookQueueTurn();
                runPlain(r);
                return true;
            }
            trackedQueued--;
            if (runTracked((LoopTask<?>) r, clock.nanoTime())) {
                tookQueueTurn();
                return true;
            }
        }
        trackedQueued = 0; // the queue is empty
        if (fairTurns != 0) {
            boolean timersWaited = fairTurns >= FAIR_SHARE;
            fairTurns = 0;
            return timersWaited && !wheel.isEmpty() && fireDueTimer(); // the tasks' turn ended with the queue
        }
        return false;
    }

    /** A step ran a queued task (driver only): the tasks' turn goes on, or timers fired in a row no longer. */
    private void tookQueueTurn() {
        int turns = fairTurns;
        if (turns != 0) {
            fairTurns = turns >= FAIR_SHARE && turns + 1 < 2 * FAIR_SHARE ? turns + 1 : 0;
        }
    }

    /**
     * Runs up to {@link #BATCH} queued tasks back to back, after a step, while only the queue can have work: no timer
     * armed (a due one runs first), no stage awaited (its completion is taken in first). What a step looks at besides
     * (the inbox, a close or shutdownNow from another thread) waits for the next step. Driver only.
     *
     * @return the number of tasks run
     */
    private int runBatch() {
        RunQueue q = queue;
        TimerWheel w = wheel;
        int n = 0;
        Runnable r;
        while (n < BATCH && awaiting == 0 && w.isEmpty()) {
            try {
                r = q.poll();
            } catch (Throwable error) {
                queueBroke("poll", error);
                break;
            }
            if (r == null) {
                break;
            }
            if (!polled(r)) {
                continue; // taken back by a shutdownNow() (the queue is empty now)
            }
            if (trackedQueued == 0 || !(r instanceof LoopTask)) { // no tracked entry queued: no type check
                startedCount++; // runPlain's body, with a call site (and a type profile) of its own
                try {
                    r.run();
                    completedCount++;
                } catch (Throwable e) {
                    plainFailed(e);
                }
                n++;
            } else {
                trackedQueued--;
                if (runTracked((LoopTask<?>) r, clock.nanoTime())) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Fires the earliest due timer, skipping cancelled ones (driver only). @return whether a task ran */
    private boolean fireDueTimer() {
        long reading = clock.nanoTime(); // one reading: what is due, and when the timer started
        long now = relative(reading);
        TimerWheel.Entry e;
        while ((e = wheel.poll(now)) != null) {
            if (fire(e, reading)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs a timer the wheel has just handed over, unless it was cancelled (driver only).
     *
     * @param reading the clock's reading, the task's start time
     * @return whether a task ran
     */
    private boolean fire(TimerWheel.Entry e, long reading) {
        if (e instanceof LoopTimer) {
            LoopTimer light = (LoopTimer) e;
            if (light.transition(LoopTimer.ARMED, LoopTimer.FIRED)) {
                runPlain(light.body);
                return true;
            }
            inc(CANCELLED); // cancelled by another thread, its signal not drained yet
            return false;
        }
        LoopTask<?> t = (LoopTask<?>) e;
        if (t.state == LoopTask.CANCELLED) {
            collectCancelled(t);
            return false;
        }
        if (lifecycle != OPEN && t instanceof PeriodicTask && t.cancelByLoop()) {
            collectCancelled(t); // a closing loop does not run periodic tasks again
            return false;
        }
        if (hooked) {
            firing = t; // out of the wheel, not started: see Implementation notes: Counters
            emit(TIMER, t, null, 0);
            firing = null; // a shutdownNow() from the listener took it back and cancelled it: runTracked collects it
        }
        return runTracked(t, reading);
    }

    private void runPlain(Runnable r) {
        startedCount++;
        try {
            r.run();
            completedCount++;
        } catch (Throwable e) {
            plainFailed(e);
        }
    }

    private void plainFailed(Throwable e) {
        inc(FAILED);
        inc(FAILED_RUNS);
        report(e);
    }

    /** @return false if the task had been cancelled (nothing ran) */
    private boolean runTracked(LoopTask<?> t, long now) {
        if (!t.transition(LoopTask.PENDING, LoopTask.RUNNING)) {
            collectCancelled(t);
            return false;
        }
        t.where = LoopTask.ACTIVE;
        t.startedAt = now;
        startedCount++;
        if (hooked) {
            emit(START, t, null, 0);
        }
        Object value = null;
        Throwable error = null;
        try {
            value = t.invoke();
        } catch (Throwable e) {
            error = e;
        }
        t.afterRun(value, error);
        return true;
    }

    void taskSucceeded(LoopTask<?> t, Object value) {
        t.where = LoopTask.DONE;
        t.finish(LoopTask.COMPLETED, value);
        completedCount++;
        notifySuccess(t);
    }

    void taskFailed(LoopTask<?> t, Throwable error, boolean terminal) {
        inc(FAILED_RUNS);
        if (terminal) {
            t.where = LoopTask.DONE;
            t.finish(LoopTask.FAILED, error);
            inc(FAILED);
        }
        if (hooked) {
            emit(FAILURE, t, error, 0);
        }
    }

    private void notifySuccess(LoopTask<?> t) {
        if (hooked) {
            emit(SUCCESS, t, null, 0);
        }
    }

    void periodicRan(PeriodicTask t, Throwable error) {
        boolean failedUnderPolicy = error != null && stopPeriodicOnFailure;
        // a cancel() during a failed run wins over the policy: it said true (see PeriodicTask's notes)
        boolean cancelAsked = failedUnderPolicy && t.cancelRequestedBeforeFailing();
        boolean stops = failedUnderPolicy && !cancelAsked;
        if (!stops) {
            inc(RESTED); // this run ended and the task lives on (until re-armed or cancelled below)
        }
        if (error != null) {
            taskFailed(t, error, stops);
            if (stops) {
                return;
            }
            report(error); // the task keeps its schedule (or ends cancelled): nobody else would see this failure
        } else {
            notifySuccess(t);
        }
        t.state = LoopTask.PENDING; // only the driver leaves RUNNING; then it reads the request (Dekker, PeriodicTask)
        if (cancelAsked || t.takeCancelRequest() || lifecycle != OPEN) {
            t.cancelByLoop();
        }
        if (t.state == LoopTask.CANCELLED) {
            collectCancelled(t);
            return;
        }
        long next = t.fixedRate ? saturatedAdd(t.timerDeadline(), t.period) : saturatedAdd(nowRelative(), t.period);
        t.where = LoopTask.ARMED;
        wheel.rearm(t, next); // polled to run: keeps its sequence, so it ranks by its submission among equal deadlines
    }

    void awaitStage(SpawnedTask<?> t) {
        awaiting++; // still running: counted by started - completed - failed
    }

    /** Any thread: the stage of a spawned task completed. */
    void stageCompleted(SpawnedTask<?> t) {
        if (inLoop()) {
            localSignals.add(t);
        } else {
            if (inbox.offer(t) < 0) { // full: never lost, never waiting for the driver to make room
                SpawnedTask<?> head;
                do {
                    head = overflowStages;
                    t.nextOverflow = head;
                } while (!OVERFLOW_STAGES.compareAndSet(this, head, t));
            }
            wakeDriver(); // after the CAS, Dekker-style with park()'s re-check of both
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void finishSpawned(SpawnedTask<?> t) {
        awaiting--;
        Throwable e = t.stageError;
        if (e != null) {
            if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
                e = e.getCause();
            }
            taskFailed(t, e, true);
        } else {
            taskSucceeded((LoopTask) t, t.stageValue);
        }
    }

    /** Nothing is ready (driver only): the idle event if a task ran since the last one. */
    private void becameIdle() {
        drainOverflowCancels(); // one that found the inbox full and came after its last drain: nothing else is due
        if (startedCount != startedAtIdle) {
            startedAtIdle = startedCount;
            if (hooked) {
                emit(IDLE, null, null, 0);
            }
        }
    }

    /**
     * The driver's idle phase: spins, yields or parks as the strategy says. No task ever runs inside it, which is why
     * a BlockHound integration may allow blocking calls here (and in {@link #park}) on a thread that must not block.
     */
    private void idle(IdleStrategy strategy) {
        long park = strategy.idle();
        if (park > 0) {
            park(park);
        }
    }

    private void park(long maxNanos) {
        long nanos = maxNanos;
        long until = Long.MAX_VALUE; // with a virtual clock too: its time does not pass while the driver parks
        if (!wheel.isEmpty() && virtualClock == null) {
            long next = wheel.nextDeadlineBound();
            long bound = next - nowRelative();
            if (bound <= 0) {
                return;
            }
            nanos = Math.min(nanos, bound);
            until = next;
        }
        parkedUntil = until;
        try {
            // localSignals: a stage completed on this thread outside any task (in a listener, say) is work too
            if (inbox.isEmpty() && overflowStages == null && overflowCancels == null && localSignals.isEmpty()
                    && lifecycle == handledLifecycle && stopRequest == null) {
                LockSupport.parkNanos(this, nanos);
            }
        } finally {
            parkedUntil = AWAKE;
        }
    }

    /** Wakes the driver if it is parked. */
    private void wakeDriver() {
        if (parkedUntil != AWAKE) {
            unparkDriver();
        }
    }

    /**
     * After a hand-off into inbox slot {@code slot} that must be taken in by {@code dueAt}: wakes the driver only if
     * it is parked and would not wake by itself in time (see Implementation notes: Parking).
     */
    private void wakeDriverFor(long dueAt, long slot) {
        long until = parkedUntil;
        if (until != AWAKE && (dueAt < until || (slot & lazyWakeMask) == 0)) {
            unparkDriver();
        }
    }

    private void unparkDriver() {
        Thread d = driver;
        if (d != null) {
            LockSupport.unpark(d);
        }
    }

    private void enterDriver() {
        Thread me = Thread.currentThread();
        Thread current = driver;
        if (current == me) {
            throw new IllegalStateException("loop '" + name + "' is already driven by this thread: "
                    + "a task cannot drive its own loop");
        }
        if (current != null || !DRIVER.compareAndSet(this, null, me)) {
            throw new IllegalStateException("loop '" + name + "' is driven by thread '" + driverName()
                    + "': one driver at a time");
        }
    }

    /**
     * Like {@link #enterDriver()}, except on a loop that is already closing: another thread (a {@code shutdownNow()} or
     * {@code close()} caller) may be driving it to its end, which is not a second driver's fault. Then this waits until
     * the loop terminates (returns false) or the slot frees with work left (takes it, returns true).
     */
    private boolean enterDriverToRun() {
        if (lifecycle == OPEN || driver == Thread.currentThread()) {
            enterDriver();
            return true;
        }
        boolean interrupted = false;
        try {
            while (!DRIVER.compareAndSet(this, null, Thread.currentThread())) {
                try {
                    if (terminated.await(1, TimeUnit.MILLISECONDS)) {
                        return false;
                    }
                } catch (InterruptedException e) {
                    interrupted = true; // the other driver finishes the loop regardless; keep waiting for it
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private String driverName() {
        Thread d = driver;
        return d == null ? "?" : d.getName();
    }

    private void exitDriver() {
        queueFailure = null; // thrown by exitDriving, if that is the caller; close() and shutdownNow() do not throw it
        publishIfChanged();
        driver = null;
        if (lifecycle == TERMINATED) {
            rejectLeftovers();
        }
    }

    /** @return whether the calling thread is driving this loop */
    public boolean inLoop() {
        // a plain read is exact here: a thread always sees its own last write to the slot, and no other thread
        // writes this thread into it (the volatile field orders the slot for everyone else)
        return DRIVER.get(this) == Thread.currentThread();
    }

    // =============================================================================================== lifecycle

    /**
     * Closes the loop gracefully: no new submissions (they are rejected); ready work and running spawned tasks finish;
     * pending timers are cancelled, or run at their deadlines if built with {@link Builder#closeRunsTimers(boolean)}
     * (periodic tasks are cancelled either way, and so are timers due past the end of the clock's range, which never
     * fire).
     *
     * <p>Returns once the loop has terminated and its {@link #onTermination(Runnable)} callbacks have run. If no thread
     * is driving, the caller drives the shutdown itself; if another thread drives, it waits for it, and drives the rest
     * itself if that thread stops driving first (a {@link #runOnce()} that returns); if called from one of the loop's
     * own tasks (or callbacks), it returns at once and the driver terminates the loop after the task.
     */
    @Override
    public void close() {
        if (LIFECYCLE.compareAndSet(this, OPEN, CLOSING)) {
            wakeDriver();
        }
        if (terminated.getCount() == 0 || inLoop()) {
            return;
        }
        boolean interrupted = false;
        while (terminated.getCount() != 0) { // the latch, not the state: it opens after the onTermination callbacks
            if (DRIVER.compareAndSet(this, null, Thread.currentThread())) {
                try {
                    driveToTermination();
                } finally {
                    exitDriver();
                }
                break;
            }
            try { // another thread drives; if it stops driving (a runOnce() that returns), this one takes over
                terminated.await(10, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops at once: no new submissions; every queued task and pending timer is cancelled and returned, none runs.
     * If another thread drives, it hands the tasks over after its current task; from one of the loop's own tasks, the
     * loop stops after that task. A spawned task awaiting its stage is not cancelled (it has already run; its stage is
     * not the loop's): the loop terminates once the last such stage has completed and a driver has taken that in (a
     * {@code LoopThread} does at once; a loop driven by its caller, at its next driving call or {@link #close()}). Of
     * concurrent calls, each returns once the stop is served (not waiting for running spawned tasks to end): one with
     * the tasks, the others with what was left for them. A submission from another thread that raced the stop (it found
     * the loop open) and reaches the loop after it is refused, as one a moment later is at the call: its handle reads
     * {@code REJECTED}, a {@link DropAware} task is told, a plain one reported.
     *
     * @return the tasks that never ran, as the user's {@link Runnable}s (a {@link Callable} is wrapped)
     */
    public List<Runnable> shutdownNow() {
        if (lifecycle == TERMINATED) {
            return new ArrayList<>();
        }
        CompletableFuture<List<Runnable>> request = new CompletableFuture<>();
        // before the close is visible: a driver that sees the close sees the request too
        @SuppressWarnings("unchecked")
        CompletableFuture<List<Runnable>> earlier =
                (CompletableFuture<List<Runnable>>) STOP_REQUEST.getAndSet(this, request);
        if (earlier != null) { // a concurrent call's, not served yet: answered (nothing left for it) with this one
            request.whenComplete((never, error) -> earlier.complete(new ArrayList<>()));
        }
        LIFECYCLE.compareAndSet(this, OPEN, CLOSING);
        if (inLoop()) {
            drainInbox(); // what other threads submitted before this call is handed back too, as by serveAsDriver
            return serveStopRequest();
        }
        if (DRIVER.compareAndSet(this, null, Thread.currentThread())) {
            return serveAsDriver(request);
        }
        wakeDriver();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return request.get(10, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    if (lifecycle == TERMINATED) { // a driver that served the request completed it before terminating
                        return answer(request);
                    }
                    if (DRIVER.compareAndSet(this, null, Thread.currentThread())) { // the driver left: serve it here
                        return serveAsDriver(request);
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The caller of {@link #shutdownNow()} took the driver slot: it serves what is pending now. A driver that held the
     * slot before may already have served this very request and left (its list is the answer, not the empty one this
     * second serve finds), and a concurrent {@code shutdownNow()} may have replaced the request (then it was answered
     * with what was left: nothing).
     */
    private List<Runnable> serveAsDriver(CompletableFuture<List<Runnable>> request) {
        try {
            drainInbox();
            serveStopRequest();
        } finally {
            exitDriver();
        }
        return answer(request);
    }

    /**
     * What a {@code shutdownNow()} caller returns once its request can no longer be served: the served list, or
     * nothing if it was never served (the loop had nothing left, or a concurrent call replaced the request).
     */
    private static List<Runnable> answer(CompletableFuture<List<Runnable>> request) {
        request.complete(new ArrayList<>()); // a no-op when served
        return request.join();
    }

    private List<Runnable> serveStopRequest() {
        stopped = true;
        CompletableFuture<List<Runnable>> request = stopRequest;
        // served here: termination must not complete it empty; one that replaced it meanwhile is served next
        STOP_REQUEST.compareAndSet(this, request, null);
        List<Runnable> never = new ArrayList<>();
        Runnable r = handedOut; // polled and not started: a low-watermark listener called this; it goes back first
        handedOut = null;
        if (r == null) {
            r = pollToStop();
        }
        for (; r != null; r = pollToStop()) {
            if (r instanceof LoopTask) {
                LoopTask<?> t = (LoopTask<?>) r;
                if (t.cancelByLoop()) {
                    never.add(t.userTask());
                }
                collectCancelled(t);
            } else {
                never.add(r);
                inc(CANCELLED);
                cancelledByLoop(r); // told as a tracked one is (LoopTask.cancelByLoop), listener or not
            }
        }
        trackedQueued = 0; // the queue is empty
        queueChanged();
        LoopTask<?> due = firing; // polled and not started: an onTimerFired listener called this; it goes back first
        if (due != null) {
            firing = null;
            if (due.cancelByLoop()) {
                never.add(due.userTask());
            }
            collectCancelled(due);
        }
        cancelAllTimers(never);
        if (request != null) {
            request.complete(never); // before terminating: a caller that sees the termination finds its tasks
        }
        terminateIfDone();
        return never;
    }

    private void cancelAllTimers(List<Runnable> never) {
        TimerWheel.Entry e;
        while ((e = wheel.poll(Long.MAX_VALUE)) != null) {
            if (e instanceof LoopTimer) {
                LoopTimer light = (LoopTimer) e;
                if (light.transition(LoopTimer.ARMED, LoopTimer.CANCELLED)) {
                    if (never != null) {
                        never.add(light.body);
                    }
                    cancelledByLoop(light.body);
                }
                inc(CANCELLED); // by this call or by its owner (whose signal then finds it unarmed)
                continue;
            }
            LoopTask<?> t = (LoopTask<?>) e;
            if (t.cancelByLoop() && never != null) {
                never.add(t.userTask());
            }
            collectCancelled(t);
        }
    }

    /** After driving: if closing, finish what the policy says and terminate when nothing is left. */
    private boolean afterDriving() {
        int state = lifecycle;
        if (state == OPEN) {
            return false;
        }
        if (stopRequest != null) { // shutdownNow() from another thread: hand its tasks over before anything is dropped
            drainInbox(); // what other threads submitted before the call is handed back too, as by serveAsDriver
            serveStopRequest();
            return lifecycle == TERMINATED;
        }
        if (handledLifecycle == OPEN) { // first time the driver sees the close
            handledLifecycle = state;
            if (closeRunsTimers) {
                cancelPeriodicTimers();
            }
        }
        if (!wheel.isEmpty() && (!closeRunsTimers || nextTimerUnreachable())) { // due past the range: never run
            cancelAllTimers(null);
        }
        return terminateIfDone();
    }

    /** At close, periodic tasks end at once; one-shot timers are kept, in their (deadline, sequence) order. */
    private void cancelPeriodicTimers() {
        List<TimerWheel.Entry> keep = new ArrayList<>();
        TimerWheel.Entry e;
        while ((e = wheel.poll(Long.MAX_VALUE)) != null) {
            if (e instanceof LoopTimer) {
                if (((LoopTimer) e).state == LoopTimer.CANCELLED) {
                    inc(CANCELLED);
                } else {
                    keep.add(e);
                }
                continue;
            }
            LoopTask<?> t = (LoopTask<?>) e;
            if (t instanceof PeriodicTask || t.state == LoopTask.CANCELLED) {
                t.cancelByLoop();
                collectCancelled(t);
            } else {
                keep.add(t);
            }
        }
        for (TimerWheel.Entry t : keep) { // re-armed in firing order, so equal deadlines keep their order
            wheel.arm(t, t.timerDeadline());
        }
    }

    private boolean terminateIfDone() {
        if (lifecycle == TERMINATED) {
            return true;
        }
        boolean pendingSignals = !localSignals.isEmpty();
        if (!queueIsEmpty() || !wheel.isEmpty() || awaiting > 0 || !inbox.isEmpty() || pendingSignals) {
            return false;
        }
        // a task still running (shutdownNow() from inside it, a spawn's supplier among them): terminate after it
        if (running(startedCount, completedCount, counters[FAILED], counters[RESTED]) > 0) {
            return false;
        }
        publishStats(); // before anyone can see the loop terminated
        stopped = true; // a driver that takes the slot of the terminated loop refuses what it finds in the inbox
        lifecycle = TERMINATED;
        overflowCancels = null; // nothing is armed any more: what a canceller pushed meanwhile is moot
        CompletableFuture<List<Runnable>> unserved = stopRequest;
        stopRequest = null;
        if (unserved != null) {
            unserved.complete(new ArrayList<>()); // nothing left to hand over
        }
        for (Runnable callback : terminationCallbacks.takeAll()) { // before the latch: close() waiters return after
            runTerminationCallback(callback);
        }
        terminated.countDown();
        return true;
    }

    /** Runs one {@link #onTermination(Runnable)} callback, isolated as a listener is (any thread). */
    private void runTerminationCallback(Runnable callback) {
        try {
            callback.run();
        } catch (Throwable e) {
            callbackErrors.incrementAndGet(); // an atomic, not a driver counter: a late registration runs it anywhere
            report(e);
        }
    }

    private void driveToTermination() {
        while (true) {
            drive();
            if (lifecycle == TERMINATED) {
                return;
            }
            if (virtualClock != null && !wheel.isEmpty()) {
                virtualClock.set(toClockTime(wheel.nextDeadline()));
            } else {
                park(Long.MAX_VALUE);
            }
        }
    }

    /**
     * Refuses a task from the inbox of a loop that was stopped or has terminated, as its submission would have been
     * refused at the call a moment later (driver only): its call found the loop open, and may have returned, so it is
     * told or reported (refusedAfterCall). One cancelled meanwhile ends cancelled.
     *
     * @return false if {@code o} is no task but a signal (a cancellation, a completed stage), left to the caller
     */
    private boolean refuseArrival(Object o) {
        if (o instanceof LoopTask) {
            LoopTask<?> t = (LoopTask<?>) o;
            if (t.where != LoopTask.NEW) {
                return false;
            }
            submittedCount++;
            if (t.state == LoopTask.CANCELLED) {
                collectCancelled(t);
            } else {
                RejectedExecutionException e = closedException();
                rejectQueued(t, e);
                refusedAfterCall(t, e);
            }
        } else if (o instanceof LoopTimer) {
            LoopTimer t = (LoopTimer) o;
            int s = t.state;
            if (s != LoopTimer.NEW && s != LoopTimer.CANCELLED_NEW) {
                return false; // a cancel signal
            }
            submittedCount++;
            if (t.transition(LoopTimer.NEW, LoopTimer.REJECTED)) {
                inc(REJECTED);
                refusedAfterCall(t, closedException());
            } else {
                inc(CANCELLED);
            }
        } else { // a plain task whose submitter's call may already have returned: tell it or the handler
            submittedCount++;
            inc(REJECTED);
            refusedAfterCall((Runnable) o, closedException());
        }
        return true;
    }

    /**
     * Rejects tasks offered from other threads after termination, and drops signals that came too late to matter (any
     * thread; takes the driver slot briefly).
     */
    private void rejectLeftovers() {
        while (!inbox.isEmpty() && DRIVER.compareAndSet(this, null, Thread.currentThread())) {
            try {
                Object o;
                while ((o = inbox.poll()) != null) {
                    refuseArrival(o); // else a signal: nothing is armed or awaited in a terminated loop
                }
            } finally {
                publishIfChanged();
                driver = null;
            }
        }
    }

    /**
     * Waits for the loop to terminate and its {@link #onTermination(Runnable)} callbacks to have run.
     *
     * @return whether it terminated within {@code timeout}
     * @throws IllegalStateException if called while driving the loop (from one of its tasks or listeners), which it
     *                               cannot terminate under: the wait could only time out, stalling the loop meanwhile
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        if (terminated.getCount() == 0) {
            return true;
        }
        if (inLoop()) {
            if (lifecycle == TERMINATED) {
                return true; // an onTermination callback asks: the loop has terminated under it
            }
            throw new IllegalStateException("loop '" + name + "': awaitTermination from the thread driving it, which "
                    + "it cannot terminate under (wait from another thread, or close() it from here)");
        }
        return terminated.await(saturatedNanos(timeout), TimeUnit.NANOSECONDS);
    }

    /** @return whether the loop no longer accepts tasks */
    public boolean isShutdown() {
        return lifecycle != OPEN;
    }

    /** @return whether the loop has terminated: closed, and nothing left to run */
    public boolean isTerminated() {
        return lifecycle == TERMINATED;
    }

    /**
     * Registers {@code callback} to run once, when the loop terminates: for a user of the loop that must learn of its
     * end without polling, such as a stream waiting for input with nothing in flight on the loop. The registration's
     * {@link Cancellable#cancel() cancel()} unregisters the callback in O(1); a user that ends first calls it, so a
     * long-lived loop keeps nothing of its many short-lived users (a callback on a {@code CompletableFuture}, which
     * cannot be taken off, would stay there until the loop ends).
     *
     * <p>The callback runs on the thread that terminates the loop, while that thread still drives it ({@link #inLoop()}
     * is true there): the driver (a {@link LoopThread}, a {@code runOnce()} or virtual-clock caller) or the
     * {@code close()} or {@code shutdownNow()} caller that drove the end itself, possibly inside the listener that made
     * the loop terminate. Callbacks run in registration order, once {@link #isTerminated()} is true and before
     * {@link #close()} and {@link #awaitTermination(Duration)} return on other threads that wait for the termination
     * (a callback's own calls to them return at once); everything the loop did happens-before each of them. A
     * callback that throws is counted in {@link LoopStats#listenerErrors()} and reported to the error handler, as a
     * throwing listener is: the loop terminates regardless and the callbacks after it still run. If the loop has
     * terminated by the time the callback is registered (its callbacks were taken out to run), the callback runs on the
     * calling thread before this method returns, isolated the same way, and everything the loop did happens-before it
     * too.
     *
     * @return the registration: {@code cancel()} says true if it unregistered the callback, which then never runs, and
     *         false once the loop has taken it to run (or it ran at this call); {@code isDone()} says whether it can no
     *         longer be cancelled
     */
    public Cancellable onTermination(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        TerminationCallbacks.Node registration = terminationCallbacks.register(callback);
        if (registration.late) { // the callbacks were taken out already: it is this caller's to run
            runTerminationCallback(callback);
        }
        return registration;
    }

    // ============================================================================================ observation

    /**
     * @return the counters: on the driver thread (a task, a listener) the live values; on any other thread one
     *         consistent snapshot the driver published (see {@link LoopStats})
     */
    public LoopStats stats() {
        long[] p = new long[COUNTERS];
        if (inLoop()) {
            for (int i = 0; i < COUNTERS; i++) {
                p[i] = current(i);
            }
        } else {
            while (true) { // the reading side of the seqlock publishStats() writes
                long v = (long) PUBLISHED_VERSION.getAcquire(this);
                if ((v & 1) == 0) {
                    for (int i = 0; i < COUNTERS; i++) {
                        p[i] = (long) COUNTER.getOpaque(published, i);
                    }
                    VarHandle.loadLoadFence();
                    if ((long) PUBLISHED_VERSION.getOpaque(this) == v) {
                        break;
                    }
                }
                Thread.onSpinWait();
            }
        }
        long rejectedAtCaller = callerRejected.get(); // after the counters: never fewer than they counted
        return new LoopStats(p[SUBMITTED] + rejectedAtCaller, p[STARTED], p[COMPLETED], p[FAILED], p[CANCELLED],
                p[REJECTED] + rejectedAtCaller, p[QUEUED],
                Math.max(0, running(p[STARTED], p[COMPLETED], p[FAILED], p[RESTED])), p[TIMERS], p[PEAK], inbox.size(),
                p[LISTENER_ERRORS] + callbackErrors.get(), p[FAILED_RUNS]);
    }

    /** Runs started and not ended: tasks running, spawned tasks awaiting their stage (see Implementation notes). */
    private static long running(long started, long completed, long failed, long rested) {
        return started - completed - failed - rested;
    }

    /** The live value of counter {@code i}, as published (driver only). */
    private long current(int i) {
        switch (i) {
            case SUBMITTED:
                return submittedCount;
            case STARTED:
                return startedCount;
            case COMPLETED:
                return completedCount;
            case QUEUED:
                return queueSize() + (handedOut != null ? 1 : 0);
            case TIMERS:
                return wheel.size() + (firing != null ? 1 : 0);
            default:
                return counters[i];
        }
    }

    /** Publishes the counters if any differs from what was last published (driver only; it alone writes them). */
    private void publishIfChanged() {
        long[] p = published;
        for (int i = 0; i < COUNTERS; i++) {
            if (p[i] != current(i)) {
                publishStats();
                return;
            }
        }
    }

    /** Publishes the counters again once a busy driver has run PUBLISH_INTERVAL tasks since it last did. */
    private void publishIfDue() {
        if (startedCount - published[STARTED] >= PUBLISH_INTERVAL) {
            publishStats();
        }
    }

    /** Writes the counters other threads read, as one snapshot: the writing side of a seqlock (driver only). */
    private void publishStats() {
        long v = publishedVersion;
        PUBLISHED_VERSION.setOpaque(this, v + 1);
        VarHandle.storeStoreFence(); // readers that see the data below being written see an odd version
        long[] p = published;
        for (int i = 0; i < COUNTERS; i++) {
            COUNTER.setOpaque(p, i, current(i));
        }
        PUBLISHED_VERSION.setRelease(this, v + 2);
    }

    /** @return the {@link #onTermination(Runnable)} callbacks still registered, waiting for the termination (tests) */
    int pendingTerminationCallbacks() {
        return terminationCallbacks.pending();
    }

    /** @return the loop's name */
    public String name() {
        return name;
    }

    /** @return the loop's clock */
    public Clock clock() {
        return clock;
    }

    /** @return the clock's current reading, in nanoseconds */
    public long now() {
        return clock.nanoTime();
    }

    /**
     * @return how often the loop tracks a plain task ({@code execute}, {@code executeAfter}) for its listeners: one in
     *     this many, the smallest of its listeners' {@link LoopListener#trackingInterval() intervals} (so 1 if any
     *     listener asks for every task, whatever the others ask); 0 with no listener. Tasks with a handle are always
     *     tracked
     */
    public int trackingInterval() {
        return trackingInterval;
    }

    /** @return the run queue's capacity ({@link Integer#MAX_VALUE} when unbounded) */
    public int queueCapacity() {
        return queue.capacity();
    }

    /** @return the high watermark ({@link Integer#MAX_VALUE} when none is set) */
    public int highWatermark() {
        return highWatermark;
    }

    /** @return the low watermark */
    public int lowWatermark() {
        return lowWatermark;
    }

    /** @return whether the run queue has reached its high watermark and not yet fallen back to the low one */
    public boolean isAboveHighWatermark() {
        return aboveHighPublished;
    }

    /**
     * @return the number of tasks in the run queue: exact on the driver thread, the value the driver last published
     *         elsewhere (see {@link LoopStats})
     */
    public int queueDepth() {
        return inLoop() ? queueSize() : (int) (long) COUNTER.getOpaque(published, QUEUED);
    }

    /**
     * @return the number of pending timers: exact on the driver thread, elsewhere a recent value, exact after anything
     *         that happens-after the driver's last change (a task of the loop that signalled this thread, say)
     */
    public int pendingTimers() {
        int armed = wheel.observedSize();
        return firing != null && inLoop() ? armed + 1 : armed; // an onTimerFired listener asks: its timer is pending
    }

    @Override
    public String toString() {
        return "Loop[" + name + ", " + (lifecycle == OPEN ? "open" : lifecycle == CLOSING ? "closing" : "terminated")
                + "]";
    }

    // =============================================================================================== helpers

    long toClockTime(long relative) {
        return relative == Long.MAX_VALUE ? Long.MAX_VALUE : saturatedAdd(origin, relative);
    }

    private long nowRelative() {
        return relative(clock.nanoTime());
    }

    /**
     * A clock reading as nanoseconds since the loop was created (the wheel's time line), saturated at LAST_DUE: a clock
     * whose origin is below zero (System.nanoTime() may be) can read more than Long.MAX_VALUE ns past it.
     */
    private long relative(long reading) {
        long r = reading - origin;
        if (((reading ^ origin) & (reading ^ r)) < 0) { // overflowed: the readings are on either side of zero
            return reading < 0 ? 0 : LAST_DUE;
        }
        return Math.max(0, Math.min(r, LAST_DUE));
    }

    /** Whether the earliest pending timer is due past the last instant the clock can read, so never fires. */
    private boolean nextTimerUnreachable() {
        return !wheel.isEmpty() && wheel.nextDeadline() > relative(Long.MAX_VALUE);
    }

    private void inc(int counter) {
        counters[counter]++;
    }

    /**
     * Tells every listener about one event, each isolated from the others (driver only). One switch instead of a loop
     * per event kind; no lambda, so nothing is allocated.
     */
    private void emit(int event, LoopTask<?> t, Object detail, int depth) {
        for (LoopListener l : listeners) {
            try {
                switch (event) {
                    case SUBMIT -> l.onSubmit(t);
                    case START -> l.onStart(t);
                    case SUCCESS -> l.onSuccess(t);
                    case FAILURE -> l.onFailure(t, (Throwable) detail);
                    case CANCEL -> l.onCancel(t);
                    case REJECT -> l.onReject(t, (RejectedExecutionException) detail);
                    case TIMER -> l.onTimerFired(t);
                    case IDLE -> l.onIdle();
                    default -> l.onWatermark((Watermark) detail, depth);
                }
            } catch (Throwable e) {
                listenerFailed(e);
            }
        }
    }

    private void listenerFailed(Throwable e) {
        inc(LISTENER_ERRORS);
        report(e);
    }

    private void report(Throwable e) {
        try {
            errorHandler.accept(e);
        } catch (Throwable ignored) {
            // the error handler itself failed: nothing left to tell
        }
    }

    static long saturatedNanos(Duration d) {
        Objects.requireNonNull(d, "duration");
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return r;
    }

    private static void logError(Throwable e) {
        LOG.log(System.Logger.Level.WARNING, "uncaught error in loop task or listener", e);
    }

    /**
     * Configures a {@link Loop}. Defaults: system clock, unbounded FIFO run queue, reject when full, no watermarks,
     * no listener, inbox of 65,536 tasks, ticks of 2^20 ns (about 1 ms), timers cancelled at close, periodic tasks
     * keep their schedule when a run fails, errors logged through {@link System.Logger}.
     */
    public static final class Builder {
        private String name = "loop";
        private Clock clock = Clock.system();
        private RunQueue queue;
        private AdmissionPolicy admission = AdmissionPolicy.reject();
        private final List<LoopListener> listeners = new ArrayList<>();
        private Consumer<Throwable> errorHandler = Loop::logError;
        private int highWatermark = Integer.MAX_VALUE;
        private int lowWatermark = 0;
        private int inboxCapacity = 1 << 16;
        private int tickShift = 20;
        private boolean closeRunsTimers;
        private boolean stopPeriodicOnFailure;

        private Builder() {
        }

        /** The loop's name (in errors, thread names, metrics). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The clock: {@link Clock#system()} or a {@link VirtualClock} (which then belongs to this loop). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The run queue (a new one per loop), e.g. from {@link RunQueues}. */
        public Builder runQueue(RunQueue queue) {
            this.queue = Objects.requireNonNull(queue, "queue");
            return this;
        }

        /** What to do when a bounded run queue is full. */
        public Builder admission(AdmissionPolicy admission) {
            this.admission = Objects.requireNonNull(admission, "admission");
            return this;
        }

        /** Adds a listener; listeners are called in the order added, each isolated from the others. */
        public Builder listener(LoopListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Receives errors nobody else would see: listener and {@link Loop#onTermination(Runnable) termination
         * callback} failures, failures of untracked tasks, and plain tasks refused after their submission returned
         * (dropped), unless they are {@link DropAware} and so were told. A task with a handle is never reported here:
         * its handle carries its failure or refusal. It is called on the thread that saw the error.
         */
        public Builder errorHandler(Consumer<Throwable> errorHandler) {
            this.errorHandler = Objects.requireNonNull(errorHandler, "errorHandler");
            return this;
        }

        /**
         * Watermarks on the run-queue depth: {@link Watermark#HIGH} when it reaches {@code high}, then
         * {@link Watermark#LOW} when it falls to {@code low}.
         */
        public Builder watermarks(int high, int low) {
            if (low < 0 || high <= low) {
                throw new IllegalArgumentException("need 0 <= low < high, was low=" + low + ", high=" + high);
            }
            this.highWatermark = high;
            this.lowWatermark = low;
            return this;
        }

        /** How many tasks from other threads may wait for the driver (rounded up to a power of two). */
        public Builder inboxCapacity(int capacity) {
            if (capacity < 2 || capacity > (1 << 28)) {
                throw new IllegalArgumentException("inbox capacity must be in [2, 2^28], was " + capacity);
            }
            this.inboxCapacity = capacity;
            return this;
        }

        /** Timer-wheel tick of {@code 2^shift} ns (0 to 30). Ordering is exact whatever the tick. */
        public Builder tickShift(int shift) {
            if (shift < 0 || shift > 30) {
                throw new IllegalArgumentException("tick shift must be in [0, 30], was " + shift);
            }
            this.tickShift = shift;
            return this;
        }

        /**
         * Whether {@link Loop#close()} runs pending one-shot timers at their deadlines (default: cancels them). A timer
         * due past the end of the clock's range is cancelled either way: it never fires.
         */
        public Builder closeRunsTimers(boolean runTimers) {
            this.closeRunsTimers = runTimers;
            return this;
        }

        /**
         * Whether a periodic task that throws ends FAILED (default: it keeps its schedule). A run that throws after a
         * {@code cancel()} said true during it ends the task CANCELLED all the same (the failure is reported).
         */
        public Builder stopPeriodicOnFailure(boolean stop) {
            this.stopPeriodicOnFailure = stop;
            return this;
        }

        /**
         * @return a new loop
         * @throws IllegalArgumentException if a listener's {@link LoopListener#trackingInterval()} is below 1
         * @throws IllegalStateException    if the clock is a {@link VirtualClock} that already belongs to another loop
         */
        public Loop build() {
            return new Loop(this);
        }
    }
}
