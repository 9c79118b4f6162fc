package io.github.enzoblain.async.benchmarks;

import java.util.Arrays;

/**
 * {@link SameThreadBenchmark}'s floor and loop measured in turn in one JVM: a ratio that a noisy, shared host moves
 * less than it moves two separate JMH forks. Not a JMH benchmark and never part of the test run; a companion to the
 * JMH figures in {@code RESULTS.md}, not a replacement.
 *
 * <p><b>Concurrency.</b> Single-threaded, like the benchmark it drives.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar io.github.enzoblain.async.benchmarks.SameThreadAlternation}
 * with optional {@code -Drounds=40} (measured rounds, after 20 warm-up rounds) and {@code -Dcalls=5000} (invocations of
 * 1,000 tasks per round and contender). Prints the minimum, 25th percentile and median ns per task of each, and their
 * ratios.
 */
public final class SameThreadAlternation {

    private SameThreadAlternation() {
    }

    public static void main(String[] args) {
        int rounds = Integer.getInteger("rounds", 40);
        int calls = Integer.getInteger("calls", 5_000);
        SameThreadBenchmark b = new SameThreadBenchmark();
        b.setUp();
        double[] floor = new double[rounds];
        double[] loop = new double[rounds];
        long sink = 0;
        for (int r = -20; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (int c = 0; c < calls; c++) {
                sink += b.arrayDequeFloor();
            }
            long t1 = System.nanoTime();
            for (int c = 0; c < calls; c++) {
                sink += b.loopExecute();
            }
            long t2 = System.nanoTime();
            if (r >= 0) {
                floor[r] = (t1 - t0) / (calls * (double) SameThreadBenchmark.TASKS);
                loop[r] = (t2 - t1) / (calls * (double) SameThreadBenchmark.TASKS);
            }
        }
        b.tearDown();
        Arrays.sort(floor);
        Arrays.sort(loop);
        int p25 = rounds / 4;
        int p50 = rounds / 2;
        System.out.printf("arrayDequeFloor  min %6.2f  p25 %6.2f  median %6.2f ns/task%n", floor[0], floor[p25], floor[p50]);
        System.out.printf("loopExecute      min %6.2f  p25 %6.2f  median %6.2f ns/task%n", loop[0], loop[p25], loop[p50]);
        System.out.printf("loop / floor     min %6.2f  p25 %6.2f  median %6.2f%n", loop[0] / floor[0],
                loop[p25] / floor[p25], loop[p50] / floor[p50]);
        System.out.println("checksum " + sink); // uses every result, so none of the work can be dropped
    }
}
