package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When a hand-off from another thread wakes a parked driver: a task to run and a timer due before the driver's own
 * next timer do; a timer due later and the cancellation of a timer wait in the inbox until the driver wakes.
 */
class WakeUpTest {

    private static final Duration HOUR = Duration.ofHours(1);
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Parks at once, and counts how often the loop asked it what to do. */
    private static final class CountingParking implements IdleStrategy {
        final AtomicInteger idles = new AtomicInteger();

        @Override
        public long idle() {
            idles.incrementAndGet();
            return Long.MAX_VALUE;
        }

        @Override
        public void reset() {
        }
    }

    /**
     * A loop whose driver is parked until its one timer, an hour away. The timer is armed before the driver starts,
     * so no wake-up (and no unpark permit) is left over from setting up.
     */
    private static final class ParkedLoop implements AutoCloseable {
        final Loop loop;
        final CountingParking idle = new CountingParking();
        final LoopThread thread;
        final Thread driver;

        ParkedLoop(Loop.Builder builder) {
            loop = builder.build();
            loop.schedule(() -> { }, HOUR); // undriven: waits in the inbox, nobody to wake
            AtomicReference<Thread> made = new AtomicReference<>();
            thread = LoopThread.start(loop, idle, r -> {
                Thread t = new Thread(r, "wake-up-test-driver");
                t.setDaemon(true);
                made.set(t);
                return t;
            });
            driver = made.get();
            awaitParked();
        }

        /** Waits until the driver is parked inside the loop (a state to reach: nothing to count down a latch). */
        void awaitParked() {
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (!(LockSupport.getBlocker(driver) == loop && driver.getState() == Thread.State.TIMED_WAITING)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("the driver never parked: " + driver.getState());
                }
                Thread.onSpinWait();
            }
        }

        /** Runs {@code probe} on the driver (waking it) and returns what it saw. */
        <T> T onDriver(java.util.function.Supplier<T> probe) throws Exception {
            CompletableFuture<T> seen = new CompletableFuture<>();
            loop.execute(() -> seen.complete(probe.get()));
            return seen.get(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            thread.close();
        }
    }

    @Test
    void aTimerDueBeforeTheParkedDriversNextTimerWakesIt() throws Exception {
        try (ParkedLoop p = new ParkedLoop(Loop.builder().name("wake-early"))) {
            CountDownLatch fired = new CountDownLatch(2);
            p.loop.schedule(fired::countDown, Duration.ofMillis(20));
            p.loop.executeAfter(fired::countDown, Duration.ofMillis(20));
            assertThat(fired.await(10, TimeUnit.SECONDS)).as("fired, not an hour later").isTrue();
        }
    }

    @Test
    void aLaterTimerAndCancellationsWaitInTheInboxUntilTheDriverWakes() throws Exception {
        try (ParkedLoop p = new ParkedLoop(Loop.builder().name("wake-lazily"))) {
            int idlesWhenParked = p.idle.idles.get();
            TaskHandle<Void> later = p.loop.schedule(() -> { }, HOUR.multipliedBy(2));
            Cancellable light = p.loop.executeAfter(() -> { }, HOUR.multipliedBy(2));
            assertThat(later.cancel()).isTrue();
            assertThat(light.cancel()).isTrue();
            assertThat(later.state()).as("cancelled at once").isEqualTo(TaskState.CANCELLED);
            assertThat(light.isDone()).isTrue();
            // none of it needs the driver before its own timer, so it waits: the two timers and the cancellation of the
            // one with a handle (a light timer cancelled before the driver took it in needs no signal of its own)
            assertThat(p.loop.stats().inbox()).isEqualTo(3);
            assertThat(p.driver.getState()).isEqualTo(Thread.State.TIMED_WAITING);

            // a task to run wakes it; it takes the inbox in first, in order
            int[] idlesSeen = new int[1];
            LoopStats stats = p.onDriver(() -> {
                idlesSeen[0] = p.idle.idles.get();
                return p.loop.stats();
            });
            assertThat(idlesSeen[0]).as("the driver did not idle again between the hand-offs and the task")
                    .isEqualTo(idlesWhenParked);
            assertThat(stats.submitted()).isEqualTo(4); // the first timer, the two later ones, this task
            assertThat(stats.cancelled()).isEqualTo(2);
            assertThat(stats.pendingTimers()).isEqualTo(1);
            assertThat(stats.running()).isEqualTo(1);
            assertThat(stats.isBalanced()).isTrue();
        }
    }

