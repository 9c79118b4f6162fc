package io.github.enzoblain.async.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The loop's timers, both kinds ({@code schedule} with a handle, {@code executeAfter} without), held against a
 * reference model over long seeded random runs: a sorted map keyed by (deadline, submission number). Timers armed by
 * timers, cancels of pending and already fired timers, equal deadlines, zero and huge delays, advances of every size.
 * Every step checks the firing order, the virtual time each timer saw, what each cancel answered, and the stats.
 *
 * <p><b>Concurrency.</b> One thread: the test drives the loop on a {@link VirtualClock}; timers arm and cancel from
 * inside tasks (the loop's own thread) or from the test thread between advances (through the inbox).
 */
class LoopTimerModelTest {

    @ParameterizedTest(name = "seed {0}, tick 2^{1} ns")
    @CsvSource({"1, 20", "2, 20", "3, 10", "4, 0", "5, 30", "6, 4"})
    void loopTimersAgreeWithAnOrderedMapModel(long seed, int tickShift) {
        new Run(seed, tickShift).run(20_000);
    }

    /** Model key: (deadline, submission number). */
    private record Key(long deadline, long number) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = Long.compare(deadline, o.deadline);
            return c != 0 ? c : Long.compare(number, o.number);
        }
    }

    private static final class Run {
        private final SplittableRandom random;
        private final VirtualClock clock = new VirtualClock();
        private final Loop loop;
        private final TreeMap<Key, Cancellable> model = new TreeMap<>();
        private final List<Key> keys = new ArrayList<>();
        private final List<Cancellable> cancellables = new ArrayList<>();
        private final List<String> fired = new ArrayList<>();
        private int checkedFired;
        private long numbers;
        private long helpers; // execute() tasks the run used to act on the loop's thread
        private long completed;
        private long cancelled;

        Run(long seed, int tickShift) {
            this.random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L);
            this.loop = Loop.builder().clock(clock).tickShift(tickShift).build();
        }

        void run(int ops) {
            for (int op = 0; op < ops; op++) {
                int r = random.nextInt(100);
                if (r < 45) {
                    arm(false, random.nextBoolean());
                } else if (r < 55) {
                    int n = 1 + random.nextInt(3);
                    onLoop(() -> { // arming on the loop's thread
                        for (int i = 0; i < n; i++) {
                            arm(true, random.nextBoolean());
                        }
                    });
                } else if (r < 75) {
                    cancel(random.nextBoolean());
                } else {
                    advance(step());
                }
                check(op);
            }
            advance(Long.MAX_VALUE - 1 - clock.nanoTime()); // everything fires but saturated deadlines
            check(ops);
            for (Map.Entry<Key, Cancellable> e : model.entrySet()) {
                assertThat(e.getKey().deadline()).isEqualTo(Long.MAX_VALUE);
                assertThat(e.getValue().cancel()).isTrue();
                cancelled++;
            }
            model.clear();
            loop.runUntilIdle();
            check(ops);
            assertThat(loop.pendingTimers()).isZero();
        }

        private void onLoop(Runnable r) {
            helpers++;
            loop.execute(r);
            loop.runUntilIdle();
        }

        /** @param onLoop whether this runs inside a task (armed at once) or on the test thread (through the inbox) */
        private void arm(boolean onLoop, boolean light) {
            long delay = delay();
            long number = numbers++;
            long now = clock.nanoTime();
            long deadline = delay > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + Math.max(0, delay);
            Key key = new Key(deadline, number);
            Runnable body = () -> {
                fired.add(number + "@" + clock.nanoTime());
                if (random.nextInt(8) == 0) {
                    arm(true, random.nextBoolean()); // a timer arming a timer while it runs
                }
            };
            Cancellable c = light ? loop.executeAfter(body, delay, TimeUnit.NANOSECONDS)
                    : loop.schedule(body, delay, TimeUnit.NANOSECONDS);
            assertThat(c instanceof TaskHandle).isEqualTo(!light);
            model.put(key, c);
            keys.add(key);
            cancellables.add(c);
            if (!onLoop) {
                loop.runUntilIdle(); // taken in now: numbers are the order the loop accepted the timers in
            }
        }

        private long delay() {
            return switch (random.nextInt(10)) {
                case 0 -> 0;
                case 1 -> -random.nextInt(1_000);
                case 2 -> Long.MAX_VALUE - random.nextInt(3); // saturates: never fires
                case 3 -> random.nextLong(1L << 40);
                case 4 -> 7_000; // equal deadlines
                default -> random.nextLong(5_000_000);
            };
        }

        private long step() {
            return switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> random.nextInt(10_000);
                case 2 -> random.nextLong(10_000_000);
                default -> random.nextLong(1L << 36);
            };
        }

        private void cancel(boolean onLoop) {
            if (keys.isEmpty()) {
                return;
            }
            int i = keys.size() - 1 - random.nextInt(Math.min(keys.size(), 50)); // recent ones: often still pending
            Key key = keys.get(i);
            Cancellable c = cancellables.get(i);
            boolean[] answer = new boolean[1];
            if (onLoop) {
                onLoop(() -> answer[0] = c.cancel());
            } else {
                answer[0] = c.cancel();
                loop.runUntilIdle(); // a cancel from off the loop's thread is unlinked at its next step
            }
            boolean pending = model.remove(key) != null;
            assertThat(answer[0]).as("cancel of %s", key).isEqualTo(pending);
            if (pending) {
                cancelled++;
            }
            assertThat(c.isDone()).isTrue();
        }

        private void advance(long step) {
            long now = clock.nanoTime();
            clock.advanceTo(step > Long.MAX_VALUE - 1 - now ? Long.MAX_VALUE - 1 : now + step);
        }

        /** The firings since the last check are the model's head, in order, each at its own deadline. */
        private void check(int op) {
            long now = clock.nanoTime();
            for (; checkedFired < fired.size(); checkedFired++) {
                String f = fired.get(checkedFired);
                Map.Entry<Key, Cancellable> head = model.pollFirstEntry();
                assertThat(head).as("op %d: fired %s, the model has nothing pending", op, f).isNotNull();
                Key k = head.getKey();
                assertThat(f).as("op %d: firing %d", op, checkedFired).isEqualTo(k.number() + "@" + k.deadline());
                assertThat(head.getValue().isDone()).isTrue();
                completed++;
            }
            if (!model.isEmpty()) {
                assertThat(model.firstKey().deadline()).as("op %d: due but not fired", op).isGreaterThan(now);
            }
            LoopStats s = loop.stats();
            assertThat(s.isBalanced()).as("op %d: %s", op, s).isTrue();
            assertThat(s.pendingTimers()).as("op %d: %s", op, s).isEqualTo(model.size());
            assertThat(s.cancelled()).as("op %d: %s", op, s).isEqualTo(cancelled);
            assertThat(s.completed()).as("op %d: %s", op, s).isEqualTo(completed + helpers);
            assertThat(s.submitted()).as("op %d: %s", op, s).isEqualTo(numbers + helpers);
        }
    }
}
