package io.github.enzoblain.async.reactive.metrics;

import io.github.enzoblain.async.core.Cancellable;
import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopListener;
import io.github.enzoblain.async.core.TaskHandle;
import io.github.enzoblain.async.core.queue.RunQueues;
import io.github.enzoblain.async.core.trace.LoopMetrics;
import io.github.enzoblain.async.core.time.Clock;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoopMeterBinderTest {

    private static final long MS = 1_000_000;

    @Test
    void registersReactorStyleSchedulerMetersWithTheLoopsValues() {
        long[] now = {0};
        Clock clock = () -> now[0]; // moved by the tasks themselves, on the driver thread
        LoopMetrics metrics = new LoopMetrics(clock);
        Loop loop = Loop.builder().name("io").clock(clock).watermarks(3, 0).listener(metrics).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new LoopMeterBinder(loop, metrics, "test.", Tags.of("app", "demo")).bindTo(registry);

        double[] seenWhileRunning = new double[2];
        for (int i = 1; i <= 4; i++) {
            long runs = i * MS;
            loop.execute(() -> now[0] += runs); // 1, 2, 3, 4 ms
        }
        loop.execute(() -> {
            seenWhileRunning[0] = registry.get("test.scheduler.tasks.active").gauge().value();
            seenWhileRunning[1] = registry.get("test.scheduler.tasks.pending").gauge().value();
            throw new IllegalStateException("boom");
        });
        loop.schedule(() -> { }, Duration.ofMillis(50));
        TaskHandle<Void> periodic = loop.scheduleAtFixedRate(() -> { }, Duration.ofMillis(20), Duration.ofMillis(20));
        assertThat(registry.get("test.scheduler.tasks.pending").gauge().value()).isEqualTo(7); // all in the inbox, timers too
        loop.runUntilIdle();
        now[0] = 60 * MS; // timers: the one-shot at 50 (10 ms late), periodic at 20, 40, 60
        loop.runUntilIdle();
        periodic.cancel();
        loop.runUntilIdle();

        assertThat(seenWhileRunning).containsExactly(1, 0);
        assertThat(counter(registry, "test.scheduler.tasks.submitted", "submission.type", "direct")).isEqualTo(5);
        assertThat(counter(registry, "test.scheduler.tasks.submitted", "submission.type", "delayed")).isEqualTo(1);
        assertThat(counter(registry, "test.scheduler.tasks.submitted", "submission.type", "periodic_initial"))
                .isEqualTo(1);
        assertThat(counter(registry, "test.scheduler.tasks.submitted", "submission.type", "periodic_iteration"))
                .isEqualTo(2);

        FunctionTimer completed = registry.get("test.scheduler.tasks.completed").functionTimer();
        assertThat(completed.count()).isEqualTo(9); // 5 direct, 1 one-shot, 3 periodic runs
        assertThat(completed.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(10.0);
        assertThat(gauge(registry, "test.scheduler.tasks.completed.max")).isEqualTo(0.004);
        assertThat(registry.get("test.scheduler.tasks.completed.percentile").tag("phi", "0.5").gauge().value())
                .isZero(); // 5 of 9 runs took no time
        assertThat(registry.get("test.scheduler.tasks.completed.percentile").tag("phi", "0.9").gauge().value())
                .isEqualTo(0.004); // the 9th of 9 runs: 4 ms (a bucket bound, capped at the max)

        FunctionTimer wait = registry.get("test.scheduler.tasks.wait").functionTimer();
        assertThat(wait.count()).isEqualTo(9);
        // direct tasks wait 0, 1, 3, 6, 10 ms; the one-shot timer 10 ms late, the periodic runs 40, 20, 0 ms late
        assertThat(wait.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(90.0);
        assertThat(gauge(registry, "test.scheduler.tasks.wait.max")).isEqualTo(0.040);

        assertThat(counter(registry, "test.scheduler.tasks.failed")).isEqualTo(1);
        assertThat(counter(registry, "test.scheduler.tasks.cancelled")).isEqualTo(1);
        assertThat(counter(registry, "test.scheduler.tasks.rejected")).isZero();
        assertThat(gauge(registry, "test.scheduler.tasks.active")).isZero();
        assertThat(gauge(registry, "test.scheduler.tasks.pending")).isZero();
        assertThat(gauge(registry, "test.scheduler.timers.pending")).isZero();
        assertThat(gauge(registry, "test.scheduler.queue.peak")).isEqualTo(5);
        assertThat(counter(registry, "test.scheduler.watermark.crossings", "mark", "high")).isEqualTo(1);
        assertThat(counter(registry, "test.scheduler.watermark.crossings", "mark", "low")).isEqualTo(1);
        assertThat(counter(registry, "test.scheduler.listener.errors")).isZero();

        List<Meter> meters = registry.getMeters();
        assertThat(meters).allSatisfy(m -> {
            assertThat(m.getId().getName()).startsWith("test.scheduler.");
            assertThat(m.getId().getTag("loop")).isEqualTo("io");
            assertThat(m.getId().getTag("app")).isEqualTo("demo");
        });
        assertThat(meters.stream().map(m -> m.getId().getName()).distinct().sorted().collect(Collectors.toList()))
                .contains("test.scheduler.tasks.submitted", "test.scheduler.tasks.completed",
                        "test.scheduler.tasks.active", "test.scheduler.tasks.pending");
        loop.close();
    }

    @Test
    void defaultPrefixIsAsync() {
        Clock clock = Clock.system();
        LoopMetrics metrics = new LoopMetrics(clock);
        Loop loop = Loop.builder().clock(clock).listener(metrics).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new LoopMeterBinder(loop, metrics).bindTo(registry);
        loop.execute(() -> { });
        loop.runUntilIdle();
        assertThat(counter(registry, "async.scheduler.tasks.submitted", "submission.type", "direct")).isEqualTo(1);
        assertThat(registry.get("async.scheduler.tasks.completed").functionTimer().count()).isEqualTo(1);
        loop.close();
    }

    @Test
    void aSampledLoopMetricsStillReportsExactCountsAndAnEstimatedTotal() {
        long[] now = {0};
        Clock clock = () -> now[0];
        LoopMetrics metrics = new LoopMetrics(clock, 4); // times one plain task in four
        Loop loop = Loop.builder().clock(clock).listener(metrics).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new LoopMeterBinder(loop, metrics).bindTo(registry);
        for (int i = 0; i < 8; i++) {
            loop.execute(() -> now[0] += 2 * MS); // every run takes 2 ms
        }
        loop.schedule(() -> now[0] += 2 * MS, Duration.ZERO); // with a handle: always timed
        loop.runUntilIdle();

        assertThat(metrics.runTime().count()).isEqualTo(3); // plain tasks 1 and 5, and the timer
        assertThat(counter(registry, "async.scheduler.tasks.submitted", "submission.type", "direct")).isEqualTo(8);
        assertThat(counter(registry, "async.scheduler.tasks.submitted", "submission.type", "delayed")).isEqualTo(1);
        FunctionTimer completed = registry.get("async.scheduler.tasks.completed").functionTimer();
        assertThat(completed.count()).isEqualTo(9);
        assertThat(completed.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(18.0); // sample mean 2 ms x 9 runs
        loop.close();
    }

    @Test
    void aSampledLoopMetricsBesideAListenerOfEveryTaskHasExactTotals() {
        long[] now = {0};
        Clock clock = () -> now[0];
        LoopMetrics metrics = new LoopMetrics(clock, 4);
        LoopListener everyTask = new LoopListener() { }; // asks for every task, as a trace does
        Loop loop = Loop.builder().clock(clock).listener(metrics).listener(everyTask).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new LoopMeterBinder(loop, metrics).bindTo(registry);
        for (long runs : new long[] {1, 2, 3, 4, 5, 6, 8}) { // 29 ns in 7 runs: 29 / 7 * 7 is not 29 in doubles
            loop.execute(() -> now[0] += runs);
        }
        loop.runUntilIdle();

        assertThat(loop.trackingInterval()).isEqualTo(1);
        assertThat(metrics.runTime().count()).isEqualTo(7); // every run timed, not one in 4
        FunctionTimer completed = registry.get("async.scheduler.tasks.completed").functionTimer();
        assertThat(completed.count()).isEqualTo(7);
        assertThat(completed.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(29.0); // the total, not an estimate
        FunctionTimer wait = registry.get("async.scheduler.tasks.wait").functionTimer();
        assertThat(wait.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(metrics.queueWait().totalNanos());
        loop.close();
    }

    @Test
    void theExactMetersReadTheSameSampledOrNot() {
        Map<String, Double> every = exactMetersAfterTheSameWork(1, false);
        Map<String, Double> sampled = exactMetersAfterTheSameWork(4, false);
        assertThat(sampled).isEqualTo(every);
        // 13 plain tasks (4 refused by the full queue on the driver), a submit, a task refused by the closed loop
        assertThat(every.get("submitted.direct")).isEqualTo(15);
        assertThat(every.get("submitted.delayed")).isEqualTo(2);
        // runs: the first task, the 8 it queued, the submit, the one-shot timer, the periodic task twice
        assertThat(every.get("completed.count")).isEqualTo(13);
        assertThat(every.get("wait.count")).isEqualTo(13);
        assertThat(every.get("rejected")).isEqualTo(5);
        assertThat(every.get("cancelled")).isEqualTo(2); // a one-shot timer and the periodic task
    }

    @Test
    void withLightTimersTheSampledSplitOfDirectAndDelayedDiffersButNotTheirSum() {
        Map<String, Double> every = exactMetersAfterTheSameWork(1, true);
        Map<String, Double> sampled = exactMetersAfterTheSameWork(4, true);
        // the loop does not count light timers apart from plain tasks (that would cost each of them): untracked
        // ones, 5 of the 6 here (the first plain task of every 4 is tracked, counted across execute and
        // executeAfter), show as direct
        assertThat(every.get("submitted.delayed")).isEqualTo(8);
        assertThat(sampled.get("submitted.delayed")).isEqualTo(3);
        assertThat(sampled.get("submitted.direct") + sampled.get("submitted.delayed"))
                .isEqualTo(every.get("submitted.direct") + every.get("submitted.delayed")).isEqualTo(23);
        every.keySet().removeAll(List.of("submitted.direct", "submitted.delayed"));
        sampled.keySet().removeAll(List.of("submitted.direct", "submitted.delayed"));
        assertThat(sampled).isEqualTo(every);
        assertThat(every.get("cancelled")).isEqualTo(5); // and 3 light timers, counted by the loop either way
    }

    /**
     * The same work on a loop whose {@link LoopMetrics} times one plain task in {@code sampleEvery}: plain tasks (some
     * refused by a full bounded queue), a failing submit, one-shot timers (one cancelled), a periodic task, optionally
     * light timers (some cancelled), and a submission refused by the closed loop. Every run takes 1 ms.
     *
     * @return the meters meant to be exact, by short name
     */
    private static Map<String, Double> exactMetersAfterTheSameWork(int sampleEvery, boolean lightTimers) {
        long[] now = {0};
        Clock clock = () -> now[0];
        LoopMetrics metrics = new LoopMetrics(clock, sampleEvery);
        Loop loop = Loop.builder().clock(clock).runQueue(RunQueues.boundedFifo(8)).watermarks(6, 2)
                .listener(metrics).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new LoopMeterBinder(loop, metrics).bindTo(registry);
        loop.execute(() -> {
            now[0] += MS;
            for (int i = 0; i < 12; i++) { // the queue takes 8, then refuses at the call
                try {
                    loop.execute(() -> now[0] += MS);
                } catch (RejectedExecutionException expected) {
                    // counted rejected (and submitted) by the loop
                }
            }
        });
        loop.runUntilIdle();
        if (lightTimers) {
            for (int i = 0; i < 6; i++) {
                Cancellable c = loop.executeAfter(() -> now[0] += MS, Duration.ofMillis(5));
                if (i % 2 == 0) {
                    c.cancel();
                }
            }
        }
        loop.submit(() -> {
            now[0] += MS;
            throw new IllegalStateException("boom");
        });
        loop.schedule(() -> { }, Duration.ofMillis(3)).cancel();
        loop.schedule(() -> now[0] += MS, Duration.ofMillis(3));
        TaskHandle<Void> periodic = loop.scheduleAtFixedRate(() -> now[0] += MS, Duration.ofMillis(2),
                Duration.ofMillis(50));
        loop.runUntilIdle();
        now[0] = 60 * MS; // the one-shot timers are due, the periodic task twice
        loop.runUntilIdle();
        periodic.cancel();
        loop.runUntilIdle();
        loop.close();
        assertThatThrownBy(() -> loop.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        assertThat(loop.stats().isBalanced()).isTrue();

        Map<String, Double> exact = new TreeMap<>();
        for (String type : new String[] {"direct", "delayed", "periodic_initial", "periodic_iteration"}) {
            exact.put("submitted." + type.replace("periodic_", "periodic."),
                    counter(registry, "async.scheduler.tasks.submitted", "submission.type", type));
        }
        exact.put("completed.count", (double) registry.get("async.scheduler.tasks.completed").functionTimer().count());
        exact.put("wait.count", (double) registry.get("async.scheduler.tasks.wait").functionTimer().count());
        exact.put("completed.max", gauge(registry, "async.scheduler.tasks.completed.max")); // every run took 1 ms
        for (String name : new String[] {"failed", "cancelled", "rejected"}) {
            exact.put(name, counter(registry, "async.scheduler.tasks." + name));
        }
        for (String name : new String[] {"tasks.active", "tasks.pending", "timers.pending", "queue.peak"}) {
            exact.put(name, gauge(registry, "async.scheduler." + name));
        }
        exact.put("watermark.high", counter(registry, "async.scheduler.watermark.crossings", "mark", "high"));
        exact.put("watermark.low", counter(registry, "async.scheduler.watermark.crossings", "mark", "low"));
        exact.put("listener.errors", counter(registry, "async.scheduler.listener.errors"));
        return exact;
    }

    private static double counter(SimpleMeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    private static double gauge(SimpleMeterRegistry registry, String name) {
        return registry.get(name).gauge().value();
    }
}
