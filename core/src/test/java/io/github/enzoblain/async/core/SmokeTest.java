package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeTest {
    @Test
    void basics() {
        VirtualClock clock = new VirtualClock();
        Loop loop = Loop.builder().clock(clock).build();
        List<String> log = new ArrayList<>();
        loop.execute(() -> log.add("a"));
        TaskHandle<Integer> h = loop.submit(() -> 42);
        loop.schedule(() -> log.add("t2@" + clock.nanoTime()), Duration.ofSeconds(2));
        loop.schedule(() -> log.add("t1@" + clock.nanoTime()), Duration.ofSeconds(1));
        TaskHandle<Void> p = loop.scheduleAtFixedRate(() -> log.add("p@" + clock.nanoTime()), Duration.ofMillis(500), Duration.ofMillis(700));
        assertThat(loop.runUntilIdle()).isEqualTo(2);
        assertThat(h.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(h.toCompletionStage().toCompletableFuture().join()).isEqualTo(42);
        clock.advanceBy(Duration.ofSeconds(2));
        p.cancel();
        loop.runUntilIdle();
        assertThat(log).containsExactly("a", "p@500000000", "t1@1000000000", "p@1200000000", "p@1900000000", "t2@2000000000");
        LoopStats s = loop.stats();
        assertThat(s.isBalanced()).as(s.toString()).isTrue();
        assertThat(s.pendingTimers()).isZero();
        loop.close();
        assertThat(loop.isTerminated()).isTrue();
    }
}
