package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.VirtualClock;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's Reactor examples, verbatim, so that they keep compiling and doing what they say: every line of a README
 * Java block that uses a Reactor type is a line of this file (core's ReadmeExampleTest quotes the others).
 */
class ReadmeReactiveExampleTest {

    /** A type that only a Reactor example uses (the same pattern as core's ReadmeExampleTest). */
    private static final Pattern REACTOR =
            Pattern.compile("\\b(Flux|Mono|StepVerifier|LoopScheduler|TaskPublisher)\\b");

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

    @Test
    void everyReactorSnippetOfTheReadmeIsQuotedHere() throws IOException {
        List<String> source = new ArrayList<>();
        for (String line : Files.readAllLines(
                Path.of("src/test/java/io/github/enzoblain/async/reactive/ReadmeReactiveExampleTest.java"))) {
            source.add(normalised(line));
        }
        List<String> missing = new ArrayList<>();
        int checked = 0;
        List<String> block = null;
        for (String line : Files.readAllLines(Path.of("../README.md"))) {
            if (block == null && line.strip().equals("```java")) {
                block = new ArrayList<>();
            } else if (block != null && line.strip().equals("```")) {
                if (REACTOR.matcher(String.join("\n", block)).find()) {
                    checked++;
                    for (String quoted : block) {
                        String q = normalised(quoted);
                        if (!q.isEmpty() && !q.startsWith("import ") && !source.contains(q)) {
                            missing.add(q);
                        }
                    }
                }
                block = null;
            } else if (block != null) {
                block.add(line);
            }
        }
        assertThat(checked).isEqualTo(2);
        assertThat(missing).as("README lines not quoted in this test").isEmpty();
    }

    /** Stripped, with runs of blanks made one. */
    private static String normalised(String line) {
        return line.strip().replaceAll("\\s+", " ");
    }
}
