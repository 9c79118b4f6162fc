package io.github.enzoblain.async.reactive.metrics;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.Watermark;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class LoopSignalsTest {

    @Test
    void emitsHighWhenTheQueueFillsAndLowWhenItDrains() {
        LoopSignals signals = new LoopSignals();
        Loop loop = Loop.builder().watermarks(4, 1).listener(signals).build();
        List<WatermarkSignal> seen = new ArrayList<>();
        List<Boolean> stateAtSignal = new ArrayList<>();
        signals.signals().subscribe(s -> {
            seen.add(s);
            stateAtSignal.add(signals.isAboveHighWatermark());
        });
        for (int i = 0; i < 6; i++) {
            loop.execute(() -> { });
        }
        loop.runUntilIdle(); // takes the 6 in (depth 1..6: HIGH at 4), then runs them (LOW at 1)
        assertThat(seen).containsExactly(new WatermarkSignal(Watermark.HIGH, 4, 0),
                new WatermarkSignal(Watermark.LOW, 1, 1));
        assertThat(stateAtSignal).containsExactly(true, false);
        assertThat(signals.isAboveHighWatermark()).isFalse();

        loop.close();
        signals.complete();
        List<String> after = new ArrayList<>();
        signals.signals().subscribe(s -> after.add("next"), e -> after.add("error"), () -> after.add("complete"));
        assertThat(after).containsExactly("complete");
    }

    @Test
    void aPipelinePausesItsUpstreamAtHighAndResumesAtLow() {
        LoopSignals signals = new LoopSignals();
        Loop loop = Loop.builder().watermarks(8, 2).listener(signals).build();
        List<Integer> handled = new ArrayList<>();
        List<String> crossings = new ArrayList<>();
        signals.signals().subscribe(s -> crossings.add(s.mark() + "@" + s.queueDepth()));

        // each item fans out into 3 loop tasks; the upstream asks the loop before each item. It runs on the loop: it
        // starts in a task, and resumes inside the LOW callback (its submissions may cross HIGH again: trampolined)
        Flux<Integer> pipeline = Flux.range(0, 40)
                .concatMap(i -> signals.whenAccepting().thenReturn(i), 1)
                .doOnNext(i -> {
                    for (int k = 0; k < 3; k++) {
                        loop.execute(() -> handled.add(i));
                    }
                });
        loop.execute(() -> pipeline.subscribe());
        loop.runUntilIdle();

        assertThat(handled).hasSize(120);
        assertThat(handled).isSorted();
        assertThat(crossings).isNotEmpty();
        assertThat(IntStream.range(0, crossings.size()).mapToObj(n -> crossings.get(n).startsWith(n % 2 == 0 ? "HIGH" : "LOW")))
                .containsOnly(true); // paused and resumed, in turn
        assertThat(crossings.stream().filter(c -> c.startsWith("HIGH")).collect(Collectors.toList())).hasSizeGreaterThan(1);
        // the upstream stops at HIGH: the queue never grows past one more item's worth of tasks
        assertThat(loop.stats().peakQueueDepth()).isLessThanOrEqualTo(8 + 2);
        assertThat(loop.stats().isBalanced()).isTrue();
        loop.close();
    }

    @Test
    void whenAcceptingCompletesAtOnceBelowHighAndWaitsAboveIt() {
        LoopSignals signals = new LoopSignals();
        Loop loop = Loop.builder().watermarks(2, 0).listener(signals).build();
        List<String> log = new ArrayList<>();
        signals.whenAccepting().subscribe(null, null, () -> log.add("accepting-1"));
        assertThat(log).containsExactly("accepting-1");

        loop.execute(() -> {
            loop.execute(() -> log.add("a"));
            loop.execute(() -> log.add("b")); // depth 2: HIGH
            signals.whenAccepting().subscribe(null, null, () -> log.add("accepting-2"));
            log.add("after-subscribe");
        });
        loop.runUntilIdle();
        // LOW at depth 0: after "a" and "b" were taken off the queue ("b" is polled, then LOW, then "b" runs)
        assertThat(log).containsExactly("accepting-1", "after-subscribe", "a", "accepting-2", "b");
        loop.close();
    }
}
