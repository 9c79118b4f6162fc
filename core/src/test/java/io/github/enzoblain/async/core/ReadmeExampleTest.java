package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's core examples, verbatim, so that they keep compiling and doing what they say: every line of a README
 * Java block that uses no Reactor type is a line of this file (ReadmeReactiveExampleTest quotes the others).
 */
class ReadmeExampleTest {

    /** A type that only a Reactor example uses. */
    static final Pattern REACTOR = Pattern.compile("\\b(Flux|Mono|StepVerifier|LoopScheduler|TaskPublisher)\\b");

    @Test
    void readmeUsageExample() {
        VirtualClock clock = new VirtualClock();
        Loop loop = Loop.builder().name("orders").clock(clock).build();

        TaskHandle<String> greeting = loop.submit(() -> "hello");
        TaskHandle<Void> reminder = loop.schedule(() -> System.out.println("reminder at " + clock.nanoTime()),
                Duration.ofHours(2));
        loop.scheduleAtFixedRate(() -> System.out.println("tick"), Duration.ofMinutes(30), Duration.ofMinutes(30));

        loop.runUntilIdle();                       // runs the ready work on this thread
        greeting.toCompletionStage().thenAccept(System.out::println);
        clock.advanceBy(Duration.ofHours(3));      // fires every timer due on the way, in (deadline, sequence) order
        reminder.state();                          // COMPLETED
        loop.stats().isBalanced();                 // true: every task accounted for exactly once
        assertThat(reminder.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(loop.stats().isBalanced()).isTrue();
        loop.close();
        assertThat(loop.isTerminated()).isTrue();
    }

    @Test
    void readmeProductionExample() {
        Loop loop = Loop.create();
        try (LoopThread driver = LoopThread.start(loop)) {
            loop.submit(() -> "hello").toCompletionStage().thenAccept(System.out::println);
        }   // closes the loop gracefully, then the thread ends
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.stats().completed()).isEqualTo(1);
    }

    @Test
    void everyCoreSnippetOfTheReadmeIsQuotedHere() throws IOException {
        List<String> source = normalised(Files.readAllLines(
                Path.of("src/test/java/io/github/enzoblain/async/core/ReadmeExampleTest.java")));
        List<List<String>> blocks = javaBlocks(Files.readAllLines(Path.of("../README.md")));
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (List<String> block : blocks) {
            if (REACTOR.matcher(String.join("\n", block)).find()) {
                continue; // a Reactor example: ReadmeReactiveExampleTest quotes it
            }
            checked++;
            for (String line : normalised(block)) {
                if (!line.startsWith("import ") && !source.contains(line)) {
                    missing.add(line);
                }
            }
        }
        assertThat(checked).isEqualTo(2);
        assertThat(missing).as("README lines not quoted in this test").isEmpty();
    }

    /** The lines of each {@code ```java} block. */
    static List<List<String>> javaBlocks(List<String> markdown) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> block = null;
        for (String line : markdown) {
            if (block == null && line.strip().equals("```java")) {
                block = new ArrayList<>();
            } else if (block != null && line.strip().equals("```")) {
                blocks.add(block);
                block = null;
            } else if (block != null) {
                block.add(line);
            }
        }
        return blocks;
    }

    /** Non-blank lines, stripped, with runs of blanks made one. */
    static List<String> normalised(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            String s = line.strip().replaceAll("\\s+", " ");
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
