package io.github.enzoblain.async.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Timers cancelled while they fall due: a {@link LoopThread} fires light timers and {@code schedule} handles due within
 * half a millisecond while several other threads arm them and cancel them (from their own thread, or from a task on
 * the driver), so that cancellations race the fire path. Every timer either runs once or is cancelled by exactly one
 * call that says true, never both; listeners hear {@code onCancel} once per cancelled handle; the counts balance and
 * no timer is left in the wheel.
 *
 * <p><b>Concurrency.</b> Producers are started together by a latch and joined; per-timer outcomes are atomics, read
 * after the loop has terminated and the driver thread has ended. Bounded by counts, not by time.
 */
class TimerCancelRaceStressTest {

    private static final int PRODUCERS = 3;
    private static final int OPS = 3_000;

    /** One timer as the test sees it. */
    private static final class Timer {
        final AtomicInteger ran = new AtomicInteger();
        final AtomicInteger cancelledTrue = new AtomicInteger();
        volatile Cancellable cancellable;
    }

    @ParameterizedTest(name = "tickShift {0}, listener {1}")
    @CsvSource({"0, false", "20, false", "30, false", "0, true", "20, true", "30, true"})
    void aCancelRacingTheFirePathSaysTrueExactlyWhenTheTimerNeverRuns(int tickShift, boolean listener) {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run(tickShift, listener));
    }

    private static void run(int tickShift, boolean withListener) throws Exception {
        Map<Long, AtomicInteger> cancelEvents = new ConcurrentHashMap<>();
        Loop.Builder b = Loop.builder().name("cancel-race").tickShift(tickShift).closeRunsTimers(true);
        if (withListener) {
            b.listener(new LoopListener() {
                @Override
                public void onCancel(TaskHandle<?> task) {
                    cancelEvents.computeIfAbsent(task.id(), id -> new AtomicInteger()).incrementAndGet();
                }

                @Override
                public int trackingInterval() {
                    return 7; // one light timer in seven gets a handle: both kinds race
                }
            });
        }
        Loop loop = b.build();
        LoopThread driver = LoopThread.start(loop);
        List<List<Timer>> all = new ArrayList<>();
        List<Thread> producers = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int p = 0; p < PRODUCERS; p++) {
            List<Timer> mine = new ArrayList<>();
            all.add(mine);
            SplittableRandom random = new SplittableRandom(42 + p);
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                for (int i = 0; i < OPS; i++) {
                    Timer timer = new Timer();
                    long delayMicros = random.nextInt(500);
                    Runnable body = () -> timer.ran.incrementAndGet();
                    timer.cancellable = random.nextBoolean()
                            ? loop.executeAfter(body, delayMicros, TimeUnit.MICROSECONDS)
                            : loop.schedule(body, delayMicros, TimeUnit.MICROSECONDS);
                    mine.add(timer);
                    int op = random.nextInt(10);
                    if (op < 6) { // cancel a recent one from this thread (maybe this very one, maybe twice)
                        Timer victim = mine.get(Math.max(0, mine.size() - 1 - random.nextInt(8)));
                        if (victim.cancellable.cancel()) {
                            victim.cancelledTrue.incrementAndGet();
                        }
                    } else if (op < 8) { // or from the driver
                        Timer victim = mine.get(Math.max(0, mine.size() - 1 - random.nextInt(8)));
                        loop.execute(() -> {
                            if (victim.cancellable.cancel()) {
                                victim.cancelledTrue.incrementAndGet();
                            }
                        });
                    }
                }
            }, "cancel-race-" + p);
            t.start();
            producers.add(t);
        }
        go.countDown();
        for (Thread t : producers) {
            t.join();
        }
        driver.close(); // a graceful close runs the timers still pending
        assertThat(loop.awaitTermination(Duration.ofSeconds(10))).isTrue();

        long runs = 0;
        long cancels = 0;
        long handlesCancelled = 0;
        for (List<Timer> mine : all) {
            for (Timer t : mine) {
                int ran = t.ran.get();
                int cancelled = t.cancelledTrue.get();
                assertThat(ran + cancelled).as("ran %d, cancel() said true %d times", ran, cancelled).isEqualTo(1);
                assertThat(t.cancellable.isDone()).isTrue();
                assertThat(t.cancellable.cancel()).isFalse();
                if (t.cancellable instanceof TaskHandle) {
                    TaskHandle<?> h = (TaskHandle<?>) t.cancellable;
                    assertThat(h.state()).isEqualTo(ran == 1 ? TaskState.COMPLETED : TaskState.CANCELLED);
                    if (ran == 0) {
                        handlesCancelled++;
                    }
                    if (withListener) {
                        AtomicInteger events = cancelEvents.get(h.id());
                        assertThat(events == null ? 0 : events.get()).as("onCancel events of %s", h)
                                .isEqualTo(ran == 1 ? 0 : 1);
                    }
                }
                runs += ran;
                cancels += cancelled;
            }
        }
        LoopStats stats = loop.stats();
        long cancelTasks = stats.submitted() - (long) PRODUCERS * OPS; // the tasks that cancelled on the driver
        assertThat(stats.isBalanced()).as("%s", stats).isTrue();
        assertThat(stats.pendingTimers()).isZero();
        assertThat(loop.pendingTimers()).isZero();
        assertThat(stats.cancelled()).isEqualTo(cancels);
        assertThat(stats.completed()).isEqualTo(runs + cancelTasks);
        assertThat(stats.failed()).isZero();
        assertThat(stats.rejected()).isZero();
        if (withListener) {
            assertThat(cancelEvents.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(handlesCancelled);
        }
    }
}
