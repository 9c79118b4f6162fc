package io.github.enzoblain.async.reactive.metrics;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.TaskHandle;
import io.github.enzoblain.async.core.trace.LoopMetrics;
import io.github.enzoblain.async.core.time.Clock;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

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

    private static double counter(SimpleMeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    private static double gauge(SimpleMeterRegistry registry, String name) {
        return registry.get(name).gauge().value();
    }
}
