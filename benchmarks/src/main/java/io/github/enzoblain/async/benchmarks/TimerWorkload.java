package io.github.enzoblain.async.benchmarks;

/**
 * The timer workload shared by {@link TimerBenchmark} and {@link RetainedBytes}: {@code n} timers with distinct delays
 * {@code 1..n} steps, armed in a scrambled (but fixed) order, so arming is not sorted and firing must sort.
 *
 * <p>Immutable after construction; safe to share.
 */
final class TimerWorkload {

    /** The multiplier of the permutation {@code i -> (i * STRIDE) mod n}; prime and coprime with the counts used. */
    private static final long STRIDE = 7_919;

    final int n;
    /** {@code steps[i]}: the delay of the i-th timer armed, in steps, all distinct, in [1, n]. */
    final long[] steps;

    TimerWorkload(int n) {
        if (n % STRIDE == 0) {
            throw new IllegalArgumentException("n must not be a multiple of " + STRIDE);
        }
        this.n = n;
        this.steps = new long[n];
        for (int i = 0; i < n; i++) {
            steps[i] = 1 + (i * STRIDE) % n;
        }
    }

    /** @return the largest delay, in steps */
    long maxSteps() {
        return n;
    }
}
