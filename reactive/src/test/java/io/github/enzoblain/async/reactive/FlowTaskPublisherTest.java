package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.VirtualClock;
import org.junit.jupiter.api.Test;
import org.reactivestreams.FlowAdapters;
import reactor.core.publisher.Flux;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class FlowTaskPublisherTest {

    @Test
    void flowViewDeliversTheSameResultsUnderFlowDemand() {
        Loop loop = Loop.builder().clock(new VirtualClock()).build();
        Flow.Publisher<Callable<Integer>> tasks =
                FlowAdapters.toFlowPublisher(Flux.range(0, 10).map(i -> (Callable<Integer>) () -> i * i));
        Flow.Publisher<TaskResult<Integer>> results =
                FlowTaskPublisher.from(FlowTaskPublisher.<Integer>builder(loop, tasks).ordered(true).build());
        List<Integer> values = new CopyOnWriteArrayList<>();
        boolean[] complete = new boolean[1];
        Flow.Subscription[] subscription = new Flow.Subscription[1];
        results.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription[0] = s;
            }

            @Override
            public void onNext(TaskResult<Integer> item) {
                values.add(item.value());
            }

            @Override
            public void onError(Throwable throwable) {
            }

            @Override
            public void onComplete() {
                complete[0] = true;
            }
        });
        subscription[0].request(3);
        loop.runUntilIdle();
        assertThat(values).containsExactly(0, 1, 4);
        subscription[0].request(100);
        loop.runUntilIdle();
        assertThat(values).containsExactly(0, 1, 4, 9, 16, 25, 36, 49, 64, 81);
        assertThat(complete[0]).isTrue();
    }

    @Test
    void flowViewEndsAnEndlessStreamOnAShutDownLoopWithTheRejection() {
        Loop loop = Loop.builder().clock(new VirtualClock()).build();
        loop.shutdownNow();
        AtomicBoolean upstreamCancelled = new AtomicBoolean();
        Flow.Publisher<Callable<Long>> endless = FlowAdapters.toFlowPublisher(
                Flux.<Callable<Long>, Long>generate(() -> 0L, (i, sink) -> {
                    sink.next(() -> i);
                    return i + 1;
                }).doOnCancel(() -> upstreamCancelled.set(true)));
        AtomicInteger items = new AtomicInteger();
        AtomicReference<Throwable> error = new AtomicReference<>();
        Flow.Publisher<TaskResult<Long>> results = FlowTaskPublisher.from(FlowTaskPublisher.<Long>builder(loop, endless)
                .build());
        results.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(1_000);
            }

            @Override
            public void onNext(TaskResult<Long> item) {
                items.incrementAndGet();
            }

            @Override
            public void onError(Throwable throwable) {
                error.set(throwable);
            }

            @Override
            public void onComplete() {
            }
        });
        assertThat(error.get()).isInstanceOf(RejectedExecutionException.class);
        assertThat(items).hasValue(0);
        assertThat(upstreamCancelled).isTrue();
    }
}
