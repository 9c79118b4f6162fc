package io.github.enzoblain.async.benchmarks;

import io.github.enzoblain.async.core.Loop;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Same-thread submit + run, per task: the loop's local path against its floor, an {@link ArrayDeque} drained in place.
 *
 * <p><b>Concurrency.</b> Single-threaded: the benchmark thread is the loop's driver for the whole invocation.
 *
 * <p>One invocation submits {@value #TASKS} preallocated tasks from inside a task on the loop (so the loop sees its own
 * driver submitting, the hot local path), then the loop runs them all in {@code runUntilIdle()}. The floor offers the
 * same tasks to an {@code ArrayDeque}, then polls and runs them. Scores are per task.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SameThreadBenchmark {

    /*
     * Implementation notes. TASKS stays below the run queue's initial ring (1024) and the deque's grown capacity, so the
     * steady state allocates nothing in either structure; -prof gc then shows what the path itself allocates per task.
     * The handle variant (submit) is there to show the price of a TaskHandle, one object per task.
     */

    static final int TASKS = 1_000;

    private final Counter task = new Counter();
    private final ArrayDeque<Runnable> deque = new ArrayDeque<>(TASKS);
    private Loop loop;
    private Runnable submitAllExecute;
    private Runnable submitAllHandles;

    @Setup(Level.Trial)
    public void setUp() {
        loop = Loop.create();
        Loop l = loop;
        Counter t = task;
        submitAllExecute = () -> {
            for (int i = 0; i < TASKS; i++) {
                l.execute(t);
            }
        };
        submitAllHandles = () -> {
            for (int i = 0; i < TASKS; i++) {
                l.submit(t);
            }
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        loop.close();
        if (!loop.stats().isBalanced()) {
            throw new IllegalStateException("unbalanced loop: " + loop.stats());
        }
    }

    /** The floor: offer, then poll and run, on a plain deque. */
    @Benchmark
    @OperationsPerInvocation(TASKS)
    public long arrayDequeFloor() {
        ArrayDeque<Runnable> q = deque;
        Counter t = task;
        for (int i = 0; i < TASKS; i++) {
            q.offer(t);
        }
        Runnable r;
        while ((r = q.poll()) != null) {
            r.run();
        }
        return t.count;
    }

    /** {@code loop.execute(task)} from a task on the loop, then the loop runs them. */
    @Benchmark
    @OperationsPerInvocation(TASKS)
    public long loopExecute() {
        loop.execute(submitAllExecute);
        loop.runUntilIdle();
        return task.count;
    }

    /** {@code loop.submit(task)} (a {@code TaskHandle} per task) from a task on the loop, then the loop runs them. */
    @Benchmark
    @OperationsPerInvocation(TASKS)
    public long loopSubmitHandle() {
        loop.execute(submitAllHandles);
        loop.runUntilIdle();
        return task.count;
    }
}
