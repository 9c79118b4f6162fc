package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.VirtualClock;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.util.function.Tuples;
import reactor.util.retry.Retry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deterministic tests with no global state: each test owns a loop on a {@link VirtualClock}, builds its pipeline on
 * that loop's scheduler, and moves the clock (which drives the loop) inside StepVerifier's {@code then} steps, so every
 * signal arrives while the test thread drives and {@code verify()} never waits on a loop nobody drives.
 */
class LoopSchedulerVirtualTimeTest {

    private final VirtualClock clock = new VirtualClock();
    private final Loop loop = Loop.builder().name("virtual").clock(clock).build();
    private final LoopScheduler s = LoopScheduler.create(loop);

    private Runnable advance(Duration d) {
        return () -> clock.advanceBy(d);
    }

    private static Duration ms(long n) {
        return Duration.ofMillis(n);
    }

    // ======================================================================================= operators, virtual time

    @Test
    void publishOn() {
        List<Thread> threads = new ArrayList<>();
        StepVerifier.create(Flux.range(1, 5).publishOn(s).doOnNext(i -> threads.add(Thread.currentThread())))
                .then(loop::runUntilIdle)
                .expectNext(1, 2, 3, 4, 5)
                .verifyComplete();
        assertThat(threads).hasSize(5).containsOnly(Thread.currentThread()); // the test thread drove the loop
    }

    @Test
    void subscribeOn() {
        StepVerifier.create(Mono.fromCallable(loop::inLoop).subscribeOn(s))
                .then(loop::runUntilIdle)
                .expectNext(true)
                .verifyComplete();
    }

    @Test
    void delayElements() {
        StepVerifier.create(Flux.range(1, 3).delayElements(Duration.ofSeconds(1), s).elapsed(s))
                .then(advance(Duration.ofSeconds(10)))
                .expectNext(Tuples.of(1000L, 1), Tuples.of(1000L, 2), Tuples.of(1000L, 3))
                .verifyComplete();
    }

    @Test
    void monoDelay() {
        StepVerifier.create(Mono.delay(Duration.ofMinutes(5), s).elapsed(s))
                .then(advance(Duration.ofMinutes(5).minusNanos(1)))
                .then(() -> assertThat(loop.pendingTimers()).isEqualTo(1)) // not a nanosecond early
                .then(advance(Duration.ofNanos(1)))
                .expectNext(Tuples.of(300_000L, 0L))
                .verifyComplete();
    }

    @Test
    void fluxInterval() {
        StepVerifier.create(Flux.interval(Duration.ofSeconds(1), s).map(i -> Tuples.of(s.now(TimeUnit.MILLISECONDS), i)))
                .then(advance(Duration.ofSeconds(1)))
                .expectNext(Tuples.of(1000L, 0L))
                .then(advance(Duration.ofSeconds(2)))
                .expectNext(Tuples.of(2000L, 1L), Tuples.of(3000L, 2L))
                .thenCancel()
                .verify();
    }

    @Test
    void timeout() {
        StepVerifier.create(Flux.never().timeout(Duration.ofSeconds(2), s))
                .then(advance(ms(1999)))
                .then(advance(ms(1)))
                .expectError(TimeoutException.class)
                .verify();
        StepVerifier.create(Mono.delay(ms(1999), s).timeout(Duration.ofSeconds(2), s))
                .then(advance(Duration.ofSeconds(5)))
                .expectNext(0L)
                .verifyComplete();
        assertThat(loop.pendingTimers()).isZero();
    }

    @Test
    void retryWhenBackoff() {
        List<Long> subscribedAt = new ArrayList<>();
        Mono<Object> failing = Mono.defer(() -> {
            subscribedAt.add(s.now(TimeUnit.MILLISECONDS));
            return Mono.error(new IllegalStateException("down"));
        });
        StepVerifier.create(failing.retryWhen(Retry.backoff(3, ms(100)).jitter(0).scheduler(s)))
                .then(advance(Duration.ofSeconds(10)))
                .expectErrorMatches(Exceptions::isRetryExhausted)
                .verify();
        assertThat(subscribedAt).containsExactly(0L, 100L, 300L, 700L);
    }

