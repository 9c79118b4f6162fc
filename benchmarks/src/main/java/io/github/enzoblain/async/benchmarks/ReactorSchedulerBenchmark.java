package io.github.enzoblain.async.benchmarks;

import io.github.enzoblain.async.reactive.LoopScheduler;

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

import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.util.concurrent.TimeUnit;

/**
 * Reactor pipelines hopping onto a single-threaded scheduler: {@code Flux.range(0, N).publishOn(S)} and
 * {@code .subscribeOn(S)}, blocked on by the benchmark thread, per element.
 *
 * <p><b>Concurrency.</b> Each trial owns one scheduler with one thread of its own: our {@link LoopScheduler} (a
 * {@code LoopThread} driving a loop), Reactor's {@code Schedulers.newSingle} (a one-thread
 * {@code ScheduledThreadPoolExecutor}) or a Netty {@link DefaultEventLoop} wrapped by
 * {@code Schedulers.fromExecutorService}. {@code blockLast()} gives the benchmark thread a happens-before edge with
 * the last element.
 *
 * <p>{@code publishOn}: the benchmark thread emits the range, the scheduler's thread drains publishOn's queue
 * (prefetch 256, so one scheduler task per batch, re-armed as demand is replenished). {@code subscribeOn}: the whole
 * range is emitted and consumed on the scheduler's thread; it measures one task hop plus Reactor's own loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ReactorSchedulerBenchmark {

    /*
     * Implementation notes. One scheduler per trial (created in setUp, disposed in tearDown), so thread start-up is
     * never measured. The Flux is assembled once; each invocation subscribes it anew.
     */

    static final int N = 1_000_000;

    @Param({"loop", "single", "nettyEventLoop"})
    public String scheduler;

    private Scheduler s;
    private DefaultEventLoop eventLoop;
    private Flux<Integer> published;
    private Flux<Integer> subscribed;

    @Setup(Level.Trial)
    public void setUp() {
        switch (scheduler) {
            case "loop" -> s = LoopScheduler.newLoopThread("bench");
            case "single" -> s = Schedulers.newSingle("bench-single");
            case "nettyEventLoop" -> {
                eventLoop = new DefaultEventLoop();
                s = Schedulers.fromExecutorService(eventLoop, "bench-netty");
            }
            default -> throw new IllegalArgumentException(scheduler);
        }
        s.init();
        published = Flux.range(0, N).publishOn(s);
        subscribed = Flux.range(0, N).subscribeOn(s);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        s.dispose();
        if (eventLoop != null) {
            eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public Integer publishOn() {
        return check(published.blockLast());
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public Integer subscribeOn() {
        return check(subscribed.blockLast());
    }

    private static Integer check(Integer last) {
        if (last == null || last != N - 1) {
            throw new IllegalStateException("last element " + last);
        }
        return last;
    }
}
