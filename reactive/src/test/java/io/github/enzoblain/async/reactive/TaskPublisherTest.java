package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopStats;
import io.github.enzoblain.async.core.LoopThread;
import io.github.enzoblain.async.core.VirtualClock;
import io.github.enzoblain.async.core.queue.RunQueues;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class TaskPublisherTest {

    private final VirtualClock clock = new VirtualClock();
    private final Loop loop = Loop.builder().name("pub-test").clock(clock).build();

    private static Flux<Callable<Integer>> values(int n) {
        return Flux.range(0, n).map(i -> () -> i);
    }

    private static Flux<TaskSpec<Integer>> delayedMillis(long... delays) {
        return Flux.range(0, delays.length).map(i -> TaskSpec.delayed(() -> i, Duration.ofMillis(delays[i])));
    }

    private static List<Long> indices(RecordingSubscriber<TaskResult<Integer>> s) {
        return s.items.stream().map(TaskResult::index).toList();
    }

    @Test
    void resultsComeInCompletionOrderByDefault() {
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>ofSpecs(loop, delayedMillis(30, 10, 20)).build().subscribe(s);
        s.request(10);
        clock.advanceBy(Duration.ofMillis(100));
        assertThat(indices(s)).containsExactly(1L, 2L, 0L);
        assertThat(s.items).extracting(TaskResult::value).containsExactly(1, 2, 0);
        assertThat(s.completed).isTrue();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void orderedModeDeliversInSubmissionOrder() {
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>ofSpecs(loop, delayedMillis(30, 10, 20)).ordered(true).build().subscribe(s);
        s.request(10);
        clock.advanceBy(Duration.ofMillis(15));
        assertThat(s.items).isEmpty(); // task 1 is done but waits for task 0
        clock.advanceBy(Duration.ofMillis(100));
        assertThat(indices(s)).containsExactly(0L, 1L, 2L);
        assertThat(s.completed).isTrue();
    }

    @Test
    void resultsCarryIdsAndTimings() {
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        long t0 = clock.nanoTime();
        TaskPublisher.<Integer>ofSpecs(loop, delayedMillis(5)).build().subscribe(s);
        s.request(1);
        clock.advanceBy(Duration.ofMillis(10));
        TaskResult<Integer> r = s.items.get(0);
        assertThat(r.isSuccess()).isTrue();
        assertThat(r.id()).isGreaterThanOrEqualTo(0);
        assertThat(r.queuedAt()).isEqualTo(t0);
        assertThat(r.startedAt()).isEqualTo(t0 + TimeUnit.MILLISECONDS.toNanos(5));
        assertThat(r.finishedAt()).isEqualTo(r.startedAt());
        assertThat(r.waitNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(5));
    }

    @Test
    void admissionNeverExceedsDemandPlusPrefetch() {
        AtomicLong upstreamRequested = new AtomicLong();
        AtomicInteger ran = new AtomicInteger();
        Flux<Callable<Integer>> tasks = Flux.range(0, 1000).<Callable<Integer>>map(i -> () -> {
            ran.incrementAndGet();
            return i;
        }).doOnRequest(upstreamRequested::addAndGet);
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>builder(loop, tasks).prefetch(4).build().subscribe(s);
        loop.runUntilIdle();
        assertThat(ran.get()).isEqualTo(4); // prefetch only, no demand yet
        assertThat(s.items).isEmpty();
        s.request(3);
        loop.runUntilIdle();
        assertThat(s.items).hasSize(3);
        assertThat(ran.get()).isEqualTo(3 + 4); // 3 emitted, 4 waiting for demand
        assertThat(upstreamRequested.get()).isEqualTo(7);
        for (int i = 0; i < 100; i++) {
            s.request(10);
            loop.runUntilIdle();
            assertThat(ran.get() - s.items.size()).isLessThanOrEqualTo(4);
        }
        assertThat(s.items).hasSize(1000);
        assertThat(s.completed).isTrue();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void unboundedDemandIsCappedByMaxInFlight() {
        AtomicLong upstreamRequested = new AtomicLong();
        Flux<Callable<Long>> endless = Flux.<Callable<Long>, Long>generate(() -> 0L, (i, sink) -> {
            sink.next(() -> i);
            return i + 1;
        }).doOnRequest(upstreamRequested::addAndGet);
        RecordingSubscriber<TaskResult<Long>> s = new RecordingSubscriber<>();
        TaskPublisher.<Long>builder(loop, endless).maxInFlight(64).build().subscribe(s);
        s.request(Long.MAX_VALUE); // from the test thread: the tasks wait in the loop's inbox
        assertThat(upstreamRequested.get()).isEqualTo(64);
        assertThat(loop.stats().inbox()).isEqualTo(64);
        loop.runOnce(); // takes the 64 in and runs one: its result makes room for exactly one more
        assertThat(s.items).hasSize(1);
        assertThat(upstreamRequested.get()).isEqualTo(65);
        s.cancel();
        loop.runUntilIdle();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void failedTaskIsAResultNotTheEnd() {
        Flux<Callable<Integer>> tasks = Flux.range(0, 5).map(i -> () -> {
            if (i == 2) {
                throw new IllegalStateException("task " + i);
            }
            return i;
        });
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>builder(loop, tasks).ordered(true).build().subscribe(s);
        s.request(Long.MAX_VALUE);
        loop.runUntilIdle();
        assertThat(s.items).hasSize(5);
        TaskResult<Integer> failed = s.items.get(2);
        assertThat(failed.isSuccess()).isFalse();
        assertThat(failed.error()).isInstanceOf(IllegalStateException.class).hasMessage("task 2");
        assertThat(failed.value()).isNull();
        assertThat(s.completed).isTrue();
    }

    @Test
    void failFastEndsTheStreamAndCancelsTheRest() {
        AtomicBoolean upstreamCancelled = new AtomicBoolean();
        Flux<TaskSpec<Integer>> tasks = Flux.range(0, 100).map(i -> i == 0
                ? TaskSpec.<Integer>of(() -> {
                    throw new IllegalStateException("boom");
                })
                : TaskSpec.<Integer>delayed(() -> i, Duration.ofSeconds(1)))
                .doOnCancel(() -> upstreamCancelled.set(true));
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>ofSpecs(loop, tasks).failFast(true).build().subscribe(s);
        s.request(10);
        loop.runUntilIdle();
        assertThat(s.error).isInstanceOf(IllegalStateException.class).hasMessage("boom");
        assertThat(s.items).isEmpty();
        assertThat(upstreamCancelled).isTrue();
        assertThat(loop.pendingTimers()).isZero();
        clock.advanceBy(Duration.ofSeconds(2));
        assertThat(s.signalsAfterTerminal).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void cancelUnlinksEveryPendingTimerOfTheSubscription() {
        loop.schedule(() -> { }, Duration.ofHours(1)); // someone else's timer: must survive
        loop.runUntilIdle();
        int before = loop.pendingTimers();
        AtomicBoolean upstreamCancelled = new AtomicBoolean();
        Flux<TaskSpec<Integer>> tasks = Flux.range(0, 1000)
                .map(i -> TaskSpec.<Integer>delayed(() -> i, Duration.ofSeconds(1)))
                .doOnCancel(() -> upstreamCancelled.set(true));
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>ofSpecs(loop, tasks).prefetch(8).build().subscribe(s);
        s.request(20);
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).isEqualTo(before + 28);
        s.cancel();
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).isEqualTo(before);
        assertThat(upstreamCancelled).isTrue();
        LoopStats stats = loop.stats();
        assertThat(stats.cancelled()).isEqualTo(28);
        assertThat(stats.isBalanced()).isTrue();
        clock.advanceBy(Duration.ofSeconds(5));
        assertThat(s.items).isEmpty();
        assertThat(s.error).isNull();
        assertThat(s.completed).isFalse();
    }

    @Test
    void cancelFromAnotherThreadIsTakenInAtTheNextStep() throws Exception {
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>ofSpecs(loop, delayedMillis(1000, 1000, 1000)).build().subscribe(s);
        s.request(3);
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).isEqualTo(3);
        Thread t = new Thread(s::cancel);
        t.start();
        t.join();
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void nonPositiveRequestSignalsIllegalArgument() {
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>of(loop, values(10)).subscribe(s);
        s.request(0);
        assertThat(s.error).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3.9");
        loop.runUntilIdle();
        assertThat(s.items).isEmpty();
    }

    @Test
    void aBadRequestFromAnotherThreadDuringOnSubscribeIsSignalledOnlyOnceOnSubscribeReturned() {
        AtomicBoolean inOnSubscribe = new AtomicBoolean();
        AtomicBoolean overlapped = new AtomicBoolean();
        AtomicReference<Throwable> error = new AtomicReference<>();
        TaskPublisher.<Integer>of(loop, values(10)).subscribe(new Subscriber<>() {
            @Override
            public void onSubscribe(Subscription s) {
                inOnSubscribe.set(true);
                Thread other = new Thread(() -> s.request(0)); // §3.9 violated, from a thread it handed s to
                other.start();
                try {
                    other.join(); // the request has returned: its onError, if sent meanwhile, overlapped this call
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                inOnSubscribe.set(false);
            }

            @Override
            public void onNext(TaskResult<Integer> r) {
            }

            @Override
            public void onError(Throwable t) {
                overlapped.compareAndSet(false, inOnSubscribe.get());
                error.set(t);
            }

            @Override
            public void onComplete() {
            }
        });
        assertThat(overlapped).as("§1.3: onError never runs concurrently with onSubscribe").isFalse();
        assertThat(error.get()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3.9");
        loop.runUntilIdle();
        assertThat(loop.stats().submitted()).isZero();
    }

    @Test
    void upstreamErrorEndsTheStream() {
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>of(loop, values(2).concatWith(Flux.error(new IllegalStateException("up"))))
                .subscribe(s);
        s.request(1);
        loop.runUntilIdle();
        assertThat(s.error).hasMessage("up");
    }

    @Test
    void rejectedTaskIsAnErrorResult() {
        Loop bounded = Loop.builder().clock(new VirtualClock()).runQueue(RunQueues.boundedFifo(2)).build();
        bounded.execute(() -> { });
        bounded.execute(() -> { }); // the queue is full before the publisher submits
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>builder(bounded, values(1)).build().subscribe(s);
        s.request(1);
        bounded.runUntilIdle();
        assertThat(s.items).hasSize(1);
        assertThat(s.items.get(0).error()).isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
        assertThat(s.items.get(0).startedAt()).isEqualTo(-1); // never ran
        assertThat(s.completed).isTrue();
    }

    private static Flux<Callable<Long>> endless(AtomicLong upstreamRequested, AtomicBoolean upstreamCancelled) {
        return Flux.<Callable<Long>, Long>generate(() -> 0L, (i, sink) -> {
            sink.next(() -> i);
            return i + 1;
        }).doOnRequest(upstreamRequested::addAndGet).doOnCancel(() -> upstreamCancelled.set(true));
    }

    @Test
    void aLoopShutDownBeforehandEndsAnEndlessStreamWithTheRejection() {
        AtomicLong upstreamRequested = new AtomicLong();
        AtomicBoolean upstreamCancelled = new AtomicBoolean();
        loop.close();
        RecordingSubscriber<TaskResult<Long>> s = new RecordingSubscriber<>();
        TaskPublisher.<Long>builder(loop, endless(upstreamRequested, upstreamCancelled)).build().subscribe(s);
        s.request(100); // failFast is off: a refusal by a loop that takes nothing any more still ends the stream
        assertThat(s.error).isInstanceOf(java.util.concurrent.RejectedExecutionException.class)
                .hasMessageContaining("closed");
        assertThat(s.items).isEmpty();
        assertThat(upstreamCancelled).isTrue();
        assertThat(upstreamRequested.get()).isLessThanOrEqualTo(100 + TaskPublisher.DEFAULT_PREFETCH);
        s.request(100);
        assertThat(s.items).isEmpty();
        assertThat(s.signalsAfterTerminal).isZero();
    }

    @Test
    void aLoopShutDownMidStreamDeliversWhatFinishedThenEndsWithTheRejection() {
        AtomicLong upstreamRequested = new AtomicLong();
        AtomicBoolean upstreamCancelled = new AtomicBoolean();
        RecordingSubscriber<TaskResult<Long>> s = new RecordingSubscriber<>();
        TaskPublisher.<Long>builder(loop, endless(upstreamRequested, upstreamCancelled)).prefetch(4).build()
                .subscribe(s);
        s.request(3);
        loop.runUntilIdle();
        assertThat(s.items).hasSize(3); // and 4 more finished, waiting for demand
        loop.close();
        s.request(1_000);
        assertThat(s.items).extracting(TaskResult::value).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(s.items).allMatch(TaskResult::isSuccess);
        assertThat(s.error).isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
        assertThat(upstreamCancelled).isTrue();
        assertThat(s.signalsAfterTerminal).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aLoopClosedByOneOfTheTasksEndsTheStreamOnTheLoopsThread() {
        AtomicBoolean upstreamCancelled = new AtomicBoolean();
        Flux<Callable<Integer>> tasks = Flux.range(0, Integer.MAX_VALUE).<Callable<Integer>>map(i -> () -> {
            if (i == 10) {
                loop.close(); // from a task: returns at once, the loop terminates after it
            }
            return i;
        }).doOnCancel(() -> upstreamCancelled.set(true));
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>builder(loop, tasks).ordered(true).build().subscribe(s);
        s.request(1_000);
        loop.runUntilIdle();
        assertThat(s.error).isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
        // the drain that delivers task 10's result, on the loop's thread, finds the loop closed at its next submission
        assertThat(s.items).extracting(TaskResult::value).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(upstreamCancelled).isTrue();
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void runsOnALoopThreadWithDemandOfOneAtATime() throws Exception {
        Loop live = Loop.builder().name("pub-live").build();
        int n = 20_000, prefetch = 8;
        AtomicInteger started = new AtomicInteger();
        AtomicInteger emitted = new AtomicInteger();
        AtomicInteger worstInFlight = new AtomicInteger();
        Flux<Callable<Integer>> tasks = Flux.range(0, n).map(i -> () -> {
            int inFlight = started.incrementAndGet() - emitted.get();
            worstInFlight.accumulateAndGet(inFlight, Math::max);
            return i;
        });
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong sum = new AtomicLong();
        try (LoopThread thread = LoopThread.start(live)) {
            TaskPublisher.<Integer>builder(live, tasks).prefetch(prefetch).build().subscribe(new Subscriber<>() {
                Subscription s;

                @Override
                public void onSubscribe(Subscription s) {
                    this.s = s;
                    s.request(1);
                }

                @Override
                public void onNext(TaskResult<Integer> r) {
                    emitted.incrementAndGet();
                    sum.addAndGet(r.value());
                    s.request(1);
                }

                @Override
                public void onError(Throwable t) {
                    done.countDown();
                }

                @Override
                public void onComplete() {
                    done.countDown();
                }
            });
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(emitted.get()).isEqualTo(n);
        assertThat(sum.get()).isEqualTo((long) n * (n - 1) / 2);
        assertThat(worstInFlight.get()).isLessThanOrEqualTo(1 + prefetch); // demand is at most 1
        assertThat(live.stats().isBalanced()).isTrue();
    }

    /** Counts what it receives and whether two signals ever overlapped (§1.3); requests only when told. */
    private static final class SerialCheckingSubscriber implements Subscriber<TaskResult<Integer>> {
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        final AtomicInteger items = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicIntegerArray seen;
        final AtomicInteger terminals = new AtomicInteger();
        final CountDownLatch terminated = new CountDownLatch(1);
        final CountDownLatch firstItems = new CountDownLatch(500);
        volatile Subscription subscription;
        volatile Throwable error;

        SerialCheckingSubscriber(int n) {
            seen = new java.util.concurrent.atomic.AtomicIntegerArray(n);
        }

        private void enter() {
            if (inside.getAndIncrement() != 0) {
                overlaps.incrementAndGet();
            }
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
        }

        @Override
        public void onNext(TaskResult<Integer> r) {
            enter();
            items.incrementAndGet();
            seen.incrementAndGet((int) r.index());
            firstItems.countDown();
            inside.decrementAndGet();
        }

        @Override
        public void onError(Throwable t) {
            enter();
            error = t;
            terminals.incrementAndGet();
            terminated.countDown();
            inside.decrementAndGet();
        }

        @Override
        public void onComplete() {
            enter();
            terminals.incrementAndGet();
            terminated.countDown();
            inside.decrementAndGet();
        }
    }

    private static List<Thread> requesters(int threads, int each, CountDownLatch go, Subscription s) {
        List<Thread> list = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            list.add(new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    s.request(1);
                }
            }, "requester-" + t));
        }
        list.forEach(Thread::start);
        return list;
    }

    /** Runs {@code probe} on the loop's thread once the loop has taken in everything submitted before this call. */
    private static <V> V onTheLoop(Loop live, Callable<V> probe) throws Exception {
        return live.submit(probe).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void requestsFromManyThreadsWhileTasksCompleteOnTheLoopGetEveryResultOnceAndSerially() throws Exception {
        Loop live = Loop.builder().name("pub-requesters").build();
        int n = 20_000, threads = 4;
        SerialCheckingSubscriber s = new SerialCheckingSubscriber(n);
        try (LoopThread thread = LoopThread.start(live)) {
            TaskPublisher.<Integer>builder(live, values(n)).prefetch(8).build().subscribe(s);
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> list = requesters(threads, n / threads, go, s.subscription);
            go.countDown();
            for (Thread t : list) {
                t.join();
            }
            assertThat(s.terminated.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(onTheLoop(live, () -> live.stats().isBalanced())).isTrue();
        }
        assertThat(s.error).isNull();
        assertThat(s.terminals).hasValue(1);
        assertThat(s.overlaps).as("§1.3: signals never overlap").hasValue(0);
        assertThat(s.items).hasValue(n); // §1.1: exactly the demand, no more
        for (int i = 0; i < n; i++) {
            assertThat(s.seen.get(i)).as("result %d", i).isEqualTo(1);
        }
    }

    @Test
    void aCancelRacingRequestsAndCompletionsStopsDeliveryAndUnlinksEveryPendingTimer() throws Exception {
        Loop live = Loop.builder().name("pub-cancel-race").build();
        int n = 100_000, threads = 3;
        AtomicBoolean upstreamCancelled = new AtomicBoolean();
        Flux<TaskSpec<Integer>> tasks = Flux.range(0, n).map(i -> i % 10 == 9
                ? TaskSpec.<Integer>delayed(() -> i, Duration.ofHours(1)) // never due during the test
                : TaskSpec.<Integer>of(() -> i)).doOnCancel(() -> upstreamCancelled.set(true));
        SerialCheckingSubscriber s = new SerialCheckingSubscriber(n);
        try (LoopThread thread = LoopThread.start(live)) {
            TaskPublisher.<Integer>ofSpecs(live, tasks).prefetch(8).build().subscribe(s);
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> list = requesters(threads, 2_000, go, s.subscription);
            Thread canceller = new Thread(() -> {
                try {
                    if (!s.firstItems.await(30, TimeUnit.SECONDS)) {
                        return; // the assertions below fail
                    }
                } catch (InterruptedException e) {
                    return;
                }
                s.subscription.cancel(); // mid-stream, while the requesters may still request
            }, "canceller");
            canceller.start();
            go.countDown();
            for (Thread t : list) {
                t.join();
            }
            canceller.join();
            assertThat(onTheLoop(live, live::pendingTimers)).as("every timer unlinked").isZero();
            int delivered = s.items.get();
            s.subscription.request(100); // §3.6: a no-op after cancel
            assertThat(onTheLoop(live, () -> live.stats().isBalanced())).isTrue();
            assertThat(s.items.get()).isEqualTo(delivered);
            LoopStats stats = onTheLoop(live, live::stats);
            assertThat(stats.cancelled()).as("the pending timers, cancelled").isPositive();
            assertThat(stats.queued() + stats.pendingTimers()).isZero();
        }
        assertThat(upstreamCancelled).isTrue();
        assertThat(s.terminals).as("§3.7: no terminal signal after cancel").hasValue(0);
        assertThat(s.overlaps).as("§1.3: signals never overlap").hasValue(0);
        assertThat(s.items.get()).isBetween(500, threads * 2_000);
        for (int i = 0; i < n; i++) {
            assertThat(s.seen.get(i)).as("result %d", i).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void cancellationByTheLoopIsAnErrorResult() {
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>ofSpecs(loop, delayedMillis(1000)).build().subscribe(s);
        s.request(1);
        loop.runUntilIdle();
        loop.shutdownNow();
        assertThat(s.items).hasSize(1);
        assertThat(s.items.get(0).error()).isInstanceOf(CancellationException.class);
        assertThat(s.items.get(0).startedAt()).isEqualTo(-1);
    }
}
