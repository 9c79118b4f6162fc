package io.github.enzoblain.async.benchmarks;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.reactive.TaskPublisher;
import io.github.enzoblain.async.reactive.TaskResult;

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
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import reactor.core.publisher.Flux;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * {@link TaskPublisher} overhead, per task: {@value #TASKS} callables run through a {@code TaskPublisher} (upstream
 * {@code Flux.fromArray}, results to a counting subscriber) against the same callables submitted to the loop directly.
 *
 * <p><b>Concurrency.</b> Single-threaded: the benchmark thread drives the loop ({@code runUntilIdle()}) and the
 * subscription is started from a task on the loop, so every submission takes the loop's local path and every signal
 * is delivered on the benchmark thread.
 *
 * <p>Cases: {@code direct_submit} ({@code loop.submit(callable)}, one handle per task), {@code direct_whenComplete}
 * (the same plus {@code toCompletionStage().whenComplete}, which is how the publisher learns an outcome),
 * {@code publisher_unbounded} (the subscriber requests {@code Long.MAX_VALUE}) and {@code publisher_batched64} (it
 * requests 64 at a time, the next 64 once a batch is in; default prefetch 16), both in completion order.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TaskPublisherBenchmark {

    /*
     * Implementation notes. One loop per trial; the upstream Flux and the publishers are assembled once, the
     * subscriber is reset per invocation. The check after each invocation proves every task ran and every result
     * arrived, so a lost signal fails the benchmark instead of flattering it.
     */

    static final int TASKS = 10_000;
    static final Integer ONE = 1;

    private final Callable<Integer>[] callables = newCallables();
    private final CountingSubscriber subscriber = new CountingSubscriber();
    private Loop loop;
    private TaskPublisher<Integer> publisher;
    private Runnable submitDirect;
    private Runnable submitWhenComplete;
    private Runnable subscribeUnbounded;
    private Runnable subscribeBatched;
    private long completions;

    @SuppressWarnings("unchecked")
    private static Callable<Integer>[] newCallables() {
        Callable<Integer>[] a = new Callable[TASKS];
        Callable<Integer> c = () -> ONE;
        java.util.Arrays.fill(a, c);
        return a;
    }

    @Setup(Level.Trial)
    public void setUp() {
        loop = Loop.builder().name("bench-publisher").build();
        Loop l = loop;
        Callable<Integer>[] cs = callables;
        BiConsumer<Integer, Throwable> onDone = (v, e) -> completions++;
        publisher = TaskPublisher.of(l, Flux.fromArray(cs));
        TaskPublisher<Integer> p = publisher;
        CountingSubscriber sub = subscriber;
        submitDirect = () -> {
            for (int i = 0; i < TASKS; i++) {
                l.submit(cs[i]);
            }
        };
        submitWhenComplete = () -> {
            for (int i = 0; i < TASKS; i++) {
                l.submit(cs[i]).toCompletionStage().whenComplete(onDone);
            }
        };
        subscribeUnbounded = () -> p.subscribe(sub.reset(Long.MAX_VALUE));
        subscribeBatched = () -> p.subscribe(sub.reset(64));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        loop.close();
        if (!loop.stats().isBalanced()) {
            throw new IllegalStateException("unbalanced loop: " + loop.stats());
        }
    }

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public Loop direct_submit() {
        loop.execute(submitDirect);
        loop.runUntilIdle();
        return loop;
    }

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public long direct_whenComplete() {
        long before = completions;
        loop.execute(submitWhenComplete);
        loop.runUntilIdle();
        if (completions - before != TASKS) {
            throw new IllegalStateException("completions " + (completions - before));
        }
        return completions;
    }

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public long publisher_unbounded() {
        loop.execute(subscribeUnbounded);
        loop.runUntilIdle();
        return subscriber.check();
    }

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public long publisher_batched64() {
        loop.execute(subscribeBatched);
        loop.runUntilIdle();
        return subscriber.check();
    }

    /** Counts results; requests {@code batch} at a time (all at once for {@code Long.MAX_VALUE}). Loop thread only. */
    static final class CountingSubscriber implements Subscriber<TaskResult<Integer>> {
        private long batch;
        private long inBatch;
        private long received;
        private boolean completed;
        private Subscription subscription;

        CountingSubscriber reset(long batch) {
            this.batch = batch;
            this.inBatch = 0;
            this.received = 0;
            this.completed = false;
            return this;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(batch);
        }

        @Override
        public void onNext(TaskResult<Integer> r) {
            received++;
            if (batch != Long.MAX_VALUE && ++inBatch == batch) {
                inBatch = 0;
                subscription.request(batch);
            }
        }

        @Override
        public void onError(Throwable t) {
            throw new IllegalStateException("unexpected error", t);
        }

        @Override
        public void onComplete() {
            completed = true;
        }

        long check() {
            if (!completed || received != TASKS) {
                throw new IllegalStateException("received " + received + ", completed " + completed);
            }
            return received;
        }
    }
}
