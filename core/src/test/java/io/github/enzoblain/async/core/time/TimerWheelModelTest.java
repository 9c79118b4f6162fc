package io.github.enzoblain.async.core.time;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Holds {@link TimerWheel} against a reference model, a {@link TreeSet} ordered by (deadline, sequence), over long
 * seeded-random sequences of arm, cancel, poll and time moves.
 *
 * <p>Single-threaded, like the wheel. Every run is reproducible from its (seed, tickShift) pair, which every failure
 * message carries.
 */
class TimerWheelModelTest {

    /*
     * Implementation notes.
     *
     * Each operation is checked against the model at once: a poll must return exactly the model's first entry if that
     * entry is due (deadline <= now) and null otherwise, size() must match after every operation, and nextDeadline() /
     * nextDeadlineBound() must agree with the model's minimum (bound <= exact == minimum). Deadlines are drawn from a mix
     * that stresses the wheel's edges: equal deadlines, several deadlines inside one tick, deadline 0, deadlines in the
     * past, at every level's span, near and at Long.MAX_VALUE. Time moves only forward, in steps below one tick, of a few
     * ticks, or huge jumps; it reaches Long.MAX_VALUE only in the last part of a run, so that most of a run is spent
     * with time still moving. Checks use plain conditionals (not fluent assertions) to keep 200k operations per run fast.
     */

