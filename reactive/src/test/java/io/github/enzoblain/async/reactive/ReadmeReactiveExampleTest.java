package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.VirtualClock;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's Reactor examples, verbatim, so that they keep compiling and doing what they say. */
class ReadmeReactiveExampleTest {

    @Test
    void virtualTimeWithoutGlobalState() {
        VirtualClock clock = new VirtualClock();
        Loop loop = Loop.builder().clock(clock).build();
        LoopScheduler scheduler = LoopScheduler.create(loop);

        StepVerifier.create(Flux.interval(Duration.ofMinutes(1), scheduler).take(60)
                        .timeout(Duration.ofMinutes(2), scheduler))
                .then(() -> clock.advanceBy(Duration.ofHours(1)))   // drives the loop: an hour in milliseconds
                .expectNextCount(60)
                .verifyComplete();
        assertThat(loop.pendingTimers()).isZero();
    }

    @Test
    void demandDrivenTasks() {
        Loop loop = Loop.create();
        Flux<Callable<Integer>> work = Flux.range(1, 1_000).map(i -> () -> i * i);
        TaskPublisher<Integer> results = TaskPublisher.<Integer>builder(loop, work).prefetch(8).ordered(true).build();

        StepVerifier.create(results, 10)                            // 10 requested: at most 10 + 8 tasks admitted
                .then(loop::runUntilIdle)
                .expectNextMatches(r -> r.isSuccess() && r.value() == 1)
                .expectNextCount(9)
                .thenCancel()
                .verify();
        loop.runUntilIdle();
        assertThat(loop.stats().submitted()).isLessThanOrEqualTo(18);
        assertThat(loop.stats().isBalanced()).isTrue();
    }
}
