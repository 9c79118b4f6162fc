package io.github.enzoblain.async.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Timers crowded on a few deadlines, acting on each other as they fire: each firing timer may cancel others (pending at
 * its own deadline, already fired, or later), arm new ones at its own deadline (delay 0) or later, and periodic tasks
 * share the deadlines. Held against a sorted map keyed by (deadline, submission number), a periodic task keeping its
 * number from run to run, checked at each firing: the one that fires is the model's head, at its deadline, and every
 * cancel answers whether the model had it pending. Enough cancels of due timers to make the wheel compact its stale
 * records.
 *
 * <p><b>Concurrency.</b> One thread: the test drives the loop on a {@link VirtualClock}; everything else happens in its
 * tasks.
 */
class SameDeadlineModelTest {

    private static final long PERIOD = 1_000;

    @ParameterizedTest(name = "seed {0}, tick 2^{1} ns")
    @CsvSource({"1, 20", "2, 0", "3, 10", "4, 20"})
    void timersThatCancelAndArmEachOtherAtTheirOwnDeadlineAgreeWithTheModel(long seed, int tickShift) {
        new Run(seed, tickShift).run();
    }

    private record Key(long deadline, long number) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = Long.compare(deadline, o.deadline);
            return c != 0 ? c : Long.compare(number, o.number);
        }
    }

    /** A timer of the run: its current key in the model, what cancels it, whether it is periodic. */
    private static final class Timer {
        Key key;
        Cancellable cancellable;
        boolean periodic;
        int runs;
    }

    private static final class Run {
        private final SplittableRandom random;
        private final VirtualClock clock = new VirtualClock();
        private final Loop loop;
        private final TreeMap<Key, Timer> model = new TreeMap<>();
        private final List<Timer> timers = new ArrayList<>();
        private long numbers;
        private long fired;
        private long cancelled;
        private long periodicRuns;
        private final List<Throwable> failures = new ArrayList<>();

        Run(long seed, int tickShift) {
            this.random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L);
            this.loop = Loop.builder().clock(clock).tickShift(tickShift).build();
        }

        void run() {
            for (int i = 0; i < 300; i++) {
                arm(PERIOD * (1 + random.nextInt(3)));
            }
            for (long t = PERIOD; t <= 8 * PERIOD; t += PERIOD) {
                clock.advanceTo(t);
                assertThat(model.isEmpty() || model.firstKey().deadline() > t).as("due at %d, not fired", t).isTrue();
                check();
            }
            for (Timer timer : timers) { // what is left: periodic tasks and timers armed later than the last advance
                boolean pending = model.remove(timer.key) != null;
                assertThat(timer.cancellable.cancel()).isEqualTo(pending);
                if (pending) {
                    cancelled++;
                }
            }
            loop.runUntilIdle();
            check();
            assertThat(loop.pendingTimers()).isZero();
            assertThat(cancelled).as("cancels of due timers: enough to make the wheel compact").isGreaterThan(100);
        }

        private void arm(long delay) {
            Timer timer = new Timer();
            long number = numbers++;
            timer.key = new Key(clock.nanoTime() + delay, number);
            Runnable body = () -> {
                try {
                    fire(timer);
                } catch (Throwable e) { // the loop would count it a failed task: the test must hear of it
                    failures.add(e);
                    throw e;
                }
            };
            int kind = random.nextInt(8);
            if (kind == 0) {
                timer.periodic = true;
                timer.cancellable = random.nextBoolean()
                        ? loop.scheduleAtFixedRate(body, Duration.ofNanos(delay), Duration.ofNanos(PERIOD))
                        : loop.scheduleWithFixedDelay(body, Duration.ofNanos(delay), Duration.ofNanos(PERIOD));
            } else if (kind < 5) {
                timer.cancellable = loop.executeAfter(body, delay, TimeUnit.NANOSECONDS);
            } else {
                timer.cancellable = loop.schedule(body, delay, TimeUnit.NANOSECONDS);
            }
            model.put(timer.key, timer);
            timers.add(timer);
        }

        private void fire(Timer timer) {
            Key head = model.isEmpty() ? null : model.firstKey();
            assertThat(head).as("fired %s", timer.key).isEqualTo(timer.key);
            assertThat(clock.nanoTime()).as("now inside %s", timer.key).isEqualTo(timer.key.deadline());
            model.remove(head);
            if (timer.periodic) {
                periodicRuns++;
                timer.runs++;
                timer.key = new Key(timer.key.deadline() + PERIOD, timer.key.number()); // keeps its rank
                model.put(timer.key, timer);
            } else {
                fired++;
            }
            int acts = random.nextInt(4);
            for (int i = 0; i < acts; i++) {
                int r = random.nextInt(10);
                if (r < 6) {
                    Timer other = timers.get(random.nextInt(timers.size()));
                    if (other == timer) {
                        continue;
                    }
                    boolean pending = model.remove(other.key) != null;
                    assertThat(other.cancellable.cancel()).as("cancel of %s from %s", other.key, timer.key)
                            .isEqualTo(pending);
                    if (pending) {
                        cancelled++;
                    }
                } else if (r < 9) {
                    arm(0); // at this deadline: after every timer already due here
                } else {
                    arm(PERIOD);
                }
            }
        }

        private void check() {
            assertThat(failures).isEmpty();
            LoopStats s = loop.stats();
            assertThat(s.isBalanced()).as(s.toString()).isTrue();
            assertThat(s.pendingTimers()).as(s.toString()).isEqualTo(model.size());
            assertThat(s.completed()).as(s.toString()).isEqualTo(fired);
            assertThat(s.cancelled()).as(s.toString()).isEqualTo(cancelled);
            assertThat(s.started()).as(s.toString()).isEqualTo(fired + periodicRuns);
            assertThat(s.submitted()).as(s.toString()).isEqualTo(numbers);
        }
    }
}
