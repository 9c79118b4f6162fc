package io.github.enzoblain.async.benchmarks;

import io.github.enzoblain.async.core.time.TimerWheel;

import org.agrona.DeadlineTimerWheel;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What "fired in time order" means for each wheel {@link TimerBenchmark} fires (not a JMH benchmark): arms the
 * benchmark's {@value TimerBenchmark#N} timers, fires them the way the benchmark does, and counts the timers that fired
 * after one with a later deadline. Our wheel keeps exact (deadline, sequence) order whatever its tick; Agrona's wheel
 * keeps tick order, so whether a shape fires this workload in deadline order depends on its tick and on the arming
 * order. Also run with arming reversed (the later of two deadlines in one tick armed first), to show what tick order
 * allows.
 *
 * <p>Run: {@code java -Xmx4g -cp benchmarks/target/benchmarks.jar io.github.enzoblain.async.benchmarks.TimerFireOrder}
 *
 * <p><b>Concurrency.</b> Single-threaded.
 */
public final class TimerFireOrder {

    private TimerFireOrder() {
    }

    public static void main(String[] args) {
        long[] steps = TimerBenchmark.WORK.steps;
        long[] reversed = new long[steps.length];
        for (int i = 0; i < steps.length; i++) {
            reversed[i] = steps.length - i;
        }
        for (boolean reverse : new boolean[] {false, true}) {
            long[] order = reverse ? reversed : steps;
            String arming = reverse ? "arming reversed" : "the benchmark's arming";
            System.out.printf("%-40s %-22s out of order: %d%n", "our wheel, tick 2^20", arming, ours(order, 20));
            System.out.printf("%-40s %-22s out of order: %d%n", "our wheel, tick 2^10", arming, ours(order, 10));
            System.out.printf("%-40s %-22s out of order: %d%n", "Agrona fine (2^10 ns ticks, 2^20 spokes)", arming,
                    agrona(order, 10, 20));
            System.out.printf("%-40s %-22s out of order: %d%n", "Agrona exact (2^9 ns ticks, 2^21 spokes)", arming,
                    agrona(order, 9, 21));
        }
    }

    /** Timers that fired after a timer with a later deadline. */
    private static final class Inversions {
        long last = Long.MIN_VALUE;
        long count;
        long fired;

        void fired(long deadline) {
            if (deadline < last) {
                count++;
            }
            last = Math.max(last, deadline);
            fired++;
        }
    }

    /** A bare wheel entry: the check reads the deadline the entry was armed with ({@code timerDeadline()}). */
    private static final class Timer extends TimerWheel.Entry {
    }

    private static long ours(long[] steps, int tickShift) {
        TimerWheel wheel = new TimerWheel(tickShift);
        for (long step : steps) {
            long deadline = step * TimerBenchmark.STEP;
            wheel.arm(new Timer(), deadline);
        }
        Inversions inversions = new Inversions();
        TimerWheel.Entry e;
        while ((e = wheel.poll(steps.length * TimerBenchmark.STEP)) != null) {
            inversions.fired(e.timerDeadline());
        }
        check(inversions, steps.length);
        return inversions.count;
    }

    /** Fired as {@link TimerBenchmark} fires it: one poll per tick. */
    private static long agrona(long[] steps, int tickShift, int spokeShift) {
        DeadlineTimerWheel wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, 0, 1L << tickShift, 1 << spokeShift, 1);
        Map<Long, Long> deadlines = new HashMap<>(steps.length * 2);
        for (long step : steps) {
            long deadline = step * TimerBenchmark.STEP;
            deadlines.put(wheel.scheduleTimer(deadline), deadline); // its own deadline() reads NULL once fired
        }
        Inversions inversions = new Inversions();
        long now = 0;
        while (wheel.timerCount() > 0) {
            now += wheel.tickResolution();
            wheel.poll(now, (unit, at, id) -> {
                inversions.fired(deadlines.get(id));
                return true;
            }, Integer.MAX_VALUE);
        }
        check(inversions, steps.length);
        return inversions.count;
    }

    private static void check(Inversions inversions, int n) {
        if (inversions.fired != n) {
            throw new IllegalStateException("fired " + inversions.fired + " of " + n);
        }
    }
}
