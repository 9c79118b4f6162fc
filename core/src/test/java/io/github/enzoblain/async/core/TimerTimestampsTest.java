package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a timer's handle reads ({@link TaskHandle#submittedAt()}, {@link TaskHandle#deadline()},
 * {@link TaskHandle#startedAt()}) whichever thread scheduled it and wherever the clock started, and how fixed-rate and
 * fixed-delay tasks space their runs on a real clock driven by a {@link LoopThread}.
 *
 * <p><b>Concurrency.</b> Values recorded on the driver are handed to the test thread through a
 * {@link CompletableFuture} or read after a latch; bounded by counts.
 */
class TimerTimestampsTest {

    @ParameterizedTest
    @ValueSource(longs = {0, Long.MIN_VALUE + 1_000, -5_000_000_000L, Long.MAX_VALUE / 2})
    void aHandleReadsItsDeadlineAsSubmissionPlusDelayFromEitherThreadWhateverTheClocksOrigin(long origin)
            throws Exception {
        VirtualClock clock = new VirtualClock(origin);
        Loop loop = Loop.builder().clock(clock).tickShift(10).build();
        clock.advanceBy(3, TimeUnit.SECONDS);
        TaskHandle<Void> local = loop.submit(() -> { }); // taken as the driver below
        List<TaskHandle<?>> fromDriver = new ArrayList<>();
        loop.execute(() -> {
            fromDriver.add(loop.schedule(() -> { }, Duration.ofMillis(7)));
            fromDriver.add(loop.scheduleAtFixedRate(() -> { }, Duration.ofMillis(7), Duration.ofMillis(3)));
        });
        loop.runUntilIdle();
        CompletableFuture<TaskHandle<?>> foreign = new CompletableFuture<>();
        Thread other = new Thread(() -> foreign.complete(loop.schedule(() -> { }, Duration.ofMillis(7))));
        other.start();
        other.join();
        long now = origin + TimeUnit.SECONDS.toNanos(3);
        List<TaskHandle<?>> all = new ArrayList<>(fromDriver);
        all.add(foreign.get());
        for (TaskHandle<?> h : all) {
            assertThat(h.submittedAt()).isEqualTo(now);
            assertThat(h.deadline()).as("%s", h).isEqualTo(now + TimeUnit.MILLISECONDS.toNanos(7));
            assertThat(h.startedAt()).isEqualTo(-1);
        }
        assertThat(local.deadline()).isEqualTo(-1);
        clock.advanceBy(Duration.ofMillis(7));
        for (TaskHandle<?> h : all) {
            assertThat(h.startedAt()).as("started at its deadline").isEqualTo(now + TimeUnit.MILLISECONDS.toNanos(7));
        }
        assertThat(all.get(1).deadline()).as("the periodic task's next deadline")
                .isEqualTo(now + TimeUnit.MILLISECONDS.toNanos(10));
        assertThat(loop.stats().isBalanced()).isTrue();
        loop.close();
    }

    @Test
    void onARealClockFixedRateKeepsItsDeadlinesAndFixedDelayCountsFromTheEndOfEachRun() throws Exception {
        Loop loop = Loop.create();
        int runs = 8;
        long period = TimeUnit.MILLISECONDS.toNanos(2);
        long work = TimeUnit.MILLISECONDS.toNanos(1);
        long[] rateDeadlines = new long[runs];
        long[] rateStarts = new long[runs];
        long[] delayDeadlines = new long[runs];
        long[] delayStarts = new long[runs];
        long[] delayEnds = new long[runs];
        CountDownLatch done = new CountDownLatch(2);
        try (LoopThread driver = LoopThread.start(loop)) {
            TaskHandle<?>[] rate = new TaskHandle<?>[1];
            TaskHandle<?>[] delay = new TaskHandle<?>[1];
            int[] counts = new int[2];
            CountDownLatch armed = new CountDownLatch(1);
            loop.execute(() -> {
                rate[0] = loop.scheduleAtFixedRate(() -> {
                    int i = counts[0]++;
                    rateDeadlines[i] = rate[0].deadline();
                    rateStarts[i] = rate[0].startedAt();
                    spin(work);
                    if (i == runs - 1) {
                        rate[0].cancel();
                        done.countDown();
                    }
                }, Duration.ofNanos(period), Duration.ofNanos(period));
                delay[0] = loop.scheduleWithFixedDelay(() -> {
                    int i = counts[1]++;
                    delayDeadlines[i] = delay[0].deadline();
                    delayStarts[i] = delay[0].startedAt();
                    spin(work);
                    delayEnds[i] = loop.now();
                    if (i == runs - 1) {
                        delay[0].cancel();
                        done.countDown();
                    }
                }, Duration.ofNanos(period), Duration.ofNanos(period));
                armed.countDown();
            });
            armed.await();
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < runs; i++) {
                assertThat(rateDeadlines[i] - rateDeadlines[0]).as("fixed rate: no drift").isEqualTo(i * period);
                assertThat(rateStarts[i]).as("never early").isGreaterThanOrEqualTo(rateDeadlines[i]);
                assertThat(delayStarts[i]).isGreaterThanOrEqualTo(delayDeadlines[i]);
                if (i > 0) {
                    assertThat(delayDeadlines[i]).as("fixed delay: from the end of the previous run")
                            .isGreaterThanOrEqualTo(delayEnds[i - 1] + period);
                }
            }
            driver.close(); // the last runs end first: they asked for their own cancellation, which then holds
            assertThat(rate[0].state()).isEqualTo(TaskState.CANCELLED);
            assertThat(delay[0].state()).isEqualTo(TaskState.CANCELLED);
            assertThat(loop.stats().cancelled()).isEqualTo(2);
        }
        assertThat(loop.stats().isBalanced()).isTrue();
        assertThat(loop.stats().pendingTimers()).isZero();
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }
}
