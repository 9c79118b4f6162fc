package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopThread;
import io.github.enzoblain.async.core.VirtualClock;
import org.junit.jupiter.api.Test;
import org.reactivestreams.FlowAdapters;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A loop that terminates under a {@link TaskPublisher} stream whose upstream is quiet (emits nothing) ends the stream
 * with the same {@link RejectedExecutionException} a refused submission would, and cancels the upstream, at once.
 */
class TaskPublisherTerminationTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final VirtualClock clock = new VirtualClock();
    private final Loop loop = Loop.builder().name("quiet").clock(clock).build();

    /** An upstream that never emits and counts its cancellations. */
    private static Flux<Callable<Integer>> quiet(AtomicInteger cancels) {
        return Flux.<Callable<Integer>>never().doOnCancel(cancels::incrementAndGet);
    }

    /** What the loop itself throws at a submission once it is closed: the stream must end with the same. */
    private static String closedMessage(Loop loop) {
        Throwable[] thrown = new Throwable[1];
        try {
            loop.submit(() -> 0);
        } catch (RejectedExecutionException e) {
            thrown[0] = e;
        }
        assertThat(thrown[0]).as("the loop refuses submissions").isNotNull();
        return thrown[0].getMessage();
    }

    /** The onTermination callbacks the loop still holds (package-private in core, so read reflectively). */
    private static int pendingCallbacks(Loop loop) {
        try {
            Method m = Loop.class.getDeclaredMethod("pendingTerminationCallbacks");
            m.setAccessible(true);
            return (int) m.invoke(loop);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aQuietStreamEndsWithTheRejectionAndCancelsItsUpstreamWhenTheTestThreadClosesTheLoop() {
        AtomicInteger cancels = new AtomicInteger();
        TaskPublisher<Integer> results = TaskPublisher.<Integer>of(loop, quiet(cancels));
        StepVerifier.create(results)
                .expectSubscription()
                .then(loop::runUntilIdle)
                .then(loop::close) // nothing in flight, nothing arriving: only the termination can end the stream
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RejectedExecutionException.class)
                        .hasMessage(closedMessage(loop)).hasMessage("loop 'quiet' is closed"))
                .verify(WAIT);
        assertThat(cancels).hasValue(1);
        assertThat(pendingCallbacks(loop)).isZero();
    }

    @Test
    void aQuietStreamOnALoopThreadEndsWhenAnotherThreadClosesTheLoop() throws Exception {
        Loop live = Loop.builder().name("live").build();
        LoopThread driver = LoopThread.start(live);
        TestPublisher<Callable<Integer>> upstream = TestPublisher.create();
        AtomicReference<Thread> signalledOn = new AtomicReference<>();
        StepVerifier.create(TaskPublisher.<Integer>of(live, upstream))
                .expectSubscription()
                .then(() -> upstream.next(() -> 1)) // one result first, so the stream is well under way
                .assertNext(r -> assertThat(r.value()).isEqualTo(1))
                .then(live::close) // from the test thread; the LoopThread terminates the loop
                .consumeErrorWith(e -> {
                    signalledOn.set(Thread.currentThread());
                    assertThat(e).isInstanceOf(RejectedExecutionException.class).hasMessage("loop 'live' is closed");
                })
                .verify(WAIT);
        upstream.assertWasCancelled();
        assertThat(signalledOn.get()).isSameAs(driver.thread());
        assertThat(driver.join(WAIT)).isTrue();
        assertThat(driver.crash()).isNull();
        assertThat(pendingCallbacks(live)).isZero();
    }

    @Test
    void aQuietStreamOnALoopThreadEndsWhenOneOfTheLoopsTasksClosesIt() throws Exception {
        Loop live = Loop.builder().name("live").build();
        LoopThread driver = LoopThread.start(live);
        AtomicInteger cancels = new AtomicInteger();
        StepVerifier.create(TaskPublisher.<Integer>of(live, quiet(cancels)))
                .expectSubscription()
                .then(() -> live.execute(live::close)) // the close comes from the loop's own thread
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RejectedExecutionException.class)
                        .hasMessage("loop 'live' is closed"))
                .verify(WAIT);
        assertThat(cancels).hasValue(1);
        assertThat(driver.join(WAIT)).isTrue();
    }

    @Test
    void aQuietStreamOnALoopThatIsShutDownNowFromAnotherThreadEnds() throws Exception {
        AtomicInteger cancels = new AtomicInteger();
        StepVerifier.create(TaskPublisher.<Integer>of(loop, quiet(cancels)))
                .expectSubscription()
                .then(() -> {
                    Thread stopper = new Thread(loop::shutdownNow, "stopper"); // drives the end itself
                    stopper.start();
                    try {
                        stopper.join();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .expectError(RejectedExecutionException.class)
                .verify(WAIT);
        assertThat(cancels).hasValue(1);
    }

    @Test
    void subscribingToATerminatedLoopWithAQuietUpstreamEndsAtOnce() {
        loop.close();
        AtomicInteger cancels = new AtomicInteger();
        StepVerifier.create(TaskPublisher.<Integer>of(loop, quiet(cancels)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RejectedExecutionException.class)
                        .hasMessage(closedMessage(loop)))
                .verify(WAIT);
        assertThat(cancels).as("subscribed after the end, so cancelled at once (§2.5)").hasValue(1);
        assertThat(pendingCallbacks(loop)).isZero();
    }

    @Test
    void resultsFinishedBeforeTheTerminationAreDeliveredAsDemandedThenTheStreamEnds() {
        AtomicInteger cancels = new AtomicInteger();
        Flux<Callable<Integer>> tasks = Flux.<Callable<Integer>>just(() -> 1, () -> 2).concatWith(quiet(cancels));
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>builder(loop, tasks).ordered(true).build().subscribe(s);
        s.request(1);
        loop.runUntilIdle();
        loop.close();
        assertThat(s.items).extracting(TaskResult::value).containsExactly(1);
        assertThat(s.error).as("one finished result still waits for demand").isNull();
        assertThat(cancels).hasValue(0);
        s.request(1);
        assertThat(s.items).extracting(TaskResult::value).containsExactly(1, 2);
        assertThat(s.error).isInstanceOf(RejectedExecutionException.class);
        assertThat(cancels).hasValue(1);
        assertThat(s.signalsAfterTerminal).isZero();
    }

    @Test
    void anUpstreamThatCompletedBeforeTheTerminationStillCompletesTheStream() {
        RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
        TaskPublisher.<Integer>builder(loop, Flux.<Callable<Integer>>just(() -> 1, () -> 2)).build().subscribe(s);
        s.request(1);
        loop.runUntilIdle();
        loop.close();
        assertThat(s.completed).isFalse();
        s.request(1);
        assertThat(s.items).extracting(TaskResult::value).containsExactly(1, 2);
        assertThat(s.completed).isTrue();
        assertThat(s.error).isNull();
    }

    @Test
    void subscriptionsThatEndFirstLeaveNoCallbackOnTheLoop() {
        for (int i = 0; i < 100; i++) { // completed, cancelled, failed upstream, bad request
            StepVerifier.create(TaskPublisher.<Integer>of(loop, Flux.<Callable<Integer>>just(() -> 1)))
                    .then(loop::runUntilIdle).expectNextCount(1).verifyComplete();
            StepVerifier.create(TaskPublisher.<Integer>of(loop, quiet(new AtomicInteger()))).thenCancel().verify(WAIT);
            Flux<Callable<Integer>> failing = Flux.error(new IllegalStateException());
            StepVerifier.create(TaskPublisher.<Integer>of(loop, failing))
                    .expectError(IllegalStateException.class).verify(WAIT);
            RecordingSubscriber<TaskResult<Integer>> bad = new RecordingSubscriber<>();
            TaskPublisher.<Integer>of(loop, quiet(new AtomicInteger())).subscribe(bad);
            bad.request(0);
            assertThat(bad.error).isInstanceOf(IllegalArgumentException.class);
        }
        AtomicInteger cancels = new AtomicInteger();
        RecordingSubscriber<TaskResult<Integer>> open = new RecordingSubscriber<>();
        TaskPublisher.<Integer>of(loop, quiet(cancels)).subscribe(open);
        assertThat(pendingCallbacks(loop)).as("only the subscription still open").isEqualTo(1);
        loop.close();
        assertThat(open.error).isInstanceOf(RejectedExecutionException.class);
        assertThat(cancels).hasValue(1);
    }

    @Test
    void manyQuietStreamsOnALoopThreadEachEndOnceWhenTheLoopCloses() throws Exception {
        Loop live = Loop.builder().name("live").build();
        LoopThread driver = LoopThread.start(live);
        int n = 200;
        List<RecordingSubscriber<TaskResult<Integer>>> subscribers = new ArrayList<>();
        AtomicInteger cancels = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            RecordingSubscriber<TaskResult<Integer>> s = new RecordingSubscriber<>();
            TaskPublisher.<Integer>of(live, quiet(cancels)).subscribe(s);
            s.request(1 + i % 3);
            if (i % 4 == 0) {
                s.cancel(); // some end first, racing nothing: they must not hear of the close
            }
            subscribers.add(s);
        }
        Thread requester = new Thread(() -> { // requests racing the termination's signal
            for (RecordingSubscriber<TaskResult<Integer>> s : subscribers) {
                s.request(1);
            }
        }, "requester");
        requester.start();
        live.close();
        requester.join();
        for (int i = 0; i < n; i++) {
            RecordingSubscriber<TaskResult<Integer>> s = subscribers.get(i);
            if (i % 4 == 0) {
                assertThat(s.terminated.getCount()).as("cancelled %d", i).isEqualTo(1);
            } else {
                assertThat(s.terminated.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("stream %d", i).isTrue();
                assertThat(s.error).as("stream %d", i).isInstanceOf(RejectedExecutionException.class);
            }
            assertThat(s.signalsAfterTerminal).isZero();
        }
        assertThat(cancels).hasValue(n);
        assertThat(driver.join(WAIT)).isTrue();
        assertThat(pendingCallbacks(live)).isZero();
    }

    @Test
    void theFlowViewOfAQuietStreamEndsTooWhenTheLoopCloses() throws Exception {
        AtomicInteger cancels = new AtomicInteger();
        Flow.Publisher<Callable<Integer>> tasks = FlowAdapters.toFlowPublisher(quiet(cancels));
        Flow.Publisher<TaskResult<Integer>> results =
                FlowTaskPublisher.from(FlowTaskPublisher.<Integer>builder(loop, tasks).build());
        AtomicReference<Throwable> error = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        results.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(10);
            }

            @Override
            public void onNext(TaskResult<Integer> item) {
            }

            @Override
            public void onError(Throwable throwable) {
                error.set(throwable);
                ended.countDown();
            }

            @Override
            public void onComplete() {
                ended.countDown();
            }
        });
        loop.runUntilIdle();
        assertThat(ended.getCount()).isEqualTo(1);
        loop.close();
        assertThat(ended.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(error.get()).isInstanceOf(RejectedExecutionException.class).hasMessage("loop 'quiet' is closed");
        assertThat(cancels).hasValue(1);
        assertThatThrownBy(() -> loop.submit(() -> 0)).hasMessage(error.get().getMessage());
    }
}
