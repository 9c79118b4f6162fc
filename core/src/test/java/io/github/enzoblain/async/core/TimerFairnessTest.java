package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.time.Clock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Due timers go before queued tasks, but never starve them: after {@link 64} timers in a row while tasks
 * wait, up to as many queued tasks run, then timers go first again. On a clock the test moves by hand (and a task
 * moves, to be late), driven with {@code runOnce} and {@code runUntilIdle}.
 */
class TimerFairnessTest {

    private static final int SHARE = Loop.FAIR_SHARE;

    private long now;
    private final Clock clock = () -> now;
    private final Loop loop = Loop.builder().clock(clock).build();
    private final List<String> log = new ArrayList<>();

    @Test
    void aFloodOfDueTimersAndQueuedTasksTakeTurnsOfTheFairShare() {
        int timers = 2 * SHARE + 10;
        int tasks = SHARE + 20;
        for (int i = 0; i < timers; i++) {
            String name = "t" + i;
            loop.executeAfter(() -> log.add(name), 1, TimeUnit.MILLISECONDS);
        }
        for (int i = 0; i < tasks; i++) {
            String name = "q" + i;
            loop.execute(() -> log.add(name));
        }
        now = TimeUnit.MILLISECONDS.toNanos(1); // every timer due, every task queued

        assertThat(loop.runUntilIdle()).isEqualTo(timers + tasks);

        List<String> expected = new ArrayList<>();
        range(expected, "t", 0, SHARE);
        range(expected, "q", 0, SHARE);
        range(expected, "t", SHARE, 2 * SHARE);
        range(expected, "q", SHARE, tasks); // fewer than a share left: the queue empties
        range(expected, "t", 2 * SHARE, timers);
        assertThat(log).containsExactlyElementsOf(expected);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aFewDueTimersStillRunBeforeEveryQueuedTask() {
        for (int i = 0; i < 3; i++) {
            String name = "t" + i;
            loop.schedule(() -> log.add(name), Duration.ofMillis(1));
        }
        for (int i = 0; i < 3; i++) {
            String name = "q" + i;
            loop.execute(() -> log.add(name));
        }
        now = TimeUnit.MILLISECONDS.toNanos(1);
        loop.runUntilIdle();
        assertThat(log).containsExactly("t0", "t1", "t2", "q0", "q1", "q2");
    }

    @Test
    void aFixedRateTaskLateByMoreThanItsPeriodLetsQueuedTasksRun() {
        TaskHandle<Void> rate = loop.scheduleAtFixedRate(() -> {
            log.add("rate");
            now += TimeUnit.MILLISECONDS.toNanos(2); // each run takes two periods: it is always due again
        }, Duration.ofMillis(1), Duration.ofMillis(1));
        now = TimeUnit.MILLISECONDS.toNanos(1);
        TaskHandle<String> queued = loop.submit(() -> {
            log.add("queued");
            return "ran";
        });

        int steps = 0;
        while (!queued.isDone() && steps < 10 * SHARE) { // bounded: a starved queue fails here, not by hanging
            assertThat(loop.runOnce()).isTrue();
            steps++;
        }

        assertThat(steps).isEqualTo(SHARE + 1);
        assertThat(log).hasSize(SHARE + 1).endsWith("queued");
        assertThat(queued.toCompletionStage().toCompletableFuture().join()).isEqualTo("ran");
        for (int i = 0; i < SHARE; i++) { // and the late task goes on
            assertThat(loop.runOnce()).isTrue();
        }
        assertThat(log).hasSize(2 * SHARE + 1);
        assertThat(rate.state()).isEqualTo(TaskState.PENDING);
        rate.cancel();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aTimerThatRearmsItselfAtOnceLetsQueuedTasksRun() {
        Runnable[] again = new Runnable[1];
        again[0] = () -> {
            log.add("again");
            loop.executeAfter(again[0], 0, TimeUnit.NANOSECONDS); // due at once, for ever
        };
        loop.executeAfter(again[0], 0, TimeUnit.NANOSECONDS);
        for (int i = 0; i < 2; i++) {
            String name = "q" + i;
            loop.execute(() -> log.add(name));
        }

        for (int i = 0; i < 2 * SHARE + 2; i++) {
            assertThat(loop.runOnce()).isTrue();
        }

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < SHARE; i++) {
            expected.add("again");
        }
        expected.add("q0");
        expected.add("q1");
        for (int i = 0; i < SHARE; i++) {
            expected.add("again");
        }
        assertThat(log).containsExactlyElementsOf(expected);
        loop.shutdownNow();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    private static void range(List<String> into, String prefix, int from, int to) {
        for (int i = from; i < to; i++) {
            into.add(prefix + i);
        }
    }
}
