package io.github.enzoblain.async.benchmarks;

import io.github.enzoblain.async.reactive.LoopScheduler;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reactor scheduler timers: {@value #N} delayed tasks armed then cancelled ({@code Disposable.dispose()}), through the
 * scheduler directly and through a worker, per timer: our {@link LoopScheduler} against {@code Schedulers.newSingle}
 * and reactor-test's {@link VirtualTimeScheduler}.
 *
 * <p><b>Concurrency.</b> For {@code LoopScheduler} and {@code newSingle} the batch runs as one task on the scheduler's
 * (or the worker's) own thread, the path of an operator re-arming a timeout from its own thread; the benchmark thread
 * waits on a latch the batch counts down. The {@code foreign*} methods arm and cancel {@value #N_FOREIGN} timers from
 * the benchmark thread instead (our loop then takes both in through its cross-thread inbox), and end with a round
 * trip through the scheduler so the loop's share of the work is inside the measurement. {@code VirtualTimeScheduler}
 * is driven by nobody: the benchmark thread arms and cancels directly.
 *
 * <p>Delays are 1 hour + k µs, {@code k} a scrambled permutation of {@code 1..n} ({@link TimerWorkload}), so nothing
 * can fire. {@code VirtualTimeScheduler} cancels with {@code PriorityBlockingQueue.remove(Object)}, a linear scan, so n
 * cancels cost O(n²): its methods use {@value #N_QUADRATIC} timers.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// As TimerBenchmark: the same fixed, pre-touched heap for every contender. Without it a contender that allocates per
// timer spends whole iterations in the kernel zeroing young-generation pages it touches for the first time (a loop
// task armed and cancelled on the loop's thread measured 380 to 570 ns for its first 10 seconds, then 57 to 85), which
// measures how far the heap has grown, not the timers.
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-Xmn2g", "-XX:+AlwaysPreTouch"})
public class ReactorTimerBenchmark {

    /*
     * Implementation notes. Each state owns its scheduler and one worker for a trial; Disposables go into a
     * preallocated array. The only per-invocation allocation outside the measured timers is one latch and one
     * lambda for the hand-off to the scheduler's thread, amortised over the batch.
     */

    static final int N = 100_000;
    static final int N_QUADRATIC = 10_000;
    static final int N_FOREIGN = 10_000;
    static final long STEP = 1_000; // 1 µs
    static final long FAR = TimeUnit.HOURS.toNanos(1);
    static final long[] STEPS = new TimerWorkload(N).steps;
    static final long[] STEPS_QUADRATIC = new TimerWorkload(N_QUADRATIC).steps;

    static final Runnable NO_OP = () -> { };

    /** One scheduler with a thread of its own, and one of its workers. */
    public abstract static class ThreadedState {
        final Disposable[] disposables = new Disposable[N];
        Scheduler scheduler;
        Scheduler.Worker worker;
        Runnable armCancelDirect;
        Runnable armCancelWorker;

        abstract Scheduler create();

        @Setup(Level.Trial)
        public void setUp() {
            scheduler = create();
            scheduler.init();
            worker = scheduler.createWorker();
            Scheduler s = scheduler;
            Scheduler.Worker w = worker;
            Disposable[] d = disposables;
            armCancelDirect = () -> {
                for (int i = 0; i < N; i++) {
                    d[i] = s.schedule(NO_OP, FAR + STEPS[i] * STEP, TimeUnit.NANOSECONDS);
                }
                for (int i = 0; i < N; i++) {
                    d[i].dispose();
                }
            };
            armCancelWorker = () -> {
                for (int i = 0; i < N; i++) {
                    d[i] = w.schedule(NO_OP, FAR + STEPS[i] * STEP, TimeUnit.NANOSECONDS);
                }
                for (int i = 0; i < N; i++) {
                    d[i].dispose();
                }
            };
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            worker.dispose();
            scheduler.dispose();
        }

        /** Runs {@code body} as one task through {@code where} and waits for it. */
        static void runOn(Scheduler where, Runnable body) throws InterruptedException {
            CountDownLatch done = new CountDownLatch(1);
            where.schedule(() -> {
                body.run();
                done.countDown();
            });
            done.await();
        }

        static void runOn(Scheduler.Worker where, Runnable body) throws InterruptedException {
            CountDownLatch done = new CountDownLatch(1);
            where.schedule(() -> {
                body.run();
                done.countDown();
            });
            done.await();
        }
    }

    @State(Scope.Thread)
    public static class LoopState extends ThreadedState {
        @Override
        Scheduler create() {
            return LoopScheduler.newLoopThread("bench");
        }
    }

    @State(Scope.Thread)
    public static class SingleState extends ThreadedState {
        @Override
        Scheduler create() {
            return Schedulers.newSingle("bench-single");
        }
    }

    @State(Scope.Thread)
    public static class VirtualTimeState {
        final Disposable[] disposables = new Disposable[N_QUADRATIC];
        VirtualTimeScheduler scheduler;
        Scheduler.Worker worker;

        @Setup(Level.Trial)
        public void setUp() {
            scheduler = VirtualTimeScheduler.create();
            worker = scheduler.createWorker();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            worker.dispose();
            scheduler.dispose();
        }
    }

    // ------------------------------------------------------------------------------------ on the scheduler's thread

    @Benchmark
    @OperationsPerInvocation(N)
    public void direct_loop(LoopState s) throws InterruptedException {
        ThreadedState.runOn(s.scheduler, s.armCancelDirect);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void direct_single(SingleState s) throws InterruptedException {
        ThreadedState.runOn(s.scheduler, s.armCancelDirect);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void worker_loop(LoopState s) throws InterruptedException {
        ThreadedState.runOn(s.worker, s.armCancelWorker);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void worker_single(SingleState s) throws InterruptedException {
        ThreadedState.runOn(s.worker, s.armCancelWorker);
    }

    // ------------------------------------------------------------------------------------ virtual time (no thread)

    @Benchmark
    @OperationsPerInvocation(N_QUADRATIC)
    public void direct_virtualTime(VirtualTimeState s) {
        Disposable[] d = s.disposables;
        VirtualTimeScheduler vts = s.scheduler;
        for (int i = 0; i < N_QUADRATIC; i++) {
            d[i] = vts.schedule(NO_OP, FAR + STEPS_QUADRATIC[i] * STEP, TimeUnit.NANOSECONDS);
        }
        for (int i = 0; i < N_QUADRATIC; i++) {
            d[i].dispose();
        }
    }

    @Benchmark
    @OperationsPerInvocation(N_QUADRATIC)
    public void worker_virtualTime(VirtualTimeState s) {
        Disposable[] d = s.disposables;
        Scheduler.Worker w = s.worker;
        for (int i = 0; i < N_QUADRATIC; i++) {
            d[i] = w.schedule(NO_OP, FAR + STEPS_QUADRATIC[i] * STEP, TimeUnit.NANOSECONDS);
        }
        for (int i = 0; i < N_QUADRATIC; i++) {
            d[i].dispose();
        }
    }

    // ------------------------------------------------------------------------------------ from a foreign thread

    @Benchmark
    @OperationsPerInvocation(N_FOREIGN)
    public void foreignDirect_loop(LoopState s) throws InterruptedException {
        foreign(s);
    }

    @Benchmark
    @OperationsPerInvocation(N_FOREIGN)
    public void foreignDirect_single(SingleState s) throws InterruptedException {
        foreign(s);
    }

    private static void foreign(ThreadedState s) throws InterruptedException {
        Disposable[] d = s.disposables;
        Scheduler sc = s.scheduler;
        for (int i = 0; i < N_FOREIGN; i++) {
            d[i] = sc.schedule(NO_OP, FAR + STEPS[i] * STEP, TimeUnit.NANOSECONDS);
        }
        for (int i = 0; i < N_FOREIGN; i++) {
            d[i].dispose();
        }
        ThreadedState.runOn(sc, NO_OP); // the loop has taken in and unlinked every one of them
    }
}