    @Test
    void sample() {
        // Flux.sample(Duration) always uses Schedulers.parallel(); sample(Publisher) with an interval on our scheduler
        // is the scheduler-aware form. Source ticks at 300, 600, ... ms; samples at 1000 and 2000 ms.
        StepVerifier.create(Flux.interval(ms(300), s).sample(Flux.interval(Duration.ofSeconds(1), s)))
                .then(advance(Duration.ofSeconds(2)))
                .expectNext(2L, 5L)
                .thenCancel()
                .verify();
    }

    @Test
    void bufferTimeout() {
        Flux<Integer> source = Flux.just(1, 2, 3, 4, 5).concatWith(Flux.never());
        StepVerifier.create(source.bufferTimeout(2, Duration.ofSeconds(1), s).elapsed(s))
                .then(loop::runUntilIdle)
                .expectNext(Tuples.of(0L, List.of(1, 2)), Tuples.of(0L, List.of(3, 4)))
                .then(advance(Duration.ofSeconds(1)))
                .expectNext(Tuples.of(1000L, List.of(5)))
                .thenCancel()
                .verify();
    }

    @Test
    void takeDuration() {
        StepVerifier.create(Flux.interval(Duration.ofSeconds(1), s).take(ms(4500), s))
                .then(advance(Duration.ofSeconds(10)))
                .expectNext(0L, 1L, 2L, 3L)
                .verifyComplete();
        assertThat(loop.pendingTimers()).isZero();
    }

