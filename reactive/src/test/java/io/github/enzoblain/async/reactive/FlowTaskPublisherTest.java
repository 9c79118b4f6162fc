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
}
