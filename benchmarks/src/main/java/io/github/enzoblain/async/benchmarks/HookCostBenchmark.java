package io.github.enzoblain.async.benchmarks;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopListener;
import io.github.enzoblain.async.core.time.Clock;
import io.github.enzoblain.async.core.trace.JfrLoopListener;
import io.github.enzoblain.async.core.trace.LoopMetrics;
import io.github.enzoblain.async.core.trace.TraceRecorder;

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

import java.util.concurrent.TimeUnit;

/**
 * The price of {@link LoopListener} hooks on the same-thread path, per task: a batch of {@value #TASKS} no-op tasks
 * executed from a task on the loop, then {@code runUntilIdle()}, on the system clock, with each kind of listener.
 *
 * <p><b>Concurrency.</b> Single-threaded: the benchmark thread is the loop's driver, and listeners are called on it.
 *
 * <p>Listeners ({@link #listener}): {@code none}; {@code noop} (a listener overriding nothing, so only the dispatch
 * and the handle the loop then gives every {@code execute()} task are paid); {@code metrics} ({@link LoopMetrics},
 * every task timed); {@code metricsSampled64} / {@code metricsSampled256} ({@link LoopMetrics} timing one plain task
 * in 64 / 256: the loop then tracks only those);
 * {@code trace} ({@link TraceRecorder}, capacity 2^16, so it wraps after ~22 batches and records in steady state
 * after that); {@code jfr} ({@link JfrLoopListener} with no recording running: every event type disabled);
 * {@code all} (metrics, trace and JFR together). The loop's run queue is the same in every case, so the differences
 * are the hooks alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HookCostBenchmark {

    /*
     * Implementation notes. Same workload as SameThreadBenchmark.loopExecute (1,000 tasks, below the run queue's
     * initial ring) so the two are comparable; "none" runs exactly that code path. The trace recorder's drop count is
     * checked at tear-down to prove it did wrap (i.e. the steady state measured is the overwriting one).
     */

    static final int TASKS = 1_000;
    static final int TRACE_CAPACITY = 1 << 16;

    @Param({"none", "noop", "metrics", "metricsSampled64", "metricsSampled256", "trace", "jfr", "all"})
    public String listener;

    private final Counter task = new Counter();
    private Loop loop;
    private TraceRecorder trace;
    private Runnable submitAll;

    @Setup(Level.Trial)
    public void setUp() {
        Clock clock = Clock.system();
        Loop.Builder b = Loop.builder().name("bench-hooks").clock(clock);
        switch (listener) {
            case "none" -> { }
            case "noop" -> b.listener(new LoopListener() { });
            case "metrics" -> b.listener(new LoopMetrics(clock));
            case "metricsSampled64" -> b.listener(new LoopMetrics(clock, 64));
            case "metricsSampled256" -> b.listener(new LoopMetrics(clock, 256));
            case "trace" -> b.listener(trace = new TraceRecorder("bench-hooks", clock, TRACE_CAPACITY));
            case "jfr" -> b.listener(new JfrLoopListener("bench-hooks", clock));
            case "all" -> b.listener(new LoopMetrics(clock))
                    .listener(trace = new TraceRecorder("bench-hooks", clock, TRACE_CAPACITY))
                    .listener(new JfrLoopListener("bench-hooks", clock));
            default -> throw new IllegalArgumentException(listener);
        }
        loop = b.build();
        Loop l = loop;
        Counter t = task;
        submitAll = () -> {
            for (int i = 0; i < TASKS; i++) {
                l.execute(t);
            }
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        loop.close();
        if (!loop.stats().isBalanced()) {
            throw new IllegalStateException("unbalanced loop: " + loop.stats());
        }
        if (trace != null && trace.dropped() == 0) {
            throw new IllegalStateException("trace never wrapped: " + trace.recorded() + " events");
        }
    }

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public long execute() {
        loop.execute(submitAll);
        loop.runUntilIdle();
        return task.count;
    }
}
