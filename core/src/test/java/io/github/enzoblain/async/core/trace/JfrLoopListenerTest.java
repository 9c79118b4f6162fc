package io.github.enzoblain.async.core.trace;

import io.github.enzoblain.async.core.Loop;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class JfrLoopListenerTest {

    private static final String P = "io.github.enzoblain.async.";

    @Test
    void recordsTaskRunsTimersWatermarksAndBusyPeriods(@TempDir Path dir) throws Exception {
        ManualClock clock = new ManualClock();
        Loop loop = Loop.builder().name("jfr-loop").clock(clock).watermarks(2, 0)
                .listener(new JfrLoopListener("jfr-loop", clock)).build();
        Path file = dir.resolve("loop.jfr");
        try (Recording recording = new Recording()) {
            for (String event : List.of("TaskRun", "TimerFired", "WatermarkCrossed", "LoopIdle", "LoopBusy")) {
                recording.enable(P + event).withoutStackTrace().withThreshold(Duration.ZERO);
            }
            recording.start();

            loop.execute(new LabelledTask("lane-a", () -> clock.advance(3_000))); // runs 3 us
            loop.execute(() -> clock.advance(1_000));                             // waits 3 us, runs 1 us
            loop.execute(() -> {
                throw new IllegalStateException("boom");
            });
            loop.schedule(() -> { }, Duration.ofNanos(10_000));
            loop.runUntilIdle();
            clock.advance(12_000); // the timer is due at 10 us: now 16 us, 6 us late
            loop.runUntilIdle();

            recording.stop();
            recording.dump(file);
        }
        loop.close();

        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith(P)).collect(Collectors.toList());
        List<RecordedEvent> runs = ofType(events, "TaskRun");
        assertThat(runs).hasSize(4);
        assertThat(runs).allSatisfy(e -> assertThat(e.getString("loop")).isEqualTo("jfr-loop"));
        RecordedEvent first = byRank(runs, 0);
        assertThat(first.getString("label")).isEqualTo("lane-a");
        assertThat(first.getString("outcome")).isEqualTo("success");
        assertThat(first.getDuration("queueWait")).isEqualTo(Duration.ZERO);
        assertThat(first.getDuration("runTime")).isEqualTo(Duration.ofNanos(3_000));
        RecordedEvent second = byRank(runs, 1);
        assertThat(second.getString("label")).isNull();
        assertThat(second.getDuration("queueWait")).isEqualTo(Duration.ofNanos(3_000));
        assertThat(second.getDuration("runTime")).isEqualTo(Duration.ofNanos(1_000));
        assertThat(byRank(runs, 2).getString("outcome")).isEqualTo("failure");
        RecordedEvent timerRun = byRank(runs, 3);
        assertThat(timerRun.getDuration("queueWait")).isEqualTo(Duration.ofNanos(6_000));

        List<RecordedEvent> timers = ofType(events, "TimerFired");
        assertThat(timers).hasSize(1);
        assertThat(timers.get(0).getLong("taskId")).isEqualTo(timerRun.getLong("taskId"));
        assertThat(timers.get(0).getDuration("lateness")).isEqualTo(Duration.ofNanos(6_000));
        assertThat(timers.get(0).getBoolean("periodic")).isFalse();

        // the tasks submitted from the test thread are taken in on the first step: HIGH at depth 2, LOW when drained
        assertThat(ofType(events, "WatermarkCrossed").stream()
                .map(e -> e.getString("mark") + "@" + e.getInt("queueDepth")).collect(Collectors.toList()))
                .containsExactly("HIGH@2", "LOW@0");
        List<RecordedEvent> busy = ofType(events, "LoopBusy");
        assertThat(busy.stream().map(e -> e.getLong("runs")).collect(Collectors.toList())).containsExactly(3L, 1L);
        assertThat(ofType(events, "LoopIdle")).hasSize(2);
    }

    @Test
    void disabledEventsAreNotCommittedAndTheLoopRunsAsUsual(@TempDir Path dir) throws Exception {
        ManualClock clock = new ManualClock();
        Loop loop = Loop.builder().clock(clock).listener(new JfrLoopListener("quiet", clock)).build();
        Path file = dir.resolve("quiet.jfr");
        try (Recording recording = new Recording()) {
            for (String event : List.of("TaskRun", "TimerFired", "WatermarkCrossed", "LoopIdle", "LoopBusy")) {
                recording.disable(P + event);
            }
            recording.enable("jdk.JVMInformation"); // the recording itself is on
            recording.start();
            for (int i = 0; i < 100; i++) {
                loop.execute(() -> clock.advance(1));
            }
            assertThat(loop.runUntilIdle()).isEqualTo(100);
            recording.stop();
            recording.dump(file);
        }
        assertThat(RecordingFile.readAllEvents(file))
                .noneMatch(e -> e.getEventType().getName().startsWith(P));
        assertThat(loop.stats().listenerErrors()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
        loop.close();
    }

    private static List<RecordedEvent> ofType(List<RecordedEvent> events, String type) {
        return events.stream().filter(e -> e.getEventType().getName().equals(P + type))
                .sorted((a, b) -> a.getStartTime().compareTo(b.getStartTime())).collect(Collectors.toList());
    }

    /** @return the run of the task submitted {@code rank}-th (ids grow in one thread's submission order) */
    private static RecordedEvent byRank(List<RecordedEvent> runs, int rank) {
        return runs.stream().sorted(Comparator.comparingLong(e -> e.getLong("taskId"))).skip(rank).findFirst()
                .orElseThrow();
    }
}
