package io.github.enzoblain.async.reactive.metrics;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopStats;
import io.github.enzoblain.async.core.trace.LatencyHistogram;
import io.github.enzoblain.async.core.trace.LoopMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Registers a loop's metrics with Micrometer, under the names Reactor uses for its timed schedulers
 * ({@code Micrometer.timedScheduler(scheduler, registry, prefix)} in reactor-core-micrometer), so loop dashboards and
 * scheduler dashboards line up. Micrometer is an optional dependency of this module: add {@code micrometer-core} to use
 * this class.
 *
 * <pre>{@code
 * LoopMetrics metrics = new LoopMetrics(clock);
 * Loop loop = Loop.builder().name("io").clock(clock).listener(metrics).build();
 * new LoopMeterBinder(loop, metrics).bindTo(registry);
 * }</pre>
 *
 * <p><b>Names</b> ({@code <prefix>} defaults to {@code "async"}; every meter is tagged {@code loop=<loop name>} plus the
 * tags given):
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>Reactor's meter</th><th>value</th></tr>
 *   <tr><td>{@code <prefix>.scheduler.tasks.submitted}, tag {@code submission.type} = {@code direct | delayed |
 *       periodic_initial | periodic_iteration}</td><td>function counter</td><td>same name, counter, same tag
 *       values</td><td>tasks submitted: to run now; with a delay; periodic (once each); re-runs of periodic tasks
 *       ({@code direct} is every other task {@link LoopStats#submitted()} counts, a task refused at the call included:
 *       the first three add up to it)</td></tr>
 *   <tr><td>{@code <prefix>.scheduler.tasks.completed}</td><td>function timer</td><td>same name, timer</td>
 *       <td>runs ended (success or failure) and their total run time</td></tr>
 *   <tr><td>{@code <prefix>.scheduler.tasks.active}</td><td>gauge</td><td>same name, long task timer</td>
 *       <td>tasks running (including spawned tasks awaiting their stage)</td></tr>
 *   <tr><td>{@code <prefix>.scheduler.tasks.pending}</td><td>gauge</td><td>same name, long task timer</td>
 *       <td>tasks waiting to run: the run queue plus the inbox from other threads (which may hold timers not yet
 *       armed)</td></tr>
 *   <tr><td>{@code <prefix>.scheduler.tasks.completed.percentile}, tag {@code phi}</td><td>gauges (seconds)</td>
 *       <td>the timer's client-side percentiles</td><td>run time at phi = 0.5, 0.9, 0.99, 0.999</td></tr>
 *   <tr><td>{@code <prefix>.scheduler.tasks.completed.max}</td><td>gauge (seconds)</td><td>the timer's max</td>
 *       <td>the longest run (since the start, not decaying)</td></tr>
 *   <tr><td>{@code <prefix>.scheduler.tasks.wait}</td><td>function timer</td><td>—</td>
 *       <td>queue waits (submission, or the timer's deadline, to start: one per run started) and their total</td></tr>
 *   <tr><td>{@code <prefix>.scheduler.tasks.wait.percentile} (tag {@code phi}), {@code .wait.max}</td>
 *       <td>gauges (seconds)</td><td>—</td><td>queue-wait percentiles and max</td></tr>
 *   <tr><td>{@code <prefix>.scheduler.tasks.failed}, {@code .cancelled}, {@code .rejected}</td><td>function
 *       counters</td><td>—</td><td>runs that threw; tasks cancelled; tasks rejected (also those refused at the
 *       caller): every task, tracked or not, from {@link LoopStats}</td></tr>
 *   <tr><td>{@code <prefix>.scheduler.timers.pending}</td><td>gauge</td><td>—</td><td>timers armed</td></tr>
 *   <tr><td>{@code <prefix>.scheduler.queue.peak}</td><td>gauge</td><td>—</td><td>largest run-queue depth seen</td></tr>
 *   <tr><td>{@code <prefix>.scheduler.watermark.crossings}, tag {@code mark} = {@code high | low}</td><td>function
 *       counter</td><td>—</td><td>backpressure signals</td></tr>
 *   <tr><td>{@code <prefix>.scheduler.listener.errors}</td><td>function counter</td><td>—</td><td>hook callbacks that
 *       threw</td></tr>
 * </table>
 *
 * <p><b>Differences from Reactor.</b> Reactor wraps every task to time it, so its {@code tasks.active} and
 * {@code tasks.pending} are long task timers. Here the loop's hooks already measure, and every meter is a function of
 * {@link LoopMetrics} or {@link Loop#stats()} read when the registry is scraped: nothing is recorded into Micrometer per
 * task. So {@code tasks.active} and {@code tasks.pending} are gauges (counts, no durations: the wait is in
 * {@code tasks.wait}), and {@code tasks.completed} is a function timer (count and total; its percentiles and max are the
 * separate gauges above). The default prefix is {@code async} rather than {@code reactor} so these meters never clash
 * with Reactor's own meters of other types under the same name.
 *
 * <p><b>Sampling.</b> The counts read the same whether the {@link LoopMetrics} times every task or a sample
 * ({@link LoopMetrics#LoopMetrics(io.github.enzoblain.async.core.time.Clock, int)}): {@code direct} and the counts of
 * {@code tasks.completed} and {@code tasks.wait} come from {@link Loop#stats()}, which counts every task; with a
 * sample, the totals of those two timers are the sample's mean times that count, and the percentiles and max are the
 * sample's. The sample is the loop's, one plain task in {@link Loop#trackingInterval()}: beside a listener that asks
 * for every task (a {@code TraceRecorder}), every run is timed and the totals are exact, whatever the
 * {@code LoopMetrics} asked for. One split is a sample's: a light timer
 * ({@link Loop#executeAfter(Runnable, java.time.Duration)}) counts as {@code delayed} only if the loop tracked it,
 * otherwise as {@code direct} (the loop does not count light timers apart from plain tasks, which would cost each of
 * them); {@code direct} plus {@code delayed} stays exact.
 *
 * <p><b>Concurrency.</b> {@link #bindTo} may be called from any thread. The meters read the loop's counters from the
 * scraping thread: the loop's own counters as the consistent snapshot its driver last published (see
 * {@link LoopStats}), the listener's as recent values (see {@link LoopMetrics}). Following Micrometer's convention,
 * the meters hold the loop and the metrics weakly: they read NaN once the loop is unreachable.
 */
public final class LoopMeterBinder implements MeterBinder {

    private static final double[] PERCENTILES = {0.5, 0.9, 0.99, 0.999};

    private final Loop loop;
    private final LoopMetrics metrics;
    private final String prefix;
    private final Tags tags;

    /** Binds {@code loop} (with {@code metrics} installed as one of its listeners) under the prefix {@code async}. */
    public LoopMeterBinder(Loop loop, LoopMetrics metrics) {
        this(loop, metrics, "async", Tags.empty());
    }

    /**
     * @param loop    the loop
     * @param metrics the {@link LoopMetrics} installed on {@code loop}
     * @param prefix  the first part of every meter name (Reactor's {@code metricsPrefix}), without a trailing dot
     * @param tags    extra tags on every meter
     */
    public LoopMeterBinder(Loop loop, LoopMetrics metrics, String prefix, Iterable<Tag> tags) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(prefix, "prefix");
        this.prefix = prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
        if (this.prefix.isEmpty()) {
            throw new IllegalArgumentException("prefix must not be empty");
        }
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags")).and("loop", loop.name());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String tasks = prefix + ".scheduler.tasks.";
        // direct: what the loop counted submitted and the metrics did not type as delayed or periodic, the same way
        // sampled or not (the loop's count is exact either way; see Sampling)
        LoopMetrics m = metrics;
        FunctionCounter.builder(tasks + "submitted", loop,
                        l -> Math.max(0, l.stats().submitted() - m.trackedSubmittedDelayed() - m.submittedPeriodic()))
                .tags(tags).tag("submission.type", "direct").description("Tasks submitted to the loop")
                .baseUnit("tasks").register(registry);
        submitted(registry, tasks, "delayed", LoopMetrics::trackedSubmittedDelayed);
        submitted(registry, tasks, "periodic_initial", LoopMetrics::submittedPeriodic);
        submitted(registry, tasks, "periodic_iteration", LoopMetrics::periodicIterations);

        distribution(registry, tasks + "completed", "Runs that ended, with their run time", LoopMetrics::runTime);
        distribution(registry, tasks + "wait", "Queue waits: submission (or deadline) to start", LoopMetrics::queueWait);

        gauge(registry, tasks + "active", "Tasks running", s -> s.running());
        gauge(registry, tasks + "pending", "Tasks waiting to run (run queue and inbox)", s -> s.queued() + s.inbox());
        statsCounter(registry, tasks + "failed", "Runs that threw", LoopStats::failedRuns);
        statsCounter(registry, tasks + "cancelled", "Tasks cancelled", LoopStats::cancelled);
        statsCounter(registry, tasks + "rejected", "Tasks rejected", LoopStats::rejected);
        gauge(registry, prefix + ".scheduler.timers.pending", "Timers armed", s -> s.pendingTimers());
        gauge(registry, prefix + ".scheduler.queue.peak", "Largest run-queue depth seen", s -> s.peakQueueDepth());
        statsCounter(registry, prefix + ".scheduler.listener.errors", "Hook callbacks that threw",
                LoopStats::listenerErrors);

        String crossings = prefix + ".scheduler.watermark.crossings";
        FunctionCounter.builder(crossings, metrics, LoopMetrics::highWatermarkCrossings).tags(tags).tag("mark", "high")
                .description("Run-queue depth reached the high watermark").register(registry);
        FunctionCounter.builder(crossings, metrics, LoopMetrics::lowWatermarkCrossings).tags(tags).tag("mark", "low")
                .description("Run-queue depth fell back to the low watermark").register(registry);
    }

    private void submitted(MeterRegistry registry, String tasks, String type, ToDoubleFunction<LoopMetrics> count) {
        FunctionCounter.builder(tasks + "submitted", metrics, count).tags(tags).tag("submission.type", type)
                .description("Tasks submitted to the loop").baseUnit("tasks").register(registry);
    }

    private void distribution(MeterRegistry registry, String name, String description,
                              java.util.function.Function<LoopMetrics, LatencyHistogram> histogram) {
        // the count is exact from the loop's stats, sampled or not: runs ended, or runs started (each waited once).
        // The timer's state is the loop (held weakly); the metrics it captures are the loop's listener, so they do
        // not keep it reachable
        LoopMetrics listener = metrics;
        boolean waits = name.endsWith(".wait");
        ToLongFunction<Loop> count = l -> {
            LoopStats s = l.stats();
            return waits ? s.started() : Math.max(0, s.started() - s.running());
        };
        ToDoubleFunction<Loop> total = l -> histogram.apply(listener).totalNanos();
        if (loop.trackingInterval() > 1) { // a sample, at the loop's interval: the total is estimated from its mean
            total = l -> {
                LatencyHistogram h = histogram.apply(listener);
                return h.count() == 0 ? 0 : (double) h.totalNanos() / h.count() * count.applyAsLong(l);
            };
        }
        FunctionTimer.builder(name, loop, count, total, TimeUnit.NANOSECONDS).tags(tags).description(description)
                .register(registry);
        for (double phi : PERCENTILES) {
            Gauge.builder(name + ".percentile", metrics, m -> seconds(histogram.apply(m).percentile(phi)))
                    .tags(tags).tag("phi", Double.toString(phi)).baseUnit("seconds")
                    .description(description + " (percentile, bucket upper bound)").register(registry);
        }
        Gauge.builder(name + ".max", metrics, m -> seconds(histogram.apply(m).max())).tags(tags)
                .baseUnit("seconds").description(description + " (max since start)").register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<LoopStats> value) {
        Gauge.builder(name, loop, l -> value.applyAsDouble(l.stats())).tags(tags).description(description)
                .register(registry);
    }

    private void statsCounter(MeterRegistry registry, String name, String description, ToLongFunction<LoopStats> value) {
        FunctionCounter.builder(name, loop, l -> value.applyAsLong(l.stats())).tags(tags).description(description)
                .register(registry);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
