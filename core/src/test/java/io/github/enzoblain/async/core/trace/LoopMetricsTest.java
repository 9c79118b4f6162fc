package io.github.enzoblain.async.core.trace;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopListener;
import io.github.enzoblain.async.core.TaskHandle;
import io.github.enzoblain.async.core.queue.RunQueues;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

import static io.github.enzoblain.async.core.trace.LatencyHistogramTest.assertWithinBucket;
import static org.assertj.core.api.Assertions.assertThat;

class LoopMetricsTest {

    private static final long MS = 1_000_000;

    @Test
    void runTimesAndQueueWaitsOfKnownDurations() {
        ManualClock clock = new ManualClock();
        LoopMetrics metrics = new LoopMetrics(clock);
        Loop loop = Loop.builder().clock(clock).listener(metrics).build();
        for (int i = 1; i <= 10; i++) {
            long runs = i * MS;
            loop.execute(() -> clock.advance(runs)); // task i runs i ms, all submitted at 0
        }
        assertThat(loop.runUntilIdle()).isEqualTo(10);

        assertThat(metrics.trackedSubmitted()).isEqualTo(10);
        assertThat(metrics.trackedSubmittedDirect()).isEqualTo(10);
        assertThat(metrics.trackedStarted()).isEqualTo(10);
        assertThat(metrics.trackedSucceeded()).isEqualTo(10);
        assertThat(metrics.trackedCompletedRuns()).isEqualTo(10);
        assertThat(metrics.trackedFailed()).isZero();
        assertThat(metrics.idleTransitions()).isEqualTo(1);

        LatencyHistogram run = metrics.runTime();
        assertThat(run.count()).isEqualTo(10);
        assertThat(run.totalNanos()).isEqualTo(55 * MS);
        assertThat(run.max()).isEqualTo(10 * MS);
        assertWithinBucket(run.percentile(0.5), 5 * MS);
        assertWithinBucket(run.percentile(0.9), 9 * MS);
        assertThat(run.percentile(1)).isEqualTo(10 * MS);

        // task i starts after tasks 1..i-1: waits 0, 1, 3, 6, 10, 15, 21, 28, 36, 45 ms
        LatencyHistogram wait = metrics.queueWait();
        assertThat(wait.count()).isEqualTo(10);
        assertThat(wait.totalNanos()).isEqualTo(165 * MS);
        assertThat(wait.max()).isEqualTo(45 * MS);
        assertThat(wait.percentile(0.1)).isZero();
        assertWithinBucket(wait.percentile(0.5), 10 * MS);
        assertWithinBucket(wait.percentile(0.8), 28 * MS);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void countsEveryKindOfEvent() {
        ManualClock clock = new ManualClock();
        LoopMetrics metrics = new LoopMetrics(clock);
        Loop loop = Loop.builder().clock(clock).listener(metrics).build();

        loop.submit(() -> 1);
        loop.execute(() -> {
            throw new IllegalStateException("boom");
        });
        loop.schedule(() -> { }, Duration.ofMillis(100));
        TaskHandle<Void> periodic = loop.scheduleAtFixedRate(() -> { }, Duration.ofMillis(10), Duration.ofMillis(10));
        loop.schedule(() -> { }, Duration.ofMillis(50)).cancel();
        loop.runUntilIdle();

        clock.advance(105 * MS); // the one-shot timer is 5 ms late; the periodic one runs 10 times back to back
        loop.runUntilIdle();
        periodic.cancel();
        loop.runUntilIdle();

        assertThat(metrics.trackedSubmittedDirect()).isEqualTo(2);
        assertThat(metrics.trackedSubmittedDelayed()).isEqualTo(2);
        assertThat(metrics.submittedPeriodic()).isEqualTo(1);
        assertThat(metrics.trackedSubmitted()).isEqualTo(5);
        assertThat(metrics.trackedTimersFired()).isEqualTo(11);
        assertThat(metrics.periodicIterations()).isEqualTo(9);
        assertThat(metrics.trackedStarted()).isEqualTo(13);
        assertThat(metrics.trackedSucceeded()).isEqualTo(12);
        assertThat(metrics.trackedFailed()).isEqualTo(1);
        assertThat(metrics.trackedCancelled()).isEqualTo(2);
        assertThat(metrics.trackedRejected()).isZero();
        // queue waits of the timers: the one-shot 5 ms late, the periodic runs 95, 85, ... 5 ms late
        assertThat(metrics.queueWait().max()).isEqualTo(95 * MS);
        assertThat(metrics.queueWait().totalNanos()).isEqualTo((5 + 500) * MS);
        assertThat(loop.stats().started()).isEqualTo(metrics.trackedStarted());
        assertThat(loop.stats().cancelled()).isEqualTo(metrics.trackedCancelled());
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void rejectionsAndWatermarks() {
        ManualClock clock = new ManualClock();
        LoopMetrics metrics = new LoopMetrics(clock);
        Loop loop = Loop.builder().clock(clock).runQueue(RunQueues.boundedFifo(2)).watermarks(2, 0)
                .listener(metrics).build();
        int[] rejectedAtCall = new int[1];
        loop.execute(() -> {
            for (int i = 0; i < 3; i++) {
                try {
                    loop.execute(() -> { });
                } catch (RejectedExecutionException e) {
                    rejectedAtCall[0]++;
                }
            }
        });
        loop.runUntilIdle();
        assertThat(rejectedAtCall[0]).isEqualTo(1);
        assertThat(metrics.trackedRejected()).isEqualTo(1);
        assertThat(metrics.highWatermarkCrossings()).isEqualTo(1);
        assertThat(metrics.lowWatermarkCrossings()).isEqualTo(1);
        assertThat(metrics.trackedSubmitted()).isEqualTo(4);
        assertThat(metrics.trackedSucceeded()).isEqualTo(3);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aSampleIsTakenAtTheLoopsTrackingIntervalTheSmallestItsListenersAskFor() {
        assertThat(sampledRuns(new LoopMetrics(new ManualClock(), 4))).isEqualTo(3); // tasks 1, 5, 9 of 12
        assertThat(sampledRuns(new LoopMetrics(new ManualClock(), 4), interval(3))).isEqualTo(4); // 1, 4, 7, 10
        assertThat(sampledRuns(new LoopMetrics(new ManualClock(), 4), interval(1))).isEqualTo(12); // every one
        assertThat(sampledRuns(new LoopMetrics(new ManualClock(), 4), interval(8))).isEqualTo(3);
    }

    /** @return the runs of 12 plain tasks the metrics timed, on a loop with them and {@code others} */
    private static long sampledRuns(LoopMetrics metrics, LoopListener... others) {
        Loop.Builder b = Loop.builder().listener(metrics);
        int expected = metrics.sampleEvery();
        for (LoopListener other : others) {
            b.listener(other);
            expected = Math.min(expected, other.trackingInterval());
        }
        Loop loop = b.build();
        assertThat(loop.trackingInterval()).isEqualTo(expected);
        assertThat(metrics.sampleEvery()).isEqualTo(4); // what it asked for: the loop's interval says what it got
        for (int i = 0; i < 12; i++) {
            loop.execute(() -> { });
        }
        loop.runUntilIdle();
        assertThat(loop.stats().started()).isEqualTo(12);
        assertThat(metrics.queueWait().count()).isEqualTo(metrics.runTime().count());
        loop.close();
        return metrics.runTime().count();
    }

    private static LoopListener interval(int n) {
        return new LoopListener() {
            @Override
            public int trackingInterval() {
                return n;
            }
        };
    }

    @Test
    void aSampleCountsTheCancelsOfTrackedTasksOnlyAndTheLoopsStatsCountEveryOne() {
        ManualClock clock = new ManualClock();
        LoopMetrics metrics = new LoopMetrics(clock, 4);
        Loop loop = Loop.builder().clock(clock).listener(metrics).build();
        for (int i = 0; i < 8; i++) { // light timers 1 and 5 are tracked (TaskHandles), the 6 others are not
            io.github.enzoblain.async.core.Cancellable timer = loop.executeAfter(() -> { }, Duration.ofMillis(5));
            assertThat(timer instanceof TaskHandle).isEqualTo(i % 4 == 0);
            assertThat(timer.cancel()).isTrue();
        }
        loop.schedule(() -> { }, Duration.ofMillis(5)).cancel(); // a handle: always tracked
        loop.runUntilIdle();
        assertThat(metrics.trackedCancelled()).isEqualTo(3);
        assertThat(loop.stats().cancelled()).isEqualTo(9);

        loop.execute(() -> { // tracked: the 9th plain task or light timer
            for (int i = 0; i < 4; i++) {
                loop.execute(() -> { }); // the 4th is tracked, the 13th
            }
            assertThat(loop.shutdownNow()).hasSize(4); // never ran: cancelled
        });
        loop.runUntilIdle();
        assertThat(metrics.trackedCancelled()).isEqualTo(4);
        assertThat(loop.stats().cancelled()).isEqualTo(13);
        assertThat(metrics.trackedSubmitted()).isEqualTo(5); // 2 light timers, the schedule, 2 plain tasks
        assertThat(loop.stats().submitted()).isEqualTo(14);
        assertThat(loop.stats().isBalanced()).isTrue();
        assertThat(metrics.toString()).startsWith("LoopMetrics[tracked: submitted=5,");
    }

    @Test
    void aLoopWithoutListenersTracksNothing() {
        assertThat(Loop.create().trackingInterval()).isZero();
    }

    @Test
    void countsAgreeWithLoopStatsUnderEvictionCancelSpawnAndShutdownNow() throws Exception {
        ManualClock clock = new ManualClock();
        LoopMetrics metrics = new LoopMetrics(clock);
        TraceRecorder trace = new TraceRecorder(clock, 1 << 12);
        java.util.List<Throwable> errors = new java.util.ArrayList<>();
        Loop loop = Loop.builder().clock(clock).runQueue(RunQueues.boundedFifo(2))
                .admission(io.github.enzoblain.async.core.queue.AdmissionPolicy.dropOldest())
                .errorHandler(errors::add).listener(metrics).listener(trace).build();
        loop.submit(() -> 1);
        loop.submit(() -> 2);
        loop.submit(() -> 3); // evicts the first
        loop.runUntilIdle();
        java.util.concurrent.CompletableFuture<String> stage = new java.util.concurrent.CompletableFuture<>();
        loop.spawn(() -> stage);
        TaskHandle<Void> far = loop.schedule(() -> { }, Duration.ofMillis(50));
        loop.runUntilIdle();
        Thread other = new Thread(() -> far.cancel()); // cancelled from another thread
        other.start();
        other.join();
        stage.complete("x");
        loop.runUntilIdle();
        loop.scheduleAtFixedRate(() -> { }, Duration.ofMillis(1), Duration.ofMillis(1));
        loop.schedule(() -> { }, Duration.ofMillis(100));
        clock.advance(3 * MS);
        loop.runUntilIdle();
        loop.submit(() -> 4);
        assertThat(loop.shutdownNow()).hasSize(3); // the queued task, the periodic and the one-shot timers

        var stats = loop.stats();
        assertThat(stats.isBalanced()).isTrue();
        assertThat(metrics.trackedSubmitted()).isEqualTo(stats.submitted());
        assertThat(metrics.trackedStarted()).isEqualTo(stats.started());
        assertThat(metrics.trackedCancelled()).isEqualTo(stats.cancelled());
        assertThat(metrics.trackedRejected()).isEqualTo(stats.rejected()).isEqualTo(1);
        assertThat(metrics.trackedFailed()).isEqualTo(stats.failedRuns());
        assertThat(metrics.trackedSucceeded()).isEqualTo(stats.completed() + 3); // the periodic task ran 3 times, then was cancelled
        long cancelEvents = trace.events().stream().filter(line -> line.contains(" cancel ")).count();
        assertThat(cancelEvents).isEqualTo(stats.cancelled());
        assertThat(errors).isEmpty();
    }

    @Test
    void readersOnAnotherThreadSeeEachCounterGrowWhileALoopThreadRuns() throws Exception {
        LoopMetrics metrics = new LoopMetrics(io.github.enzoblain.async.core.time.Clock.system());
        Loop loop = Loop.builder().listener(metrics).build();
        int tasks = 200_000;
        long[] lastSeen = new long[4];
        Throwable[] readerError = new Throwable[1];
        Thread reader = new Thread(() -> {
            try {
                for (int n = 0; n < 100_000; n++) {
                    long[] now = {metrics.trackedSubmitted(), metrics.trackedStarted(), metrics.trackedSucceeded(), metrics.runTime().count()};
                    for (int k = 0; k < now.length; k++) {
                        assertThat(now[k]).isGreaterThanOrEqualTo(lastSeen[k]).isLessThanOrEqualTo(tasks);
                        lastSeen[k] = now[k];
                    }
                    assertThat(metrics.runTime().percentile(0.99)).isGreaterThanOrEqualTo(0);
                }
            } catch (Throwable e) {
                readerError[0] = e;
            }
        });
        long accepted = 0;
        try (io.github.enzoblain.async.core.LoopThread driver = io.github.enzoblain.async.core.LoopThread.start(loop)) {
            reader.start();
            while (accepted < tasks) {
                try {
                    loop.execute(() -> { });
                    accepted++;
                } catch (RejectedExecutionException full) { // the inbox is full: let the driver catch up
                    Thread.onSpinWait();
                }
            }
            reader.join();
        }
        assertThat(readerError[0]).isNull();
        assertThat(loop.awaitTermination(Duration.ofSeconds(30))).isTrue();
        assertThat(metrics.trackedSubmitted()).isEqualTo(tasks);
        assertThat(metrics.trackedStarted()).isEqualTo(tasks);
        assertThat(metrics.trackedSucceeded()).isEqualTo(tasks);
        assertThat(metrics.runTime().count()).isEqualTo(tasks);
        assertThat(metrics.queueWait().count()).isEqualTo(tasks);
        assertThat(loop.stats().completed()).isEqualTo(tasks);
    }
}