    @Test
    void anHourOfIntervalWithTimeoutsVerifiesInMilliseconds() {
        Duration took = StepVerifier.create(
                        Flux.interval(Duration.ofSeconds(1), s)
                                .timeout(ms(1500), s) // re-armed and cancelled at every element
                                .take(3600))
                .then(advance(Duration.ofHours(1)))
                .expectNextCount(3600)
                .verifyComplete();
        assertThat(took).isLessThan(Duration.ofSeconds(10));
        assertThat(clock.nanoTime()).isEqualTo(Duration.ofHours(1).toNanos());
        assertThat(loop.pendingTimers()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void twoTestsWithTwoLoopsRunSideBySide() throws Exception {
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int k = 1; k <= 2; k++) {
            long period = k * 100L;
            threads.add(new Thread(() -> {
                try {
                    VirtualClock c = new VirtualClock();
                    LoopScheduler own = LoopScheduler.create(Loop.builder().clock(c).build());
                    start.await();
                    StepVerifier.create(Flux.interval(ms(period), own).take(50).elapsed(own).map(t -> t.getT1()))
                            .then(() -> c.advanceBy(Duration.ofMinutes(1)))
                            .expectNextCount(50)
                            .verifyComplete();
                    StepVerifier.create(Flux.interval(ms(period), own).take(3).elapsed(own).map(t -> t.getT1()))
                            .then(() -> c.advanceBy(Duration.ofMinutes(1)))
                            .expectNext(period, period, period)
                            .verifyComplete();
                    assertThat(c.nanoTime()).isEqualTo(Duration.ofMinutes(2).toNanos());
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).isEmpty();
        assertThat(VirtualTimeScheduler.isFactoryEnabled()).isFalse(); // nothing global was swapped
    }

    // ================================================================================================ ordering

    @Test
    void timersFireInDeadlineThenSequenceOrderWithNowEqualToTheDeadline() {
        long[] delays = {5, 3, 3, 1, 5, 0, 3, 1};
        List<long[]> ran = new ArrayList<>(); // {index, now at run}
        Scheduler.Worker w = s.createWorker();
        for (int i = 0; i < delays.length; i++) {
            int idx = i;
            Runnable r = () -> ran.add(new long[]{idx, clock.nanoTime()});
            if (i % 2 == 0) {
                s.schedule(r, delays[i], TimeUnit.SECONDS);
            } else {
                w.schedule(r, delays[i], TimeUnit.SECONDS);
            }
        }
        clock.advanceBy(Duration.ofSeconds(10));
        assertThat(ran).extracting(a -> (int) a[0]).containsExactly(5, 3, 7, 1, 2, 6, 0, 4);
        for (long[] a : ran) {
            assertThat(a[1]).isEqualTo(TimeUnit.SECONDS.toNanos(delays[(int) a[0]]));
        }
    }

    @Test
    void aThrowingTaskNeverWedgesTheVirtualClock() {
        Thread.UncaughtExceptionHandler previous = Thread.currentThread().getUncaughtExceptionHandler();
        List<Throwable> seen = new ArrayList<>();
        Thread.currentThread().setUncaughtExceptionHandler((t, e) -> seen.add(e)); // Reactor reports here
        try {
            List<Long> ticks = new ArrayList<>();
            s.schedule(() -> {
                throw new IllegalStateException("one-shot");
            }, 1, TimeUnit.SECONDS);
            s.schedulePeriodically(() -> {
                ticks.add(clock.nanoTime());
                throw new IllegalStateException("periodic");
            }, 500, 500, TimeUnit.MILLISECONDS);
            List<Long> after = new ArrayList<>();
            s.schedule(() -> after.add(clock.nanoTime()), 2, TimeUnit.SECONDS);

            clock.advanceBy(Duration.ofSeconds(3));
            assertThat(clock.nanoTime()).isEqualTo(Duration.ofSeconds(3).toNanos());
            assertThat(after).containsExactly(Duration.ofSeconds(2).toNanos());
            assertThat(ticks).hasSize(6);
            assertThat(seen).hasSize(7);
        } finally {
            Thread.currentThread().setUncaughtExceptionHandler(previous);
        }
    }

    @Test
    void tasksScheduledFromOtherThreadsWhileTimeAdvancesAreNeitherLostNorRunTwice() throws Exception {
        int n = 20_000;
        AtomicIntegerArray runs = new AtomicIntegerArray(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            int first = p;
            producers.add(new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                Scheduler.Worker w = s.createWorker();
                for (int i = first; i < n; i += 2) {
                    int idx = i;
                    Runnable r = () -> runs.incrementAndGet(idx);
                    switch (i % 4) {
                        case 0, 1 -> s.schedule(r, i % 97, TimeUnit.MILLISECONDS);
                        case 2 -> w.schedule(r, i % 13, TimeUnit.MILLISECONDS);
                        default -> w.schedule(r);
                    }
                }
            }));
        }
        producers.forEach(Thread::start);
        go.countDown();
        int steps = 0;
        while (producers.stream().anyMatch(Thread::isAlive) && steps < 10_000_000) {
            clock.advanceBy(ms(1)); // the test thread drives while the producers schedule
            steps++;
        }
        for (Thread t : producers) {
            t.join();
        }
        clock.advanceBy(Duration.ofSeconds(1));
        for (int i = 0; i < n; i++) {
            assertThat(runs.get(i)).as("task %d", i).isEqualTo(1);
        }
        assertThat(loop.stats().isBalanced()).isTrue();
        assertThat(loop.stats().completed()).isEqualTo(n);
    }

    // ================================================================================ pending timers after cancel

    private void assertTimersReturnToBaseline(String what, Function<LoopScheduler, Flux<?>> pipeline) {
        Disposable unrelated = s.schedule(() -> { }, 1, TimeUnit.DAYS); // a timer that is not ours to remove
        loop.runUntilIdle();
        int before = loop.pendingTimers();

        Disposable subscription = pipeline.apply(s).subscribe();
        clock.advanceBy(ms(10));
        assertThat(loop.pendingTimers()).as(what + ": armed").isGreaterThan(before);

        subscription.dispose(); // from the test thread: applied at the loop's next step
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).as(what + ": after cancel").isEqualTo(before);
        assertThat(loop.stats().isBalanced()).isTrue();
        unrelated.dispose();
        loop.runUntilIdle();
    }

    @Test
    void cancellingRestoresThePendingTimerCount() {
        Duration hour = Duration.ofHours(1);
        assertTimersReturnToBaseline("Mono.delay", sch -> Mono.delay(hour, sch).flux());
        assertTimersReturnToBaseline("delayElements", sch -> Flux.range(1, 3).delayElements(hour, sch));
        assertTimersReturnToBaseline("delaySubscription", sch -> Flux.just(1).delaySubscription(hour, sch));
        assertTimersReturnToBaseline("timeout", sch -> Flux.never().timeout(hour, sch));
        assertTimersReturnToBaseline("Flux.interval", sch -> Flux.interval(hour, sch));
        assertTimersReturnToBaseline("bufferTimeout",
                sch -> Flux.just(1).concatWith(Flux.never()).bufferTimeout(10, hour, sch));
        assertThat(loop.pendingTimers()).isZero();
    }
}
