package io.github.enzoblain.async.reactive;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.function.Tuple2;
import reactor.util.retry.Retry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The same operators on a loop driven by its own {@link NonBlockingLoopThread}, in real (short) time. */
class LoopSchedulerRealTimeTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final LoopScheduler s = LoopScheduler.newLoopThread("real-time");

    @AfterEach
    void dispose() {
        s.dispose();
        assertThat(s.loop().isTerminated()).isTrue();
    }

    private static Duration ms(long n) {
        return Duration.ofMillis(n);
    }

    private boolean onLoopThread() {
        return Thread.currentThread() instanceof NonBlockingLoopThread && s.loop().inLoop();
    }

    @Test
    void publishOn() {
        StepVerifier.create(Flux.range(1, 100).publishOn(s).map(i -> onLoopThread()).distinct())
                .expectNext(true) // every element, and only true
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void subscribeOn() {
        StepVerifier.create(Mono.fromCallable(this::onLoopThread).subscribeOn(s))
                .expectNext(true)
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void delayElements() {
        StepVerifier.create(Flux.range(1, 3).delayElements(ms(10), s).elapsed(s).map(Tuple2::getT1))
                .recordWith(ArrayList::new)
                .expectNextCount(3)
                .consumeRecordedWith(gaps -> assertThat(gaps).allSatisfy(g -> assertThat(g).isGreaterThanOrEqualTo(10)))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void monoDelay() {
        StepVerifier.create(Mono.delay(ms(20), s).elapsed(s))
                .assertNext(t -> assertThat(t.getT1()).isGreaterThanOrEqualTo(20))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void fluxInterval() {
        StepVerifier.create(Flux.interval(ms(5), s).take(5))
                .expectNext(0L, 1L, 2L, 3L, 4L)
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void timeout() {
        StepVerifier.create(Flux.never().timeout(ms(30), s))
                .expectError(TimeoutException.class)
                .verify(WAIT);
    }

    @Test
    void retryWhenBackoff() {
        AtomicInteger subscriptions = new AtomicInteger();
        Mono<Object> failing = Mono.defer(() -> {
            subscriptions.incrementAndGet();
            return Mono.error(new IllegalStateException("down"));
        });
        StepVerifier.create(failing.retryWhen(Retry.backoff(3, ms(5)).scheduler(s)))
                .expectErrorMatches(Exceptions::isRetryExhausted)
                .verify(WAIT);
        assertThat(subscriptions).hasValue(4);
    }

    @Test
    void sample() {
        StepVerifier.create(Flux.interval(ms(2), s).sample(Flux.interval(ms(30), s)).take(3))
                .recordWith(ArrayList::new)
                .expectNextCount(3)
                .consumeRecordedWith(samples -> assertThat(new ArrayList<>(samples)).isSorted().doesNotHaveDuplicates())
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void bufferTimeout() {
        StepVerifier.create(Flux.just(1, 2, 3).concatWith(Flux.never()).bufferTimeout(2, ms(30), s))
                .expectNext(List.of(1, 2))
                .expectNext(List.of(3)) // after the timeout
                .thenCancel()
                .verify(WAIT);
    }

    @Test
    void takeDuration() {
        List<Long> got = new ArrayList<>();
        StepVerifier.create(Flux.interval(ms(5), s).take(ms(50), s).doOnNext(got::add))
                .thenConsumeWhile(x -> true)
                .expectComplete()
                .verify(WAIT);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i)).isEqualTo(i);
        }
    }

    @Test
    void cancellingAMonoDelayRestoresThePendingTimerCount() throws Exception {
        Disposable d = Mono.delay(Duration.ofHours(1), s).subscribe();
        awaitLoopStep();
        assertThat(s.loop().pendingTimers()).isEqualTo(1);
        d.dispose();
        awaitLoopStep(); // the loop applies a cross-thread cancel at its next step
        assertThat(s.loop().pendingTimers()).isZero();
    }

    @Test
    void disposeGracefullyRunsAcceptedTasksThenEndsTheLoopThread() {
        List<String> ran = new ArrayList<>(); // written on the loop thread; read after the loop terminated
        s.schedule(() -> ran.add("delayed"), 20, TimeUnit.MILLISECONDS);
        s.schedulePeriodically(() -> ran.add("tick"), 1, 1, TimeUnit.HOURS);
        s.disposeGracefully().block(WAIT);
        assertThat(ran).containsExactly("delayed");
        s.dispose(); // waits for the loop thread, after graceful close
        assertThat(s.loop().isTerminated()).isTrue();
    }

    @ParameterizedTest(name = "loop.{0}()")
    @ValueSource(strings = {"close", "shutdownNow"})
    void disposeGracefullyCompletesWhenTheOwnedLoopIsEndedUnderIt(String ending) throws Exception {
        s.schedule(() -> { }, 1, TimeUnit.HOURS);
        List<String> seenWhenDone = new ArrayList<>();
        CompletableFuture<Void> drained = s.disposeGracefully()
                .doOnSuccess(v -> seenWhenDone.add("terminated=" + s.loop().isTerminated()))
                .toFuture();
        assertThat(drained).isNotDone();
        if (ending.equals("close")) {
            s.loop().close(); // its default policy cancels the timer (on the loop thread, or here if first to drive)
        } else {
            s.loop().shutdownNow();
        }
        drained.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(seenWhenDone).containsExactly("terminated=true");
    }

    @Test
    void disposeFromOneOfItsOwnTasksDoesNotWaitForItself() throws Exception {
        CountDownLatch disposed = new CountDownLatch(1);
        s.schedule(() -> {
            s.dispose();
            disposed.countDown();
        });
        assertThat(disposed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(s.isDisposed()).isTrue();
    }

    private void awaitLoopStep() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        s.schedule(ran::countDown);
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void disposeGracefullyCompletesOnlyOnceTheOwnedLoopHasTerminated() {
        CountDownLatch ran = new CountDownLatch(1);
        s.schedule(ran::countDown, 50, TimeUnit.MILLISECONDS); // the last task ends on the loop's own thread
        List<String> seenWhenDone = new ArrayList<>();
        s.disposeGracefully()
                .doOnSuccess(v -> seenWhenDone.add("terminated=" + s.loop().isTerminated()))
                .block(WAIT);
        assertThat(ran.getCount()).isZero();
        assertThat(seenWhenDone).containsExactly("terminated=true");
    }
}
