package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopStats;
import io.github.enzoblain.async.core.VirtualClock;
import io.github.enzoblain.async.core.queue.RunQueues;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Flux;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoopIngestSubscriberTest {

    /** Drives the loop on this thread until the ingestion ends. */
    private static void driveUntilDone(Loop loop, LoopIngestSubscriber<?> s) {
        CompletableFuture<Void> done = s.completion().toCompletableFuture();
        while (!done.isDone()) {
            if (loop.runUntilIdle() == 0 && loop.pendingTimers() > 0) {
                loop.runOnce(); // a retry timer on the system clock: step until it fires
            }
        }
    }

    @Test
    void tenMillionItemsFromAFastProducerKeepTheRunQueueUnderItsBound() {
        int capacity = 1024;
        long n = 10_000_000L;
        Loop loop = Loop.builder().name("ingest").runQueue(RunQueues.boundedFifo(capacity)).watermarks(768, 256).build();
        AtomicLong sum = new AtomicLong();
        long[] work = new long[1];
        LoopIngestSubscriber<Long> s = LoopIngestSubscriber.create(loop, (Long v) -> {
            long x = v; // a slow consumer: a little work per item
            for (int i = 0; i < 16; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            work[0] ^= x;
            sum.addAndGet(v);
        });
        long t0 = System.nanoTime();
        Flux.range(0, (int) n).map(i -> (long) i).subscribe(s); // synchronous producer, as fast as it is asked
        driveUntilDone(loop, s);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        LoopStats stats = loop.stats();
        System.out.printf("ingested %,d items in %d ms, peak queue depth %d (capacity %d), window %d%n",
                n, millis, stats.peakQueueDepth(), capacity, s.window());
        assertThat(s.completion().toCompletableFuture().isCompletedExceptionally()).isFalse();
        assertThat(s.handled()).isEqualTo(n);
        assertThat(sum.get()).isEqualTo(n * (n - 1) / 2);
        assertThat(s.window()).isEqualTo(loop.highWatermark());
        assertThat(stats.peakQueueDepth()).isLessThanOrEqualTo(loop.highWatermark()).isLessThan(capacity);
        assertThat(stats.rejected()).isZero();
        assertThat(stats.isBalanced()).isTrue();
    }

    @Test
    void demandIsBoundedByTheWindowAndRefilledAsItemsAreHandled() {
        Loop loop = Loop.builder().clock(new VirtualClock()).runQueue(RunQueues.boundedFifo(64)).build();
        List<Long> requests = new ArrayList<>();
        List<Integer> seen = new ArrayList<>();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, seen::add, 16);
        Flux.range(0, 100).doOnRequest(requests::add).subscribe(s);
        assertThat(requests).containsExactly(16L); // the window, min(16, 64)
        assertThat(loop.stats().inbox()).isEqualTo(16); // handed over, nothing more
        loop.runUntilIdle();
        assertThat(seen).hasSize(100);
        assertThat(requests.stream().mapToLong(Long::longValue).sum()).isGreaterThanOrEqualTo(100);
        assertThat(requests).allMatch(r -> r >= 4 && r <= 16); // batches of at least a quarter of the window
        assertThat(s.completion().toCompletableFuture()).isCompleted();
        assertThat(loop.stats().peakQueueDepth()).isLessThanOrEqualTo(16);
    }

    @Test
    void noDemandWhileTheLoopIsAboveItsHighWatermark() {
        VirtualClock clock = new VirtualClock();
        Loop loop = Loop.builder().clock(clock).runQueue(RunQueues.boundedFifo(32)).watermarks(8, 2).build();
        loop.submit(() -> {
            for (int i = 0; i < 10; i++) {
                loop.execute(() -> { }); // someone else's work: above the high watermark
            }
        });
        loop.runOnce();
        assertThat(loop.isAboveHighWatermark()).isTrue();
        List<Long> requests = new ArrayList<>();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, i -> { }, 16);
        Flux.range(0, 50).doOnRequest(requests::add).subscribe(s);
        assertThat(requests).isEmpty();
        assertThat(loop.pendingTimers()).isZero(); // the retry timer is still in the inbox
        loop.runUntilIdle();
        assertThat(loop.isAboveHighWatermark()).isFalse();
        assertThat(requests).isEmpty(); // nothing of ours in the loop: the retry timer asks again
        clock.advanceBy(2, TimeUnit.MILLISECONDS);
        loop.runUntilIdle();
        assertThat(s.handled()).isEqualTo(50);
        assertThat(s.completion().toCompletableFuture()).isCompleted();
    }

    @Test
    void aThrowingHandlerEndsTheIngestionAndCancelsTheUpstream() {
        Loop loop = Loop.builder().clock(new VirtualClock()).build();
        AtomicBoolean cancelled = new AtomicBoolean();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, i -> {
            if (i == 5) {
                throw new IllegalStateException("bad item " + i);
            }
        }, 8);
        Flux.range(0, 1000).doOnCancel(() -> cancelled.set(true)).subscribe(s);
        loop.runUntilIdle();
        assertThat(cancelled).isTrue();
        assertThat(s.handled()).isEqualTo(5);
        assertThatThrownBy(() -> s.completion().toCompletableFuture().join()).hasRootCauseMessage("bad item 5");
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aRetryTimerTheLoopsCloseCancelsFailsTheCompletionAndCancelsTheUpstream() {
        Loop loop = Loop.builder().name("closing").clock(new VirtualClock()).runQueue(RunQueues.boundedFifo(32))
                .watermarks(8, 2).build();
        loop.submit(() -> {
            for (int i = 0; i < 10; i++) {
                loop.execute(() -> { }); // someone else's work: above the high watermark
            }
        });
        loop.runOnce();
        AtomicBoolean cancelled = new AtomicBoolean();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, i -> { }, 16);
        Flux.range(0, 50).doOnCancel(() -> cancelled.set(true)).subscribe(s); // nothing asked: a retry timer is armed
        loop.close(); // runs the ready work, cancels the pending timers: the retry never comes
        assertThat(s.completion().toCompletableFuture()).as("nobody would ever ask again").isCompletedExceptionally();
        assertThatThrownBy(() -> s.completion().toCompletableFuture().join())
                .hasRootCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class)
                .hasRootCauseMessage("loop 'closing' shut down with this subscriber waiting to request more");
        assertThat(cancelled).isTrue();
        assertThat(s.handled()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void anItemTheLoopRefusesAfterItWasHandedOverFailsTheCompletionAndCancelsTheUpstream() {
        Loop loop = Loop.builder().clock(new VirtualClock()).runQueue(RunQueues.boundedFifo(4))
                .errorHandler(e -> { throw new AssertionError("the subscriber is told itself", e); }).build();
        loop.execute(() -> { }); // from this thread: in the inbox, so the subscriber still sees room for four
        AtomicBoolean cancelled = new AtomicBoolean();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, i -> { });
        Flux.range(0, 100).doOnCancel(() -> cancelled.set(true)).subscribe(s);
        loop.runUntilIdle(); // takes in the five: the last of ours finds the run queue full
        assertThat(s.completion().toCompletableFuture()).as("that item is never handled: it cannot complete")
                .isCompletedExceptionally();
        assertThatThrownBy(() -> s.completion().toCompletableFuture().join())
                .hasRootCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class)
                .hasRootCauseMessage("loop 'loop': run queue full (capacity 4)");
        assertThat(cancelled).isTrue();
        assertThat(s.handled()).isZero(); // the ingestion failed before the loop ran the three it took in
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void itemsAShutdownNowHandsBackFailTheCompletionInsteadOfHangingIt() {
        Loop loop = Loop.builder().name("stopping").clock(new VirtualClock()).build();
        AtomicBoolean cancelled = new AtomicBoolean();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, i -> { }, 8);
        Flux.range(0, 100).doOnCancel(() -> cancelled.set(true)).subscribe(s); // 8 items in the loop, not run yet
        assertThat(loop.shutdownNow()).hasSize(8);
        assertThat(s.completion().toCompletableFuture()).as("those items never run").isCompletedExceptionally();
        assertThatThrownBy(() -> s.completion().toCompletableFuture().join())
                .hasRootCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class)
                .hasRootCauseMessage("loop 'stopping' shut down with items of this subscriber not yet handled");
        assertThat(cancelled).isTrue();
        assertThat(s.handled()).isZero();
    }

    @Test
    void upstreamErrorFailsTheCompletion() {
        Loop loop = Loop.builder().clock(new VirtualClock()).build();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, i -> { });
        Flux.<Integer>error(new IllegalStateException("up")).subscribe(s);
        assertThatThrownBy(() -> s.completion().toCompletableFuture().join()).hasRootCauseMessage("up");
    }

    @Test
    void aSecondSubscriptionIsCancelledAndNullsAreRefused() {
        Loop loop = Loop.builder().clock(new VirtualClock()).build();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, i -> { });
        AtomicLong requested = new AtomicLong();
        AtomicBoolean firstCancelled = new AtomicBoolean(), secondCancelled = new AtomicBoolean();
        s.onSubscribe(subscription(requested, firstCancelled));
        s.onSubscribe(subscription(new AtomicLong(), secondCancelled));
        assertThat(requested.get()).isEqualTo(LoopIngestSubscriber.DEFAULT_MAX_IN_FLIGHT);
        assertThat(firstCancelled).isFalse();
        assertThat(secondCancelled).isTrue();
        assertThatThrownBy(() -> s.onNext(null)).isInstanceOf(NullPointerException.class);
        s.cancel();
        assertThat(firstCancelled).isTrue();
    }

    @Test
    void cancelStopsTheIngestionButItemsAlreadyInTheLoopAreStillHandled() {
        Loop loop = Loop.builder().clock(new VirtualClock()).build();
        List<Integer> handled = new ArrayList<>();
        AtomicBoolean upstreamCancelled = new AtomicBoolean();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, handled::add, 8);
        Flux.range(0, 100).doOnCancel(() -> upstreamCancelled.set(true)).subscribe(s);
        assertThat(loop.stats().inbox() + loop.stats().queued()).as("one window in the loop").isEqualTo(8);
        s.cancel();
        assertThat(upstreamCancelled).isTrue();
        loop.runUntilIdle();
        assertThat(handled).containsExactly(0, 1, 2, 3, 4, 5, 6, 7); // and nothing more is requested
        assertThat(s.handled()).isEqualTo(8);
    }

    @Test
    void theFlowVariantIngestsTheSame() {
        Loop loop = Loop.builder().clock(new VirtualClock()).build();
        AtomicLong sum = new AtomicLong();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, (Integer i) -> sum.addAndGet(i), 32);
        java.util.concurrent.SubmissionPublisher<Integer> publisher =
                new java.util.concurrent.SubmissionPublisher<>(Runnable::run, 256);
        publisher.subscribe(FlowIngest.from(s));
        for (int i = 0; i < 1000; i++) {
            publisher.submit(i); // the publisher buffers; the subscriber's demand drains it
            loop.runUntilIdle();
        }
        publisher.close();
        loop.runUntilIdle();
        assertThat(sum.get()).isEqualTo(999L * 1000 / 2);
        assertThat(s.completion().toCompletableFuture()).isCompleted();
    }

    @Test
    void anItemSentWithoutDemandFailsTheIngestionEvenWhenTheRingHasRoomForIt() {
        // a window of 6 gets a ring of 8: the 7th item was never asked for, whatever room the ring has (§1.1)
        Loop loop = Loop.builder().clock(new VirtualClock()).build();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, i -> { }, 6);
        AtomicLong requested = new AtomicLong();
        AtomicBoolean cancelled = new AtomicBoolean();
        s.onSubscribe(subscription(requested, cancelled));
        assertThat(requested.get()).isEqualTo(6);
        for (int i = 0; i < 7; i++) {
            s.onNext(i);
        }
        assertThat(cancelled).as("the upstream broke §1.1").isTrue();
        assertThatThrownBy(() -> s.completion().toCompletableFuture().join())
                .hasRootCauseInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("§1.1 violated: more items than requested (window 6)");
        loop.runUntilIdle();
        assertThat(s.handled()).isZero(); // the ingestion failed: what it took in is dropped, not handled
        assertThat(requested.get()).as("nothing more asked of a broken upstream").isEqualTo(6);
    }

    @Test
    void itemsOfOursStillInTheInboxCountAgainstTheFreeRoomOfTheNextRequest() throws Exception {
        Loop loop = Loop.builder().clock(new VirtualClock()).runQueue(RunQueues.boundedFifo(4)).build();
        LoopIngestSubscriber<Integer>[] self = new LoopIngestSubscriber[1];
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, i -> {
            if (i == 0) {
                loop.execute(() -> { }); // someone else's work, straight into the run queue
                Thread producer = new Thread(() -> self[0].onNext(2)); // our next item, into the inbox
                producer.start();
                try {
                    producer.join();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        });
        self[0] = s;
        assertThat(s.window()).isEqualTo(4);
        AtomicLong requested = new AtomicLong();
        s.onSubscribe(subscription(requested, new AtomicBoolean()));
        assertThat(requested.get()).isEqualTo(4);
        s.onNext(0); // not driving the loop: both into the inbox
        s.onNext(1);
        loop.runOnce(); // handles 0: queued are 1 and the other task, 2 is in the inbox and 3 is owed
        assertThat(requested.get()).as("the four places are all taken: 1, the other task, 2, 3").isEqualTo(4);
        s.onNext(3);
        loop.runUntilIdle();
        assertThat(s.completion().toCompletableFuture()).isNotDone();
        assertThat(loop.stats().rejected()).isZero();
        assertThat(s.handled()).isEqualTo(4);
    }

    @Test
    void aSubscriptionAfterTheStreamEndedIsCancelledAndTerminalSignalsNeedNoRequest() {
        Loop loop = Loop.builder().clock(new VirtualClock()).build();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, i -> { });
        assertThatThrownBy(() -> s.onSubscribe(null)).isInstanceOf(NullPointerException.class); // §2.13
        assertThatThrownBy(() -> s.onError(null)).isInstanceOf(NullPointerException.class); // §2.13
        Flux.<Integer>empty().subscribe(s); // §2.9: onComplete with nothing in the loop
        assertThat(s.completion().toCompletableFuture()).isCompleted();
        AtomicLong requested = new AtomicLong();
        AtomicBoolean cancelled = new AtomicBoolean();
        s.onSubscribe(subscription(requested, cancelled)); // §2.5: the subscriber is for one subscription
        assertThat(cancelled).isTrue();
        assertThat(requested.get()).isZero();
        s.onError(new IllegalStateException("late")); // completes exactly once
        assertThat(s.completion().toCompletableFuture().isCompletedExceptionally()).isFalse();
    }

    private static Subscription subscription(AtomicLong requested, AtomicBoolean cancelled) {
        return new Subscription() {
            @Override
            public void request(long n) {
                requested.addAndGet(n);
            }

            @Override
            public void cancel() {
                cancelled.set(true);
            }
        };
    }

    @Test
    void aProducerOnAnotherThreadRacingTheLoopNeverOverrunsTheWindow() throws Exception {
        // the producer's onNext and the loop's re-requests race on every item; a small window makes any
        // over-request by one an overrun of the ring, which the subscriber reports as a §1.1 violation
        for (int round = 0; round < 5; round++) {
            Loop loop = Loop.builder().name("race").runQueue(RunQueues.boundedFifo(16)).watermarks(12, 4).build();
            long n = 200_000;
            LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, (Integer v) -> { }, 8);
            try (io.github.enzoblain.async.core.LoopThread ignored = io.github.enzoblain.async.core.LoopThread.start(loop)) {
                Flux.range(0, (int) n).subscribeOn(reactor.core.scheduler.Schedulers.single()).subscribe(s);
                s.completion().toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
            assertThat(s.handled()).isEqualTo(n);
            assertThat(loop.stats().rejected()).isZero();
            assertThat(loop.stats().peakQueueDepth()).isLessThanOrEqualTo(8);
        }
    }

    /** The onTermination callbacks the loop still holds (package-private in core, so read reflectively). */
    private static int pendingTerminationCallbacks(Loop loop) {
        try {
            java.lang.reflect.Method m = Loop.class.getDeclaredMethod("pendingTerminationCallbacks");
            m.setAccessible(true);
            return (int) m.invoke(loop);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aQuietUpstreamWithNothingInTheLoopFailsTheIngestionAndIsCancelledWhenTheLoopTerminates() {
        Loop loop = Loop.builder().name("quiet").clock(new VirtualClock()).build();
        java.util.concurrent.atomic.AtomicInteger cancels = new java.util.concurrent.atomic.AtomicInteger();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, i -> { });
        Flux.<Integer>just(1, 2).concatWith(Flux.never()).doOnCancel(cancels::incrementAndGet).subscribe(s);
        loop.runUntilIdle();
        assertThat(s.handled()).isEqualTo(2);
        assertThat(s.completion().toCompletableFuture()).isNotDone(); // waiting for an item that never comes
        loop.close(); // from the test thread, which drives the end: nothing of ours left to be refused
        assertThat(s.completion().toCompletableFuture()).isCompletedExceptionally();
        assertThatThrownBy(() -> s.completion().toCompletableFuture().join())
                .hasRootCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class)
                .hasRootCauseMessage("loop 'quiet' is closed");
        assertThat(cancels).hasValue(1);
        assertThat(pendingTerminationCallbacks(loop)).isZero();
    }

    @Test
    void aQuietUpstreamIsCancelledWhenAnotherThreadClosesALoopThreadDrivenLoop() throws Exception {
        Loop loop = Loop.builder().name("live").build();
        io.github.enzoblain.async.core.LoopThread driver = io.github.enzoblain.async.core.LoopThread.start(loop);
        java.util.concurrent.CountDownLatch cancelled = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Thread> cancelledOn = new java.util.concurrent.atomic.AtomicReference<>();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, i -> { });
        Flux.<Integer>never().doOnCancel(() -> {
            cancelledOn.set(Thread.currentThread());
            cancelled.countDown();
        }).subscribe(s);
        java.util.concurrent.CountDownLatch driving = new java.util.concurrent.CountDownLatch(1);
        loop.execute(driving::countDown);
        assertThat(driving.await(10, TimeUnit.SECONDS)).isTrue(); // the LoopThread holds the loop: it terminates it
        loop.close();
        assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(cancelledOn.get()).isSameAs(driver.thread());
        assertThatThrownBy(() -> s.completion().toCompletableFuture().get(10, TimeUnit.SECONDS))
                .hasRootCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class)
                .hasRootCauseMessage("loop 'live' is closed");
        assertThat(driver.join(java.time.Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void aSubscriptionToATerminatedLoopFailsAtOnceAndIngestionsThatEndFirstLeaveNoCallback() {
        Loop loop = Loop.builder().clock(new VirtualClock()).build();
        for (int i = 0; i < 50; i++) { // completed, failed upstream, cancelled
            LoopIngestSubscriber<Integer> done = LoopIngestSubscriber.create(loop, x -> { });
            Flux.range(0, 3).subscribe(done);
            loop.runUntilIdle();
            assertThat(done.completion().toCompletableFuture()).isCompleted();
            LoopIngestSubscriber<Integer> failed = LoopIngestSubscriber.create(loop, x -> { });
            Flux.<Integer>error(new IllegalStateException()).subscribe(failed);
            LoopIngestSubscriber<Integer> cancelled = LoopIngestSubscriber.create(loop, x -> { });
            Flux.<Integer>never().subscribe(cancelled);
            cancelled.cancel();
        }
        assertThat(pendingTerminationCallbacks(loop)).isZero();
        loop.close();
        AtomicBoolean upstreamCancelled = new AtomicBoolean();
        LoopIngestSubscriber<Integer> late = LoopIngestSubscriber.create(loop, x -> { });
        Flux.<Integer>never().doOnCancel(() -> upstreamCancelled.set(true)).subscribe(late);
        assertThat(late.completion().toCompletableFuture()).isCompletedExceptionally();
        assertThat(upstreamCancelled).isTrue();
        assertThat(pendingTerminationCallbacks(loop)).isZero();
    }

    @Test
    void theFlowVariantOfAQuietIngestionEndsToo() {
        Loop loop = Loop.builder().clock(new VirtualClock()).build();
        LoopIngestSubscriber<Integer> s = LoopIngestSubscriber.create(loop, i -> { });
        java.util.concurrent.SubmissionPublisher<Integer> publisher =
                new java.util.concurrent.SubmissionPublisher<>(Runnable::run, 256);
        publisher.subscribe(FlowIngest.from(s));
        loop.runUntilIdle();
        assertThat(publisher.getNumberOfSubscribers()).isEqualTo(1);
        loop.close();
        assertThat(s.completion().toCompletableFuture()).isCompletedExceptionally();
        assertThat(publisher.getNumberOfSubscribers()).as("the subscription was cancelled").isZero();
    }
}
