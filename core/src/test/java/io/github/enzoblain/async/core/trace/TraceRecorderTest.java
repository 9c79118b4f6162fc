package io.github.enzoblain.async.core.trace;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.TaskHandle;
import io.github.enzoblain.async.core.VirtualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TraceRecorderTest {

    /** A virtual-time program touching every kind of event; returns the recorder after the run. */
    private static TraceRecorder virtualProgram() {
        VirtualClock clock = new VirtualClock();
        TraceRecorder trace = new TraceRecorder("trace-test", clock, 1024);
        Loop loop = Loop.builder().name("trace-test").clock(clock).watermarks(3, 1).listener(trace).build();

        loop.execute(new LabelledTask("worker-1", () -> { }));
        loop.execute(new LabelledTask("worker-2", () -> {
            for (int i = 0; i < 3; i++) {
                loop.execute(new LabelledTask("worker-2", () -> { })); // fills the queue to the high watermark
            }
        }));
        loop.submit(() -> 42);
        loop.execute(() -> {
            throw new IllegalStateException("boom");
        });
        loop.schedule(new LabelledTask("worker-1", () -> { }), Duration.ofMillis(1));
        TaskHandle<Void> periodic = loop.scheduleAtFixedRate(() -> { }, Duration.ofMillis(2), Duration.ofMillis(2));
        CompletableFuture<String> later = new CompletableFuture<>();
        loop.spawn(() -> later);
        loop.schedule(() -> later.complete("done"), Duration.ofMillis(3));
        loop.schedule(() -> { }, Duration.ofMillis(9)).cancel();

        clock.advanceBy(Duration.ofMillis(5));
        periodic.cancel();
        loop.close();
        assertThat(loop.stats().isBalanced()).isTrue();
        return trace;
    }

    @Test
    void sameVirtualTimeProgramExportsByteIdenticalFiles(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first.json");
        Path second = dir.resolve("second.json");
        virtualProgram().writeChromeTrace(first);
        virtualProgram().writeChromeTrace(second);
        assertThat(Files.size(first)).isGreaterThan(1000);
        assertThat(Files.mismatch(first, second)).isEqualTo(-1L);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        virtualProgram().writeChromeTrace(bytes);
        assertThat(bytes.toByteArray()).isEqualTo(Files.readAllBytes(first));
        assertThat(virtualProgram().toChromeTrace()).isEqualTo(Files.readString(first, StandardCharsets.UTF_8));
    }

    @Test
    void exportIsChromeTraceJsonWithWorkerTracksRunsAndQueueWaits() {
        TraceRecorder trace = virtualProgram();
        Map<String, Object> root = object(Json.parse(trace.toChromeTrace()));
        assertThat(object(root.get("otherData"))).containsEntry("dropped", new BigDecimal(0));
        List<Map<String, Object>> events = list(root.get("traceEvents"));

        Map<String, Integer> tracks = events.stream().filter(e -> "thread_name".equals(e.get("name")))
                .collect(Collectors.toMap(e -> (String) object(e.get("args")).get("name"), e -> tid(e)));
        assertThat(tracks).containsOnlyKeys("trace-test", "worker-1", "worker-2");
        assertThat(tracks.get("trace-test")).isEqualTo(1);

        List<Map<String, Object>> runs = events.stream().filter(e -> "X".equals(e.get("ph"))).collect(Collectors.toList());
        // worker-1 ran at 0 and (the timer) at 1 ms; worker-2 ran 4 times at 0
        assertThat(runs.stream().filter(e -> tid(e) == tracks.get("worker-1")).map(e -> micros(e.get("ts"))))
                .containsExactly("0.000", "1000.000");
        assertThat(runs.stream().filter(e -> tid(e) == tracks.get("worker-2"))).hasSize(4)
                .allSatisfy(e -> assertThat(e.get("name")).isEqualTo("worker-2"));
        assertThat(runs).allSatisfy(e -> {
            assertThat(e).containsKeys("ts", "dur", "pid", "tid", "cat");
            assertThat(micros(e.get("dur"))).isEqualTo("0.000"); // virtual time stands still while a task runs
        });
        List<String> outcomes = runs.stream().map(e -> (String) object(e.get("args")).get("outcome"))
                .collect(Collectors.toList());
        assertThat(outcomes).containsOnly("success", "failure");
        assertThat(outcomes.stream().filter("failure"::equals)).hasSize(1);
        // periodic runs at 2 and 4 ms on the loop's own track
        assertThat(runs.stream().filter(e -> tid(e) == 1 && "task".equals(e.get("name"))).map(e -> micros(e.get("ts"))))
                .contains("2000.000", "4000.000");

        // every run has a queue-wait span: a "b"/"e" pair in category "queue" with the same id
        List<Map<String, Object>> waits = events.stream().filter(e -> "queue".equals(e.get("cat")))
                .collect(Collectors.toList());
        long starts = trace.events().stream().filter(line -> line.contains(" start ")).count();
        assertThat(waits).hasSize((int) (2 * starts));
        for (int i = 0; i < waits.size(); i += 2) {
            assertThat(waits.get(i).get("ph")).isEqualTo("b");
            assertThat(waits.get(i + 1).get("ph")).isEqualTo("e");
            assertThat(waits.get(i + 1).get("id")).isEqualTo(waits.get(i).get("id"));
            assertThat((BigDecimal) waits.get(i + 1).get("ts")).isGreaterThanOrEqualTo((BigDecimal) waits.get(i).get("ts"));
        }

        // the spawned task waits for its stage from 0 to 3 ms: an async span, not an X slice
        List<Map<String, Object>> spawn = events.stream().filter(e -> "spawn".equals(e.get("cat")))
                .collect(Collectors.toList());
        assertThat(spawn).hasSize(2);
        assertThat(spawn.get(0)).containsEntry("ph", "b");
        assertThat(micros(spawn.get(0).get("ts"))).isEqualTo("0.000");
        assertThat(spawn.get(1)).containsEntry("ph", "e");
        assertThat(micros(spawn.get(1).get("ts"))).isEqualTo("3000.000");

        assertThat(events.stream().filter(e -> "watermark".equals(e.get("cat")))
                .map(e -> e.get("name") + "@" + object(e.get("args")).get("depth")))
                .containsExactly("watermark HIGH@3", "watermark LOW@1");
        assertThat(events.stream().filter(e -> "timer".equals(e.get("cat")))
                .map(e -> micros(e.get("ts")))).containsExactly("1000.000", "2000.000", "3000.000", "4000.000");
        assertThat(events.stream().filter(e -> "cancel".equals(e.get("cat")))).hasSize(2); // the 9 ms timer, the periodic
        assertThat(events.stream().filter(e -> "idle".equals(e.get("name")))).isNotEmpty();
    }

    @Test
    void queueWaitAndRunTimeOnAClockThatMoves() {
        ManualClock clock = new ManualClock();
        TraceRecorder trace = new TraceRecorder(clock, 64);
        Loop loop = Loop.builder().clock(clock).listener(trace).build();
        loop.execute(new LabelledTask("a", () -> clock.advance(1_500))); // runs 1.5 us
        loop.execute(new LabelledTask("b", () -> clock.advance(2_000_001))); // waits 1.5 us, runs 2000.001 us
        loop.runUntilIdle();

        List<Map<String, Object>> events = list(object(Json.parse(trace.toChromeTrace())).get("traceEvents"));
        List<String> runs = events.stream().filter(e -> "X".equals(e.get("ph")))
                .map(e -> e.get("name") + " " + micros(e.get("ts")) + "+" + micros(e.get("dur")))
                .collect(Collectors.toList());
        assertThat(runs).containsExactly("a 0.000+1.500", "b 1.500+2000.001");
        List<Object> flows = new ArrayList<>(); // the queue-wait flows' ids, by first appearance: "q" + the task's id
        List<String> waits = events.stream().filter(e -> "queue".equals(e.get("cat")))
                .map(e -> {
                    if (!flows.contains(e.get("id"))) {
                        flows.add(e.get("id"));
                    }
                    return e.get("ph") + " " + micros(e.get("ts")) + " flow" + flows.indexOf(e.get("id"));
                }).collect(Collectors.toList());
        assertThat(waits).containsExactly("b 0.000 flow0", "e 0.000 flow0", "b 0.000 flow1", "e 1.500 flow1");
        assertThat(flows).allSatisfy(id -> assertThat(id.toString()).matches("q\\d+"));
    }

    @Test
    void boundedRingDropsTheOldestAndCountsThem() {
        VirtualClock clock = new VirtualClock();
        TraceRecorder trace = new TraceRecorder(clock, 8);
        Loop loop = Loop.builder().clock(clock).listener(trace).build();
        for (int i = 0; i < 10; i++) {
            loop.execute(() -> { }); // submit + start + success each, then one idle
        }
        loop.runUntilIdle();
        assertThat(trace.recorded()).isEqualTo(31);
        assertThat(trace.dropped()).isEqualTo(23);
        List<String> kept = trace.events();
        assertThat(kept).hasSize(8);
        assertThat(kept.get(0)).startsWith("23 ");
        assertThat(kept.get(7)).startsWith("30 ").contains(" idle ");
        Map<String, Object> root = object(Json.parse(trace.toChromeTrace()));
        assertThat(object(root.get("otherData"))).containsEntry("dropped", new BigDecimal(23));
    }

    @Test
    void numbersAndStringsAreFormattedWithoutLocale() throws Exception {
        StringBuilder sb = new StringBuilder();
        TraceRecorder.micros(sb, 0);
        sb.append(' ');
        TraceRecorder.micros(sb, 1_234_567);
        sb.append(' ');
        TraceRecorder.micros(sb, -5);
        sb.append(' ');
        TraceRecorder.micros(sb, Long.MIN_VALUE);
        assertThat(sb.toString()).isEqualTo("0.000 1234.567 -0.005 -9223372036854775.808");
        StringBuilder s = new StringBuilder();
        TraceRecorder.string(s, "a\"b\\c\nd\u0001");
        assertThat(Json.parse(s.toString())).isEqualTo("a\"b\\c\nd\u0001");
        assertThatThrownBy(() -> new TraceRecorder(new VirtualClock(), 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void labelsBeyondTheLimitShareOneOtherTrack() {
        VirtualClock clock = new VirtualClock();
        TraceRecorder trace = new TraceRecorder("bounded", clock, 16);
        Loop loop = Loop.builder().clock(clock).listener(trace).build();
        for (int i = 0; i < 6000; i++) {
            loop.execute(new LabelledTask("lane-" + i, () -> { }));
            loop.runUntilIdle();
        }
        List<Map<String, Object>> events = list(object(Json.parse(trace.toChromeTrace())).get("traceEvents"));
        List<String> tracks = events.stream().filter(e -> "thread_name".equals(e.get("name")))
                .map(e -> (String) object(e.get("args")).get("name")).collect(Collectors.toList());
        // the recorder's own track, 4096 labels, then "other" for every later one
        assertThat(tracks).hasSize(4098);
        assertThat(tracks.get(4096)).isEqualTo("lane-4095");
        assertThat(tracks.get(4097)).isEqualTo("other");
        assertThat(trace.events().stream().filter(line -> !line.contains(" idle ")))
                .isNotEmpty().allSatisfy(line -> assertThat(line).endsWith(" other"));
    }

    @Test
    void labelsWithQuotesControlAndNonBmpCharactersExportAsValidJson() {
        VirtualClock clock = new VirtualClock();
        String[] labels = {"q\"uote", "back\\slash", "ctl\u0000\u001f\u007f\b\f", "emoji \uD83D\uDE00 done",
                "line\u2028sep", "tab\tnl\ncr\r", "</script>"};
        TraceRecorder trace = new TraceRecorder("name \"x\" \\ \uD83D\uDE80", clock, 256);
        Loop loop = Loop.builder().clock(clock).listener(trace).build();
        for (String label : labels) {
            loop.execute(new LabelledTask(label, () -> { }));
        }
        loop.runUntilIdle();
        Map<String, Object> root = object(Json.parse(trace.toChromeTrace()));
        assertThat(object(root.get("otherData")).get("recorder")).isEqualTo("name \"x\" \\ \uD83D\uDE80");
        List<String> tracks = list(root.get("traceEvents")).stream().filter(e -> "thread_name".equals(e.get("name")))
                .map(e -> (String) object(e.get("args")).get("name")).collect(Collectors.toList());
        assertThat(tracks).containsExactly(java.util.stream.Stream.concat(
                java.util.stream.Stream.of("name \"x\" \\ \uD83D\uDE80"), java.util.Arrays.stream(labels))
                .toArray(String[]::new));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            trace.writeChromeTrace(bytes);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat(new String(bytes.toByteArray(), StandardCharsets.UTF_8)).isEqualTo(trace.toChromeTrace());
    }

    @Test
    void aThrowingListenerBesideTheRecorderChangesNeitherItsTraceNorTheMetrics() {
        String[] traces = new String[2];
        String[] metrics = new String[2];
        for (int run = 0; run < 2; run++) {
            VirtualClock clock = new VirtualClock();
            TraceRecorder trace = new TraceRecorder("composed", clock, 1024);
            LoopMetrics m = new LoopMetrics(clock);
            Loop.Builder b = Loop.builder().name("composed").clock(clock).errorHandler(e -> { });
            if (run == 1) {
                b.listener(new io.github.enzoblain.async.core.LoopListener() {
                    @Override
                    public void onSubmit(TaskHandle<?> task) {
                        throw new IllegalStateException("first listener fails");
                    }

                    @Override
                    public void onStart(TaskHandle<?> task) {
                        throw new IllegalStateException("first listener fails");
                    }

                    @Override
                    public void onIdle() {
                        throw new IllegalStateException("first listener fails");
                    }
                });
            }
            Loop loop = b.listener(trace).listener(m).build();
            for (int i = 0; i < 5; i++) {
                loop.execute(new LabelledTask("w" + (i % 2), () -> { }));
            }
            loop.schedule(() -> { }, Duration.ofMillis(2));
            clock.advanceBy(Duration.ofMillis(3));
            loop.close();
            assertThat(loop.stats().listenerErrors()).isEqualTo(run == 0 ? 0 : 6 + 6 + trace.events().stream()
                    .filter(line -> line.contains(" idle ")).count());
            traces[run] = trace.toChromeTrace();
            metrics[run] = m.toString();
        }
        assertThat(traces[1]).isEqualTo(traces[0]);
        assertThat(metrics[1]).isEqualTo(metrics[0]);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return new ArrayList<>((List<Map<String, Object>>) o);
    }

    private static int tid(Map<String, Object> e) {
        return ((BigDecimal) e.get("tid")).intValueExact();
    }

    private static String micros(Object n) {
        return ((BigDecimal) n).setScale(3).toPlainString();
    }
}
