package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's usage example, verbatim, so that it keeps compiling and doing what it says. */
class ReadmeExampleTest {

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
        assertThat(reminder.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(loop.stats().isBalanced()).isTrue();
        loop.close();
        assertThat(loop.isTerminated()).isTrue();
    }
}