    private static final int OPS_PER_RUN = 200_000;
    /** The largest ordinary time step: small enough that a run's time keeps moving until its last part. */
    private static final long HUGE_STEP = Long.MAX_VALUE >>> 11;
    private static final long[] SEEDS = {0x5EED_0001L, 42L, 0xC0FFEE_BABEL, -7_777_777_777L};
    private static final int[] TICK_SHIFTS = {0, 10, 20, 30};

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (int shift : TICK_SHIFTS) {
            for (long seed : SEEDS) {
                runs.add(Arguments.of(seed, shift));
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "seed={0}, tickShift={1}")
    @MethodSource("runs")
    void wheelAgreesWithOrderedSetModel(long seed, int tickShift) {
        new ModelRun(seed, tickShift).run(OPS_PER_RUN);
    }

    @Test
    void maxDeadlineOnOneNanosecondTicksDoesNotSwallowLaterTimers() {
        // Expiring the very last tick (2^63 - 1 with 1 ns ticks) must leave the wheel usable. Preemptive timeout: the
        // failure this guards against was nextDeadline() spinning forever.
        assertTimeoutPreemptively(Duration.ofSeconds(5), TimerWheelModelTest::expireLastTickThenArmEarlier);
    }

    @ParameterizedTest(name = "tickShift={0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 10, 20, 30})
    void aCrowdedTickLeavesInExactOrderAfterCancelsAndReArms(int tickShift) {
        // Thousands of timers in one tick take the radix sort path; cancelling most of a slot leaves holes and forces a
        // compaction; re-arming cancelled entries gives them new sequences. Checked against a sort of the same keys.
        TimerWheel wheel = new TimerWheel(tickShift);
        SplittableRandom random = new SplittableRandom(tickShift);
        long tick = 1L << tickShift;
        long tickStart = 5 * tick;
        List<Timer> armed = new ArrayList<>();
        for (int i = 0; i < 6_000; i++) {
            Timer t = new Timer(i);
            long deadline = tickStart + (random.nextInt(4) == 0 ? tick / 2 : random.nextLong(tick)); // many equal
            wheel.arm(t, deadline);
            armed.add(t);
        }
        for (int i = 0; i < armed.size(); i++) {
            if (random.nextInt(10) < 8) { // most of them: holes, then a compaction
                assertEquals(true, wheel.cancel(armed.get(i)));
                if (random.nextBoolean()) { // armed again, with a new (later) sequence
                    wheel.arm(armed.get(i), tickStart + random.nextLong(tick));
                }
            }
        }
        assertLeaveInOrder(wheel, armed, tickStart + tick - 1, "tickShift " + tickShift);
    }

    @ParameterizedTest(name = "tickShift={0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 10, 20, 30})
    void aSlidingWindowOfTimeoutsKeepsItsOrder(int tickShift) {
        // Timeouts armed and mostly cancelled in arming order (a slot's start moves up, no compaction), sometimes the
        // newest or one in the middle (holes, compactions, a full slot squeezed instead of grown): all in one slot of
        // a high level, 50,000 arms with about 100 live at a time. The survivors must leave in exact order.
        TimerWheel wheel = new TimerWheel(tickShift);
        SplittableRandom random = new SplittableRandom(31L * tickShift + 7);
        long far = 1L << 50; // one slot, far up: the same for every deadline below
        ArrayDeque<Timer> window = new java.util.ArrayDeque<>();
        List<Timer> all = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            Timer t = new Timer(i);
            wheel.arm(t, far + random.nextLong(1L << tickShift));
            window.addLast(t);
            all.add(t);
            if (window.size() > 100) {
                int kind = random.nextInt(10);
                Timer victim = kind < 7 ? window.pollFirst() : kind < 9 ? window.pollLast()
                        : removeMiddle(window, random);
                assertEquals(true, wheel.cancel(victim));
            }
        }
        assertEquals(window.size(), wheel.size());
        assertLeaveInOrder(wheel, all, Long.MAX_VALUE, "tickShift " + tickShift);
    }

    @ParameterizedTest(name = "tickShift={0}, gap={1}")
    @org.junit.jupiter.params.provider.CsvSource({"0,3", "0,100000", "10,3", "20,5", "20,1099511627776", "30,7"})
    void aRearmedTimerKeepsItsRankAmongEqualDeadlines(int tickShift, long gap) {
        // A periodic timer armed first, polled, then rearmed for a deadline that timers armed after it already hold:
        // it leaves before them (its first sequence), also when the tick cascades down from a higher level first.
        TimerWheel wheel = new TimerWheel(tickShift);
        Timer periodic = new Timer(0);
        wheel.arm(periodic, 1);
        List<Timer> later = new ArrayList<>();
        long next = 1 + gap;
        for (int i = 1; i <= 40; i++) { // more than SMALL_SORT in one tick: the radix path too
            Timer t = new Timer(i);
            wheel.arm(t, i % 2 == 0 ? next : next + 1);
            later.add(t);
        }
        assertSame(periodic, wheel.poll(1));
        wheel.rearm(periodic, next);
        assertEquals(41, wheel.size());
        assertSame(periodic, wheel.poll(next), "the first-armed timer leaves first at the shared deadline");
        for (int i = 2; i <= 40; i += 2) {
            assertSame(later.get(i - 1), wheel.poll(next));
        }
        assertNull(wheel.poll(next));
        wheel.rearm(periodic, next + 1); // now shares the next deadline with the odd ones, still ranking first
        assertSame(periodic, wheel.poll(next + 1));
        for (int i = 1; i <= 40; i += 2) {
            assertSame(later.get(i - 1), wheel.poll(next + 1));
        }
        assertNull(wheel.poll(Long.MAX_VALUE));
        assertEquals(0, wheel.size());
    }

    @Test
    void rearmTakesOnlyATimerPollHandedOut() {
        TimerWheel wheel = new TimerWheel(20);
        Timer t = new Timer(0);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> wheel.rearm(t, 5),
                "never armed");
        wheel.arm(t, 5);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> wheel.rearm(t, 5), "armed");
        wheel.cancel(t);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> wheel.rearm(t, 5),
                "cancelled: it may have a stale record under its sequence");
        wheel.arm(t, 5);
        assertSame(t, wheel.poll(5));
        assertEquals(false, wheel.cancel(t), "a polled timer is not armed");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> wheel.rearm(t, -1));
        wheel.rearm(t, 7);
        assertSame(t, wheel.poll(7));
    }

    /** The armed ones among {@code timers} leave the wheel, polled at {@code now}, in (deadline, sequence) order. */
    private static void assertLeaveInOrder(TimerWheel wheel, List<Timer> timers, long now, String run) {
        TreeSet<Timer> model = new TreeSet<>(Comparator.comparingLong(Timer::timerDeadline)
                .thenComparingLong(Timer::timerSequence));
        for (Timer t : timers) {
            if (t.isArmed()) {
                model.add(t);
            }
        }
        assertEquals(model.size(), wheel.size(), run);
        for (Timer expected : model) {
            assertSame(expected, wheel.poll(now), run);
        }
        assertNull(wheel.poll(Long.MAX_VALUE), run);
        assertEquals(0, wheel.size(), run);
    }

    private static Timer removeMiddle(ArrayDeque<Timer> window, SplittableRandom random) {
        List<Timer> list = new ArrayList<>(window);
        Timer t = list.remove(1 + random.nextInt(list.size() - 2));
        window.clear();
        window.addAll(list);
        return t;
    }

    private static void expireLastTickThenArmEarlier() {
        TimerWheel wheel = new TimerWheel(0);
        Timer last = new Timer(0);
        Timer early = new Timer(1);
        wheel.arm(last, Long.MAX_VALUE);
        assertEquals(Long.MAX_VALUE, wheel.nextDeadline()); // expires ahead of time, up to the last tick
        wheel.arm(early, 5);
        assertEquals(5, wheel.nextDeadline());
        assertSame(early, wheel.poll(5));
        assertSame(last, wheel.poll(Long.MAX_VALUE));
        assertNull(wheel.poll(Long.MAX_VALUE));
        assertEquals(0, wheel.size());
    }

    @ParameterizedTest(name = "tickShift={0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 10, 20})
    void aTickWarmsEachOfItsTimersOnceBeforeTheFirstLeaves(int tickShift) {
        TimerWheel wheel = new TimerWheel(tickShift);
        long tick = wheel.tickNanos();
        long start = 1_000 * tick; // a later tick: its timers cascade on the way down before they expire
        List<WarmTimer> sameTick = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            WarmTimer t = new WarmTimer();
            wheel.arm(t, start + Math.min(i, tick - 1));
            sameTick.add(t);
        }
        WarmTimer cancelled = new WarmTimer();
        wheel.arm(cancelled, start);
        wheel.cancel(cancelled);
        WarmTimer nextTick = new WarmTimer();
        wheel.arm(nextTick, start + tick);

        WarmTimer first = (WarmTimer) wheel.poll(start + tick - 1);
        assertSame(sameTick.get(0), first);
        for (WarmTimer t : sameTick) {
            assertEquals(1, t.warmed, "every timer of the expired tick is warmed before the first leaves");
        }
        assertEquals(0, cancelled.warmed, "a cancelled timer is no longer in the tick");
        assertEquals(0, nextTick.warmed, "a later tick is not expired yet");
        while (wheel.poll(Long.MAX_VALUE) != null) {
            // drain
        }
        for (WarmTimer t : sameTick) {
            assertEquals(1, t.warmed, "warmed once, not again when it leaves");
        }
        assertEquals(1, nextTick.warmed);
    }

    @Test
    void theBlocksLastTickKeepsItsTimersWhileTheNextBlockCascadesIntoItsSlot() {
        // With 1 ns ticks, tick 255 is block 0's last; expiring it moves the cursor into block 1, whose timers cascade
        // into level 0 at once, tick 511 into the very slot tick 255 just left: the run must not share that array.
        TimerWheel wheel = new TimerWheel(0);
        Timer a1 = new Timer(1);
        Timer a2 = new Timer(2);
        Timer b = new Timer(3);
        Timer c = new Timer(4);
        wheel.arm(a1, 255);
        wheel.arm(a2, 255);
        wheel.arm(b, 511);
        wheel.arm(c, 300);
        assertSame(a1, wheel.poll(255));
        assertSame(a2, wheel.poll(255));
        assertNull(wheel.poll(299));
        assertSame(c, wheel.poll(511));
        assertSame(b, wheel.poll(511));
        assertNull(wheel.poll(Long.MAX_VALUE));
        assertEquals(0, wheel.size());
    }

    /** Counts the wheel's {@link TimerWheel.Entry#warm()} calls. */
    static final class WarmTimer extends TimerWheel.Entry {
        int warmed;

        @Override
        protected int warm() {
            return ++warmed;
        }
    }

    /** A test timer: its id names it in failure messages, its index places it in the armed list. */
    static final class Timer extends TimerWheel.Entry {
        final int id;
        int armedIndex = -1;
        boolean polledLast; // handed out by poll and neither armed nor cancelled since: rearm keeps its sequence

        Timer(int id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "Timer#" + id + "(" + timerDeadline() + "," + timerSequence() + ")";
        }
    }

    /** One reproducible run: the wheel, the model, and the random source. */
    static final class ModelRun {
        private static final Comparator<Timer> ORDER =
                Comparator.comparingLong(Timer::timerDeadline).thenComparingLong(Timer::timerSequence);

        private final long seed;
        private final int tickShift;
        private final long tick;
        private final SplittableRandom random;
        private final TimerWheel wheel;
        private final TreeSet<Timer> model = new TreeSet<>(ORDER);
        private final List<Timer> armed = new ArrayList<>();
        private final List<Timer> idle = new ArrayList<>();
        private long now;
        private long expectedSequence;
        private int nextId;
        private int op;
        private long polled;

        ModelRun(long seed, int tickShift) {
            this.seed = seed;
            this.tickShift = tickShift;
            this.tick = 1L << tickShift;
            this.random = new SplittableRandom(seed ^ (tickShift * 0x9E3779B97F4A7C15L));
            this.wheel = new TimerWheel(tickShift);
        }

        void run(int ops) {
            try {
                int timeMovesFreely = ops - ops / 20; // the last 5%: time may reach Long.MAX_VALUE
                for (op = 0; op < ops; op++) {
                    int r = random.nextInt(100);
                    if (r < 45) {
                        arm();
                    } else if (r < 60) {
                        cancel();
                    } else if (r < 90) {
                        advance(op >= timeMovesFreely);
                    } else if (r < 97) {
                        checkNextDeadline();
                    } else {
                        pollSome(random.nextInt(4));
                    }
                    if (wheel.size() != model.size()) {
                        fail("size " + wheel.size() + " != model " + model.size());
                    }
                }
                advanceTo(Long.MAX_VALUE);
                drain();
                if (!wheel.isEmpty() || !model.isEmpty()) {
                    fail("not empty at the end of time: wheel " + wheel.size() + ", model " + model.size());
                }
                if (polled == 0) {
                    fail("no timer ever fired: the run tested nothing");
                }
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed=" + seed + " tickShift=" + tickShift + " op=" + op + " now=" + now
                        + ": " + e.getMessage(), e);
            }
        }

        private void arm() {
            Timer t = idle.isEmpty() || random.nextInt(8) == 0
                    ? new Timer(nextId++)
                    : idle.remove(idle.size() - 1);
            long deadline = drawDeadline();
            if (!t.polledLast && random.nextInt(4) == 0) { // never polled, or cancelled since: keeps no sequence
                try {
                    wheel.rearm(t, deadline);
                    fail("rearm of a timer not polled last was accepted: " + t);
                } catch (IllegalStateException expected) {
                    // refused, as documented
                }
            }
            wheel.arm(t, deadline);
            t.polledLast = false;
            if (t.timerDeadline() != deadline || t.timerSequence() != expectedSequence) {
                fail("armed " + t + ", expected (" + deadline + "," + expectedSequence + ")");
            }
            expectedSequence++;
            if (!t.isArmed()) {
                fail("not armed after arm: " + t);
            }
            model.add(t);
            t.armedIndex = armed.size();
            armed.add(t);
            if (random.nextInt(50) == 0) { // arming an armed timer is refused and changes nothing
                try {
                    wheel.arm(t, deadline);
                    fail("re-arming an armed timer was accepted: " + t);
                } catch (IllegalStateException expected) {
                    // refused, as documented
                }
            }
        }

        private long drawDeadline() {
            int kind = random.nextInt(100);
            if (kind < 25) { // near: within a few ticks, often inside the current tick
                return saturatedAdd(now, random.nextLong(4 * tick));
            }
            if (kind < 40 && !armed.isEmpty()) { // equal to an armed timer's deadline
                return armed.get(random.nextInt(armed.size())).timerDeadline();
            }
            if (kind < 50 && !armed.isEmpty()) { // in the same tick as an armed timer
                long d = armed.get(random.nextInt(armed.size())).timerDeadline();
                long tickStart = d & -tick;
                return tickStart + random.nextLong(tick);
            }
            if (kind < 75) { // at some level's span: up to 64^level ticks ahead
                int level = random.nextInt(1, 11);
                long spanTicks = level * 6 >= 63 - tickShift ? Long.MAX_VALUE >>> tickShift : 1L << (level * 6);
                return saturatedAdd(now, random.nextLong(Math.max(1, spanTicks)) << tickShift | random.nextLong(tick));
            }
            if (kind < 80) { // in the past (already due)
                return now == 0 ? 0 : random.nextLong(now);
            }
            if (kind < 84) {
                return 0;
            }
            if (kind < 88) {
                return Long.MAX_VALUE;
            }
            if (kind < 92) {
                return Long.MAX_VALUE - random.nextLong(4 * tick);
            }
            return saturatedAdd(now, random.nextLong(Long.MAX_VALUE)); // anywhere ahead
        }

        private void cancel() {
            if (armed.isEmpty() || random.nextInt(20) == 0) {
                Timer stranger = idle.isEmpty() ? new Timer(nextId++) : idle.get(random.nextInt(idle.size()));
                if (wheel.cancel(stranger)) {
                    fail("cancel of an unarmed timer returned true: " + stranger);
                }
                return;
            }
            Timer t = armed.get(random.nextInt(armed.size()));
            if (!wheel.cancel(t)) {
                fail("cancel of an armed timer returned false: " + t);
            }
            if (t.isArmed()) {
                fail("still armed after cancel: " + t);
            }
            if (wheel.cancel(t)) {
                fail("second cancel returned true: " + t);
            }
            if (!model.remove(t)) {
                fail("model lost " + t);
            }
            disarmed(t);
            t.polledLast = false;
        }

        private void advance(boolean anyTime) {
            int kind = random.nextInt(100);
            long step;
            if (kind < 40) {
                step = random.nextLong(tick); // below one tick (0 included)
            } else if (kind < 75) {
                step = random.nextLong(8 * tick);
            } else if (kind < 95) {
                step = random.nextLong(Math.min(HUGE_STEP, tick << 18));
            } else if (kind < 99) {
                step = random.nextLong(Math.min(HUGE_STEP, tick << 30));
            } else if (!anyTime || random.nextBoolean()) {
                step = random.nextLong(HUGE_STEP); // a huge jump
            } else {
                step = Long.MAX_VALUE; // the end of time
            }
            advanceTo(anyTime ? saturatedAdd(now, step) : Math.min(saturatedAdd(now, step), Long.MAX_VALUE / 2));
            drain();
        }

        private void advanceTo(long target) {
            if (target < now) {
                fail("time went backwards");
            }
            now = target;
        }

        /** Polls everything due at {@code now}, each against the model. */
        private void drain() {
            while (pollOne()) {
                // checked inside
            }
        }

        private void pollSome(int n) {
            for (int i = 0; i < n && pollOne(); i++) {
                // checked inside
            }
        }

        /** @return whether a timer was polled */
        private boolean pollOne() {
            Timer expected = model.isEmpty() || model.first().timerDeadline() > now ? null : model.first();
            TimerWheel.Entry got = wheel.poll(now);
            if (got != expected) {
                fail("poll(" + now + ") returned " + got + ", model expects " + expected
                        + (model.isEmpty() ? "" : " (model first " + model.first() + ")"));
            }
            if (got == null) {
                return false;
            }
            if (got.timerDeadline() > now) {
                fail("fired early: " + got);
            }
            if (got.isArmed()) {
                fail("still armed after poll: " + got);
            }
            model.pollFirst();
            disarmed(expected);
            expected.polledLast = true;
            polled++;
            if (random.nextInt(4) == 0) { // a periodic timer: armed again at once, keeping its sequence
                rearm(expected);
            }
            return true;
        }

        /** Re-arms a polled timer with its own sequence; refused for any other timer. */
        private void rearm(Timer t) {
            long sequence = t.timerSequence();
            long deadline = random.nextBoolean() ? saturatedAdd(now, random.nextLong(4 * tick)) : drawDeadline();
            if (idle.remove(idle.size() - 1) != t) { // disarmed() has just put it last
                fail("idle list out of step");
            }
            wheel.rearm(t, deadline);
            t.polledLast = false;
            if (t.timerDeadline() != deadline || t.timerSequence() != sequence || !t.isArmed()) {
                fail("rearmed " + t + ", expected (" + deadline + "," + sequence + ")");
            }
            model.add(t);
            t.armedIndex = armed.size();
            armed.add(t);
            try {
                wheel.rearm(t, deadline);
                fail("rearming an armed timer was accepted: " + t);
            } catch (IllegalStateException expected) {
                // refused, as documented
            }
        }

        private void checkNextDeadline() {
            long bound = wheel.nextDeadlineBound();
            long modelMin = model.isEmpty() ? Long.MAX_VALUE : model.first().timerDeadline();
            if (bound > modelMin) {
                fail("nextDeadlineBound " + bound + " > earliest deadline " + modelMin);
            }
            if (model.isEmpty() && bound != Long.MAX_VALUE) {
                fail("nextDeadlineBound of an empty wheel is " + bound);
            }
            if (random.nextInt(3) == 0) { // exact: may expire ahead of time, which must change nothing observable
                long exact = wheel.nextDeadline();
                if (exact != modelMin) {
                    fail("nextDeadline " + exact + " != model " + modelMin);
                }
                long boundAfter = wheel.nextDeadlineBound();
                if (boundAfter > exact) {
                    fail("nextDeadlineBound " + boundAfter + " > nextDeadline " + exact);
                }
            }
        }

        private void disarmed(Timer t) {
            int i = t.armedIndex;
            Timer last = armed.remove(armed.size() - 1);
            if (last != t) {
                armed.set(i, last);
                last.armedIndex = i;
            }
            t.armedIndex = -1;
            idle.add(t);
        }

        private static long saturatedAdd(long a, long b) {
            long r = a + b;
            return r < 0 ? Long.MAX_VALUE : r; // both operands are non-negative here
        }
    }
}
