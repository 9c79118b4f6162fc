package io.github.enzoblain.async.benchmarks;

import io.github.enzoblain.async.core.IdleStrategy;
import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopThread;

import io.netty.channel.DefaultEventLoop;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Cross-thread throughput: one producer (the benchmark thread) hands {@value #TASKS} tasks to a single-threaded
 * executor, then waits until the last one ran. Scores are per task, end to end.
 *
 * <p><b>Concurrency.</b> Two threads per executor: the producer and the executor's worker (for the loop, a
 * {@link LoopThread}). The producer learns that the batch ran through a {@link Sentinel} submitted last (every executor
 * here is FIFO for one producer), whose volatile flag also publishes the worker's writes.
 *
 * <p>When the loop's bounded inbox is full, {@code execute} throws {@link RejectedExecutionException}; the producer
 * then retries with {@link Thread#onSpinWait()} (back-pressure, no task lost). The others queue without bound.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CrossThreadBenchmark {

    /*
     * Implementation notes. The batch (10,000) is large enough to amortise the hand-off of the sentinel and the wake-up
     * of a parked worker, and small enough to fit the loop's default inbox (65,536), so the retry path only runs if
     * the worker falls that far behind. Workers are created once per trial, each in its
     * own state, so only the executor being measured has a live thread.
     */

    static final int TASKS = 10_000;

    private final Counter task = new Counter();
    private final Sentinel sentinel = new Sentinel();

    /** Our loop on a {@link LoopThread}; the idle strategy is a parameter of this state only. */
    @State(Scope.Thread)
    public static class LoopState {
        /** Spin-then-yield-then-park (LoopThread's default) or a busy spin (burns the worker's core). */
        @Param({"backoff", "busySpin"})
        public String idle;

        Loop loop;
        LoopThread thread;
        long retries;

        @Setup(Level.Trial)
        public void setUp() {
            loop = Loop.builder().name("bench-loop").build();
            IdleStrategy strategy = "busySpin".equals(idle) ? IdleStrategy.busySpin() : IdleStrategy.backoff(100, 10);
            thread = LoopThread.start(loop, strategy, daemon("bench-loop"));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            thread.close();
            if (!loop.stats().isBalanced()) {
                throw new IllegalStateException("unbalanced loop: " + loop.stats());
            }
            System.out.println("\n[loop: inbox full, producer retried " + retries + " times; " + loop.stats() + "]");
        }
    }

    /** {@link Executors#newSingleThreadExecutor}. */
    @State(Scope.Thread)
    public static class JdkState {
        ExecutorService executor;

        @Setup(Level.Trial)
        public void setUp() {
            executor = Executors.newSingleThreadExecutor(daemon("bench-jdk"));
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            executor.shutdown();
            executor.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Reactor {@link Schedulers#newSingle}. */
    @State(Scope.Thread)
    public static class ReactorState {
        Scheduler scheduler;

        @Setup(Level.Trial)
        public void setUp() {
            scheduler = Schedulers.newSingle("bench-reactor", true);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            scheduler.dispose();
        }
    }

    /** Netty {@link DefaultEventLoop}. */
    @State(Scope.Thread)
    public static class NettyState {
        DefaultEventLoop eventLoop;

        @Setup(Level.Trial)
        public void setUp() {
            eventLoop = new DefaultEventLoop(daemon("bench-netty"));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public void loop(LoopState s) {
        Loop l = s.loop;
        Counter t = task;
        for (int i = 0; i < TASKS; i++) {
            submit(s, l, t);
        }
        sentinel.reset();
        submit(s, l, sentinel);
        sentinel.await();
    }

    private static void submit(LoopState s, Loop l, Runnable r) {
        while (true) {
            try {
                l.execute(r);
                return;
            } catch (RejectedExecutionException full) {
                s.retries++;
                Thread.onSpinWait();
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public void jdkSingleThreadExecutor(JdkState s) {
        submitAllAndAwait(s.executor);
    }

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public void reactorNewSingle(ReactorState s) {
        Scheduler sc = s.scheduler;
        Counter t = task;
        for (int i = 0; i < TASKS; i++) {
            sc.schedule(t);
        }
        sentinel.reset();
        sc.schedule(sentinel);
        sentinel.await();
    }

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public void nettyDefaultEventLoop(NettyState s) {
        submitAllAndAwait(s.eventLoop);
    }

    /** The peers that are plain {@link java.util.concurrent.Executor}s: {@value #TASKS} tasks, then a sentinel. */
    private void submitAllAndAwait(java.util.concurrent.Executor e) {
        Counter t = task;
        for (int i = 0; i < TASKS; i++) {
            e.execute(t);
        }
        sentinel.reset();
        e.execute(sentinel);
        sentinel.await();
    }

    static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
