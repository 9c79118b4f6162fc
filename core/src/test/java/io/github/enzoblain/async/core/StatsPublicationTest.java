package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * How {@link Loop#stats()} reaches other threads: live on the driver thread, a published snapshot elsewhere that is
 * consistent (balanced) even while the loop is busy, up to date once the driver stops or goes idle, and renewed while
 * it stays busy.
 *
 * <p><b>Concurrency.</b> The loop runs on a {@link LoopThread}; the test thread and an observer thread read
 * {@code stats()} while it runs. Progress is awaited with latches, or by watching the published counters themselves
 * (what is under test) against a deadline; nothing sleeps.
 */
class StatsPublicationTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Test
    void aTaskSeesLiveCountsIncludingItself() {
        Loop loop = Loop.create();
        List<LoopStats> seen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            loop.execute(() -> seen.add(loop.stats()));
        }
        loop.runUntilIdle();
        assertThat(seen).extracting(LoopStats::started).containsExactly(1L, 2L, 3L);
        assertThat(seen).extracting(LoopStats::completed).containsExactly(0L, 1L, 2L);
        assertThat(seen).extracting(LoopStats::running).containsExactly(1L, 1L, 1L);
        assertThat(seen).extracting(LoopStats::queued).containsExactly(2L, 1L, 0L);
        assertThat(seen).allMatch(LoopStats::isBalanced);
        loop.close();
    }

    /**
     * What a task, the error handler or a listener reads in the middle of a batch, against a model of the counts: every
     * task (plain or with a handle, succeeding or throwing, in a seeded random mix), every error the handler gets, and
     * the low-watermark event (signalled between a task's poll and its start: that task counts as queued then) each
     * see the counts as of that moment, balanced.
     */
    @Test
    void countsReadInsideABatchMatchAModel() {
        SplittableRandom random = new SplittableRandom(2026);
        List<String> seen = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        Loop[] loop = new Loop[1];
        loop[0] = Loop.builder().name("counts")
                .watermarks(400, 100)
                .errorHandler(e -> seen.add("error " + e.getMessage() + " " + counts(loop[0].stats())))
                .listener(new LoopListener() {
                    @Override
                    public void onWatermark(Watermark mark, int depth) {
                        if (mark == Watermark.LOW) {
                            seen.add("low " + counts(loop[0].stats()));
                        }
                    }

                    @Override
                    public int trackingInterval() {
                        return Integer.MAX_VALUE; // plain tasks stay plain (but the first), so batches run them
                    }
                })
                .build();
        int tasks = 1_000;
        long started = 0;
        long completed = 0;
        long failed = 0;
        for (int i = 0; i < tasks; i++) {
            int kind = i == 0 ? 0 : random.nextInt(10); // 0-5 plain success, 6 plain failure, 7-8 handle, 9 handle failure
            String name = "task " + i;
            Runnable body = kind == 6 || kind == 9
                    ? () -> {
                        seen.add(name + " " + counts(loop[0].stats()));
                        throw new IllegalStateException(name);
                    }
                    : () -> seen.add(name + " " + counts(loop[0].stats()));
            if (kind >= 7) {
                loop[0].submit(body);
            } else {
                loop[0].execute(body);
            }
            int depthAfterPoll = tasks - i - 1;
            if (depthAfterPoll == 100) {
                expected.add("low " + counts(started, completed, failed, 0)); // polled, not started yet
            }
            started++;
            expected.add(name + " " + counts(started, completed, failed, 1));
            if (kind == 6 || kind == 9) {
                failed++;
                if (kind == 6) {
                    expected.add("error " + name + " " + counts(started, completed, failed, 0));
                }
            } else {
                completed++;
            }
        }
        assertThat(loop[0].runUntilIdle()).isEqualTo(tasks);
        assertThat(seen).isEqualTo(expected);
        LoopStats end = loop[0].stats();
        assertThat(counts(end)).isEqualTo(counts(started, completed, failed, 0));
        assertThat(end.isBalanced()).isTrue();
        loop[0].close();
    }

    /**
     * The low watermark can also be crossed by a drain inside a running task ({@code shutdownNow()} on the driver, from
     * a task in a batch): a listener reading the stats then finds that task running, and the counts balanced.
     */
    @Test
    void aDrainInsideABatchedTaskLeavesThatTaskRunningInTheCounts() {
        List<LoopStats> atLow = new ArrayList<>();
        List<Runnable> neverRan = new ArrayList<>();
        Loop[] loop = new Loop[1];
        loop[0] = Loop.builder().name("drain").watermarks(50, 10)
                .listener(new LoopListener() {
                    @Override
                    public void onWatermark(Watermark mark, int depth) {
                        if (mark == Watermark.LOW) {
                            atLow.add(loop[0].stats());
                        }
                    }

                    @Override
                    public int trackingInterval() {
                        return Integer.MAX_VALUE;
                    }
                })
                .build();
        for (int i = 0; i < 100; i++) {
            int k = i;
            loop[0].execute(() -> {
                if (k == 20) { // in the first batch, above the high watermark still
                    neverRan.addAll(loop[0].shutdownNow());
                }
            });
        }
        loop[0].runUntilIdle();
        assertThat(neverRan).hasSize(79);
        assertThat(atLow).hasSize(1);
        LoopStats s = atLow.get(0);
        assertThat(s.running()).as("the task draining the queue is running: %s", s).isEqualTo(1);
        assertThat(s.started()).isEqualTo(21);
        assertThat(s.completed()).isEqualTo(20);
        assertThat(s.isBalanced()).as("balanced: %s", s).isTrue();
        LoopStats end = loop[0].stats();
        assertThat(end.completed()).isEqualTo(21);
        assertThat(end.cancelled()).isEqualTo(79);
        assertThat(end.isBalanced()).isTrue();
    }

    private static String counts(LoopStats s) {
        return counts(s.started(), s.completed(), s.failed(), s.running()) + (s.isBalanced() ? "" : " unbalanced");
    }

    private static String counts(long started, long completed, long failed, long running) {
        return "started=" + started + " completed=" + completed + " failed=" + failed + " running=" + running;
    }

    @Test
    void anotherThreadSeesExactCountsOnceTheDriverStops() throws Exception {
        Loop loop = Loop.create();
        loop.runUntilIdle(); // the test thread drives, then stops driving
        for (int i = 0; i < 1000; i++) {
            loop.execute(() -> { });
        }
        loop.schedule(() -> { }, Duration.ofDays(1));
        loop.runUntilIdle();
        LoopStats[] fromOutside = new LoopStats[1];
        int[] depthAndTimers = new int[2];
        Thread reader = new Thread(() -> {
            fromOutside[0] = loop.stats();
            depthAndTimers[0] = loop.queueDepth();
            depthAndTimers[1] = loop.pendingTimers();
        });
        reader.start();
        reader.join();
        assertThat(fromOutside[0]).isEqualTo(loop.stats()); // the test thread is not driving now: the same snapshot
        assertThat(fromOutside[0].submitted()).isEqualTo(1001);
        assertThat(fromOutside[0].completed()).isEqualTo(1000);
        assertThat(fromOutside[0].pendingTimers()).isEqualTo(1);
        assertThat(fromOutside[0].isBalanced()).isTrue();
        assertThat(depthAndTimers).containsExactly(0, 1);
        loop.close();
    }

    @Test
    void aBusyDriverKeepsPublishingAndEverySnapshotIsBalanced() {
        assertTimeoutPreemptively(LIMIT, () -> {
            Loop loop = Loop.builder().name("busy").build();
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch running = new CountDownLatch(1);
            Runnable chain = new Runnable() { // keeps the loop busy: never idle while it runs
                @Override
                public void run() {
                    running.countDown();
                    if (!stop.get()) {
                        loop.execute(this);
                    }
                }
            };
            loop.execute(chain);
            LoopThread driver = LoopThread.start(loop, IdleStrategy.busySpin(), Thread::new);
            running.await();
            long lastSubmitted = -1;
            long lastCompleted = -1;
            int snapshots = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            LoopStats s;
            do { // the driver never goes idle here: only its periodic publications can move these numbers
                s = loop.stats();
                assertThat(s.isBalanced()).as("snapshot %s", s).isTrue();
                assertThat(s.running()).isLessThanOrEqualTo(1);
                assertThat(s.submitted()).isGreaterThanOrEqualTo(lastSubmitted);
                assertThat(s.completed()).isGreaterThanOrEqualTo(lastCompleted);
                lastSubmitted = s.submitted();
                lastCompleted = s.completed();
                snapshots++;
                Thread.onSpinWait();
            } while (s.completed() < 50_000 && System.nanoTime() < deadline);
            assertThat(s.completed()).as("published while busy").isGreaterThanOrEqualTo(50_000);
            stop.set(true);
            loop.close();
            assertThat(driver.join(LIMIT)).isTrue();
            LoopStats end = loop.stats();
            assertThat(end.isBalanced()).isTrue();
            // the chain may meet the close: its last execute() is rejected, and the run that called it fails
            assertThat(end.completed() + end.failed() + end.rejected()).isEqualTo(end.submitted());
            assertThat(end.queued() + end.running() + end.pendingTimers()).isZero();
            assertThat(snapshots).isPositive();
        });
    }

    @Test
    void aTimerArmedInsideABatchStillRunsBeforeTheNextQueuedTask() {
        VirtualClock clock = new VirtualClock();
        Loop loop = Loop.builder().clock(clock).build();
        List<String> log = new ArrayList<>();
        loop.execute(() -> log.add("a"));
        loop.execute(() -> {
            log.add("b");
            loop.schedule(() -> log.add("timer"), Duration.ZERO);
        });
        loop.execute(() -> log.add("c"));
        loop.execute(() -> log.add("d"));
        loop.runUntilIdle();
        assertThat(log).containsExactly("a", "b", "timer", "c", "d");
        loop.close();
    }

    @Test
    void aSubmissionFromAnotherThreadThatHappenedBeforeALocalOneRunsFirst() throws Exception {
        Loop loop = Loop.create();
        List<String> log = new ArrayList<>();
        for (int i = 0; i < 200; i++) { // a long batch ahead of the cross-thread hand-off
            loop.execute(() -> { });
        }
        loop.execute(() -> {
            Thread outside = new Thread(() -> loop.execute(() -> log.add("from outside")));
            outside.start();
            try {
                outside.join(); // the foreign submission happens-before the local one below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            loop.execute(() -> log.add("local"));
        });
        loop.runUntilIdle();
        assertThat(log).containsExactly("from outside", "local");
        loop.close();
    }
}
