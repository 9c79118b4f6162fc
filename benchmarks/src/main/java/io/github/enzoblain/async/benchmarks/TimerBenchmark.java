package io.github.enzoblain.async.benchmarks;

import io.github.enzoblain.async.core.Cancellable;
import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.TaskHandle;
import io.github.enzoblain.async.core.VirtualClock;
import io.github.enzoblain.async.core.time.TimerWheel;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;

import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Timers: {@value #N} armed then cancelled, and {@value #N} armed then fired in time order, per timer.
 *
 * <p><b>Concurrency.</b> Our loop, our raw wheel, Agrona's wheel and Reactor's {@code VirtualTimeScheduler} run
 * entirely on the benchmark thread (virtual time). {@code ScheduledThreadPoolExecutor} and Netty's
 * {@code HashedWheelTimer} have a worker thread each: the benchmark thread arms and cancels, the worker fires.
 *
 * <p><b>The workload</b> ({@link TimerWorkload}): timer {@code i} gets a distinct delay of {@code k(i)} steps,
 * {@code k} a fixed permutation of {@code 1..N}, so the arming order is scrambled and firing must sort.
 * <ul>
 *   <li>arm + cancel: delay = 1 hour + k µs (nothing can fall due while real-time timers are armed), then every timer
 *       is cancelled in arming order;</li>
 *   <li>arm + fire: delay = k µs (the timers span about 1 s of virtual time), then time moves to the end and every
 *       timer fires in deadline order. {@code ScheduledThreadPoolExecutor} runs on real time, so it gets k ns
 *       instead (a 1 ms span) and its single worker is held by a gate task while arming: once released, every timer
 *       is due and it fires them in deadline order, as fast as its heap allows. Netty's {@code HashedWheelTimer} has
 *       no virtual time and fires at most once per real tick (1 ms minimum, and 100,000 transfers per tick), so a
 *       fire measurement would measure the wall clock: it is measured on arm + cancel only.</li>
 * </ul>
 * {@code VirtualTimeScheduler} cancels with {@code PriorityBlockingQueue.remove(Object)}, a linear scan, so
 * cancelling n timers is O(n²): its arm + cancel uses {@value #N_QUADRATIC} timers.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// The same fixed heap for every contender: a million live timers per invocation should measure the timer structures,
// not how the default adaptive young generation copies them. Pre-touched: otherwise a contender that allocates per
// timer spends its first seconds in the kernel zeroing fresh young-generation pages (a third of the profile in a short
// run, and most of the run-to-run variance), which measures the first pass over the heap, not the timers.
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-Xmn2g", "-XX:+AlwaysPreTouch"})
public class TimerBenchmark {

    /*
     * Implementation notes. Every structure lives for a trial (one per benchmark method) and is reused by every
     * invocation, so steady-state growth (heap arrays, Agrona's spokes) is paid once. Handles are kept in preallocated
     * arrays. Fire counts are checked at the end of the trial.
     */

    static final int N = 1_000_000;
    static final int N_QUADRATIC = 10_000;
    static final long STEP = 1_000; // 1 µs
    static final long FAR = TimeUnit.HOURS.toNanos(1);
    static final TimerWorkload WORK = new TimerWorkload(N);
    static final TimerWorkload WORK_QUADRATIC = new TimerWorkload(N_QUADRATIC);

    // ================================================================================================ our loop

    /**
     * A {@link Loop} on a {@link VirtualClock}; the timers are armed by a task on the loop (the driver's path), with
     * {@code schedule} (a {@code TaskHandle} each: {@code _loop}) or {@code executeAfter} (a light timer each:
     * {@code _loopLight}).
     */
    @State(Scope.Thread)
    public static class LoopState {
        /** The wheel's tick, 2^tickShift ns: 20 is the loop's default (about 1 ms). */
        @Param({"20", "10"})
        public int tickShift;

        final Counter fired = new Counter();
        final TaskHandle<?>[] handles = new TaskHandle<?>[N];
        final Cancellable[] lights = new Cancellable[N];
        VirtualClock clock;
        Loop loop;
        long invocations;
        Runnable armThenCancel;
        Runnable arm;
        Runnable armLightThenCancel;
        Runnable armLight;

        @Setup(Level.Trial)
        public void setUp() {
            clock = new VirtualClock();
            loop = Loop.builder().name("bench-timers").clock(clock).tickShift(tickShift).build();
            Loop l = loop;
            Counter task = fired;
            TaskHandle<?>[] h = handles;
            long[] steps = WORK.steps;
            armThenCancel = () -> {
                for (int i = 0; i < N; i++) {
                    h[i] = l.schedule(task, FAR + steps[i] * STEP, TimeUnit.NANOSECONDS);
                }
                for (int i = 0; i < N; i++) {
                    h[i].cancel();
                }
            };
            arm = () -> {
                for (int i = 0; i < N; i++) {
                    l.schedule(task, steps[i] * STEP, TimeUnit.NANOSECONDS);
                }
            };
            Cancellable[] c = lights;
            armLightThenCancel = () -> {
                for (int i = 0; i < N; i++) {
                    c[i] = l.executeAfter(task, FAR + steps[i] * STEP, TimeUnit.NANOSECONDS);
                }
                for (int i = 0; i < N; i++) {
                    c[i].cancel();
                }
            };
            armLight = () -> {
                for (int i = 0; i < N; i++) {
                    l.executeAfter(task, steps[i] * STEP, TimeUnit.NANOSECONDS);
                }
            };
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            loop.close();
            if (!loop.stats().isBalanced() || fired.count != invocations * N) {
                throw new IllegalStateException("loop: fired " + fired.count + ", expected " + invocations * N
                        + "; " + loop.stats());
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void armCancel_loop(LoopState s) {
        s.loop.execute(s.armThenCancel);
        s.loop.runUntilIdle();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long armFire_loop(LoopState s) {
        s.loop.execute(s.arm);
        s.clock.advanceBy(WORK.maxSteps() * STEP, TimeUnit.NANOSECONDS);
        s.invocations++;
        return s.fired.count;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void armCancel_loopLight(LoopState s) {
        s.loop.execute(s.armLightThenCancel);
        s.loop.runUntilIdle();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long armFire_loopLight(LoopState s) {
        s.loop.execute(s.armLight);
        s.clock.advanceBy(WORK.maxSteps() * STEP, TimeUnit.NANOSECONDS);
        s.invocations++;
        return s.fired.count;
    }

    // =========================================================================================== our raw wheel

    /** A bare {@link TimerWheel} with preallocated entries. */
    @State(Scope.Thread)
    public static class WheelState {
        /** The wheel's tick, 2^tickShift ns: 20 is the loop's default (about 1 ms). */
        @Param({"20", "10"})
        public int tickShift;

        final Counter fired = new Counter();
        TimerWheel wheel;
        final WheelTimer[] entries = new WheelTimer[N];
        long now;
        long invocations;

        @Setup(Level.Trial)
        public void setUp() {
            wheel = new TimerWheel(tickShift);
            for (int i = 0; i < N; i++) {
                entries[i] = new WheelTimer(fired);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (fired.count != invocations * N || !wheel.isEmpty()) {
                throw new IllegalStateException("wheel: fired " + fired.count + ", expected " + invocations * N);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public int armCancel_timerWheel(WheelState s) {
        TimerWheel w = s.wheel;
        WheelTimer[] e = s.entries;
        long[] steps = WORK.steps;
        long base = s.now;
        for (int i = 0; i < N; i++) {
            w.arm(e[i], base + FAR + steps[i] * STEP);
        }
        for (int i = 0; i < N; i++) {
            w.cancel(e[i]);
        }
        return w.size();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long armFire_timerWheel(WheelState s) {
        TimerWheel w = s.wheel;
        WheelTimer[] e = s.entries;
        long[] steps = WORK.steps;
        long base = s.now;
        for (int i = 0; i < N; i++) {
            w.arm(e[i], base + steps[i] * STEP);
        }
        long end = base + WORK.maxSteps() * STEP;
        TimerWheel.Entry t;
        while ((t = w.poll(end)) != null) {
            ((WheelTimer) t).fire();
        }
        s.now = end;
        s.invocations++;
        return s.fired.count;
    }

    // ====================================================================================== JDK STPE

    /** {@link ScheduledThreadPoolExecutor} with one thread and remove-on-cancel. */
    @State(Scope.Thread)
    public static class StpeState {
        final Counter fired = new Counter();
        final Sentinel sentinel = new Sentinel();
        final ScheduledFuture<?>[] futures = new ScheduledFuture<?>[N];
        ScheduledThreadPoolExecutor executor;
        long invocations;

        @Setup(Level.Trial)
        public void setUp() {
            executor = new ScheduledThreadPoolExecutor(1, CrossThreadBenchmark.daemon("bench-stpe"));
            executor.setRemoveOnCancelPolicy(true);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            executor.shutdown();
            executor.awaitTermination(10, TimeUnit.SECONDS);
            if (fired.count != invocations * N) {
                throw new IllegalStateException("stpe: fired " + fired.count + ", expected " + invocations * N);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public int armCancel_stpe(StpeState s) {
        ScheduledThreadPoolExecutor x = s.executor;
        ScheduledFuture<?>[] f = s.futures;
        Counter task = s.fired;
        long[] steps = WORK.steps;
        for (int i = 0; i < N; i++) {
            f[i] = x.schedule(task, FAR + steps[i] * STEP, TimeUnit.NANOSECONDS);
        }
        for (int i = 0; i < N; i++) {
            f[i].cancel(false);
        }
        return x.getQueue().size();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long armFire_stpe(StpeState s) throws InterruptedException {
        ScheduledThreadPoolExecutor x = s.executor;
        Counter task = s.fired;
        long[] steps = WORK.steps;
        CountDownLatch gate = new CountDownLatch(1);
        x.execute(() -> awaitUninterruptibly(gate)); // holds the worker while we arm
        for (int i = 0; i < N; i++) {
            x.schedule(task, steps[i], TimeUnit.NANOSECONDS); // real time: k ns, see the class comment
        }
        s.sentinel.reset();
        x.schedule(s.sentinel, WORK.maxSteps() + 1, TimeUnit.NANOSECONDS);
        gate.countDown();
        s.sentinel.await();
        s.invocations++;
        return task.count;
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // keep holding the worker until the benchmark releases it
            }
        }
    }

    // ====================================================================================== Netty

    /** Netty {@link HashedWheelTimer}: 1 ms ticks, 512 spokes (its defaults), no leak detection. */
    @State(Scope.Thread)
    public static class NettyState {
        final Timeout[] timeouts = new Timeout[N];
        final TimerTask task = timeout -> { };
        HashedWheelTimer timer;

        @Setup(Level.Trial)
        public void setUp() {
            timer = new HashedWheelTimer(CrossThreadBenchmark.daemon("bench-netty-timer"), 1, TimeUnit.MILLISECONDS,
                    512, false);
            timer.start();
        }

        /** Lets the worker finish unlinking the cancelled timeouts, so its work does not leak into the next call. */
        @TearDown(Level.Invocation)
        public void settle() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (timer.pendingTimeouts() > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("netty: " + timer.pendingTimeouts() + " timeouts still pending");
                }
                Thread.yield();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            timer.stop();
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public Timeout armCancel_nettyHashedWheelTimer(NettyState s) {
        HashedWheelTimer t = s.timer;
        Timeout[] o = s.timeouts;
        TimerTask task = s.task;
        long[] steps = WORK.steps;
        for (int i = 0; i < N; i++) {
            o[i] = t.newTimeout(task, FAR + steps[i] * STEP, TimeUnit.NANOSECONDS);
        }
        for (int i = 0; i < N; i++) {
            o[i].cancel();
        }
        return o[N - 1];
    }

    // ====================================================================================== Agrona

    /**
     * Agrona {@link DeadlineTimerWheel}, in three shapes: "coarse" ticks of 2^20 ns and 1,024 spokes (about 1,000 timers
     * per spoke here, whose arm scans the spoke for a free slot); "fine" ticks of 2^10 ns and 2^20 spokes (about one
     * timer per spoke, its best case, at the price of a larger array; it fires in tick order, and 413 of this
     * workload's timers share a tick with a later deadline armed first, so they fire after it); "exact" ticks of 2^9 ns
     * and 2^21 spokes, the coarsest shape in which every timer has a tick of its own, so that it fires this workload
     * in deadline order, as ours do ({@link TimerFireOrder} counts both).
     */
    public abstract static class AgronaState {
        final Counter fired = new Counter();
        final long[] ids = new long[N];
        final DeadlineTimerWheel.TimerHandler handler = (unit, now, id) -> {
            fired.count++;
            return true;
        };
        DeadlineTimerWheel wheel;
        long now;
        long invocations;

        abstract DeadlineTimerWheel create();

        @Setup(Level.Trial)
        public void setUp() {
            wheel = create();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (fired.count != invocations * N || wheel.timerCount() != 0) {
                throw new IllegalStateException("agrona: fired " + fired.count + ", expected " + invocations * N);
            }
        }
    }

    /** Ticks of 2^20 ns, 1,024 spokes. */
    @State(Scope.Thread)
    public static class AgronaCoarse extends AgronaState {
        @Override
        DeadlineTimerWheel create() {
            return new DeadlineTimerWheel(TimeUnit.NANOSECONDS, 0, 1 << 20, 1 << 10);
        }
    }

    /** Ticks of 2^10 ns, 2^20 spokes, one slot per spoke to start with. */
    @State(Scope.Thread)
    public static class AgronaFine extends AgronaState {
        @Override
        DeadlineTimerWheel create() {
            return new DeadlineTimerWheel(TimeUnit.NANOSECONDS, 0, 1 << 10, 1 << 20, 1);
        }
    }

    /** Ticks of 2^9 ns, 2^21 spokes, one slot per spoke to start with: one tick per timer here, so deadline order. */
    @State(Scope.Thread)
    public static class AgronaExact extends AgronaState {
        @Override
        DeadlineTimerWheel create() {
            return new DeadlineTimerWheel(TimeUnit.NANOSECONDS, 0, 1 << 9, 1 << 21, 1);
        }
    }

    /**
     * Agrona exact carrying a task per timer, as a loop must: Agrona's timer is a bare {@code long} id, so each timer's
     * {@link Runnable}, made when it is armed (as {@code schedule} and {@code executeAfter} make theirs), is kept in
     * Agrona's own {@link Long2ObjectHashMap} under that id while armed: put when armed, removed when fired (then run)
     * or cancelled. What a user of {@code DeadlineTimerWheel} pays to run a task per timer; not the wheel alone.
     */
    @State(Scope.Thread)
    public static class AgronaExactTasks extends AgronaExact {
        final Long2ObjectHashMap<Runnable> armed = new Long2ObjectHashMap<>();
        final DeadlineTimerWheel.TimerHandler runTask = (unit, now, id) -> {
            armed.remove(id).run();
            return true;
        };

        @TearDown(Level.Trial)
        public void checkNoneLeft() {
            if (!armed.isEmpty()) {
                throw new IllegalStateException("agrona tasks: " + armed.size() + " left in the map");
            }
        }
    }

    /** A task per timer for {@link AgronaExactTasks}: bumps the shared counter. */
    static final class CountingTask implements Runnable {
        private final Counter counter;

        CountingTask(Counter counter) {
            this.counter = counter;
        }

        @Override
        public void run() {
            counter.run();
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long armCancel_agronaExactTasks(AgronaExactTasks s) {
        DeadlineTimerWheel w = s.wheel;
        Long2ObjectHashMap<Runnable> armed = s.armed;
        long[] ids = s.ids;
        long[] steps = WORK.steps;
        long base = s.now;
        Counter c = s.fired;
        for (int i = 0; i < N; i++) {
            long id = w.scheduleTimer(base + FAR + steps[i] * STEP);
            armed.put(id, new CountingTask(c));
            ids[i] = id;
        }
        for (int i = 0; i < N; i++) {
            w.cancelTimer(ids[i]);
            armed.remove(ids[i]);
        }
        return w.timerCount();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long armFire_agronaExactTasks(AgronaExactTasks s) {
        DeadlineTimerWheel w = s.wheel;
        Long2ObjectHashMap<Runnable> armed = s.armed;
        long[] steps = WORK.steps;
        long base = s.now;
        Counter c = s.fired;
        for (int i = 0; i < N; i++) {
            armed.put(w.scheduleTimer(base + steps[i] * STEP), new CountingTask(c));
        }
        return agronaFireAll(s, s.runTask);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long armCancel_agronaCoarse(AgronaCoarse s) {
        return agronaArmCancel(s);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long armCancel_agronaFine(AgronaFine s) {
        return agronaArmCancel(s);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long armCancel_agronaExact(AgronaExact s) {
        return agronaArmCancel(s);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long armFire_agronaExact(AgronaExact s) {
        return agronaArmFire(s);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long armFire_agronaCoarse(AgronaCoarse s) {
        return agronaArmFire(s);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long armFire_agronaFine(AgronaFine s) {
        return agronaArmFire(s);
    }

    private static long agronaArmCancel(AgronaState s) {
        DeadlineTimerWheel w = s.wheel;
        long[] ids = s.ids;
        long[] steps = WORK.steps;
        long base = s.now;
        for (int i = 0; i < N; i++) {
            ids[i] = w.scheduleTimer(base + FAR + steps[i] * STEP);
        }
        for (int i = 0; i < N; i++) {
            w.cancelTimer(ids[i]);
        }
        return w.timerCount();
    }

    /** Virtual time, one poll per tick (the wheel steps one tick per poll), so timers fire in tick order. */
    private static long agronaArmFire(AgronaState s) {
        DeadlineTimerWheel w = s.wheel;
        long[] steps = WORK.steps;
        long base = s.now;
        for (int i = 0; i < N; i++) {
            w.scheduleTimer(base + steps[i] * STEP);
        }
        return agronaFireAll(s, s.handler);
    }

    /** Moves virtual time one tick per poll until every armed timer has fired through {@code h}. */
    private static long agronaFireAll(AgronaState s, DeadlineTimerWheel.TimerHandler h) {
        DeadlineTimerWheel w = s.wheel;
        long tick = w.tickResolution();
        long now = s.now;
        while (w.timerCount() > 0) {
            now += tick;
            w.poll(now, h, Integer.MAX_VALUE);
        }
        s.now = now;
        s.invocations++;
        return s.fired.count;
    }

    // ====================================================================================== Reactor VTS

    /** Reactor-test {@link VirtualTimeScheduler} (not installed globally). */
    @State(Scope.Thread)
    public static class VtsState {
        final Counter fired = new Counter();
        final Disposable[] disposables = new Disposable[N_QUADRATIC];
        VirtualTimeScheduler scheduler;
        long invocations;

        @Setup(Level.Trial)
        public void setUp() {
            scheduler = VirtualTimeScheduler.create();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            scheduler.dispose();
            if (fired.count != invocations * N) {
                throw new IllegalStateException("vts: fired " + fired.count + ", expected " + invocations * N);
            }
        }
    }

    /** O(n²) in total (linear {@code remove} per dispose): {@value #N_QUADRATIC} timers, not {@value #N}. */
    @Benchmark
    @OperationsPerInvocation(N_QUADRATIC)
    public long armCancel10k_reactorVirtualTimeScheduler(VtsState s) {
        VirtualTimeScheduler v = s.scheduler;
        Disposable[] d = s.disposables;
        Counter task = s.fired;
        long[] steps = WORK_QUADRATIC.steps;
        for (int i = 0; i < N_QUADRATIC; i++) {
            d[i] = v.schedule(task, FAR + steps[i] * STEP, TimeUnit.NANOSECONDS);
        }
        for (int i = 0; i < N_QUADRATIC; i++) {
            d[i].dispose();
        }
        return v.getScheduledTaskCount();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long armFire_reactorVirtualTimeScheduler(VtsState s) {
        VirtualTimeScheduler v = s.scheduler;
        Counter task = s.fired;
        long[] steps = WORK.steps;
        for (int i = 0; i < N; i++) {
            v.schedule(task, steps[i] * STEP, TimeUnit.NANOSECONDS);
        }
        v.advanceTimeBy(Duration.ofNanos(WORK.maxSteps() * STEP));
        s.invocations++;
        return task.count;
    }
}