    @Test
    void handOffsThatNeedNoWakeUpStillWakeTheDriverBeforeTheInboxFills() throws Exception {
        int capacity = 64;
        try (ParkedLoop p = new ParkedLoop(Loop.builder().name("wake-per-batch").inboxCapacity(capacity))) {
            int n = 1_000;
            Cancellable[] timers = new Cancellable[n];
            for (int i = 0; i < 2 * n; i++) {
                if (i < n) {
                    timers[i] = p.loop.executeAfter(() -> { }, HOUR.multipliedBy(2)); // never rejected: see below
                } else {
                    assertThat(timers[i - n].cancel()).isTrue();
                }
                // a parked driver is woken once per quarter of the inbox at the latest, and then drains it
                long deadline = System.nanoTime() + WAIT_NANOS;
                while (p.loop.stats().inbox() > capacity / 2) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new AssertionError("the inbox was left to fill: " + p.loop.stats());
                    }
                    Thread.onSpinWait();
                }
            }
            LoopStats stats = p.onDriver(p.loop::stats);
            assertThat(stats.submitted()).isEqualTo(1 + n + 1);
            assertThat(stats.cancelled()).isEqualTo(n);
            assertThat(stats.rejected()).isZero();
            assertThat(stats.pendingTimers()).isEqualTo(1);
            assertThat(stats.isBalanced()).isTrue();
        }
    }

    @Test
    void aCancellationThatRemovesTheParkedDriversNextTimerStillLetsTheNextOneFireOnTime() throws Exception {
        try (ParkedLoop p = new ParkedLoop(Loop.builder().name("wake-after-cancel"))) {
            // the driver parks until its next timer, 20 ms away; the one after it is 40 ms away
            CountDownLatch armed = new CountDownLatch(1);
            CountDownLatch fired = new CountDownLatch(1);
            TaskHandle<?>[] next = new TaskHandle<?>[1];
            p.loop.execute(() -> {
                next[0] = p.loop.schedule(() -> { }, Duration.ofMillis(20));
                p.loop.executeAfter(fired::countDown, Duration.ofMillis(40));
                armed.countDown();
            });
            armed.await();
            p.awaitParked();
            assertThat(next[0].cancel()).isTrue(); // a lazy hand-off: the driver is not woken for it
            assertThat(fired.await(10, TimeUnit.SECONDS)).as("fired, not an hour later").isTrue();
            LoopStats stats = p.onDriver(p.loop::stats);
            assertThat(stats.cancelled()).isEqualTo(1);
            assertThat(stats.pendingTimers()).isEqualTo(1); // the hour-long one
            assertThat(stats.isBalanced()).isTrue();
        }
    }

    @Test
    void aTimerFromAnotherThreadDueBeforeANearNextTimerWakesTheDriverForIt() throws Exception {
        try (ParkedLoop p = new ParkedLoop(Loop.builder().name("wake-earlier").tickShift(30))) {
            // ticks of about a second: the driver's next timer, a minute away, bounds its park by its slot's start
            CountDownLatch armed = new CountDownLatch(1);
            p.loop.execute(() -> {
                p.loop.executeAfter(() -> { }, Duration.ofMinutes(1));
                armed.countDown();
            });
            armed.await();
            p.awaitParked();
            CountDownLatch fired = new CountDownLatch(2);
            long start = System.nanoTime();
            p.loop.executeAfter(fired::countDown, Duration.ofMillis(5));
            p.loop.schedule(fired::countDown, Duration.ofMillis(5));
            assertThat(fired.await(10, TimeUnit.SECONDS)).as("fired, not a minute later").isTrue();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
