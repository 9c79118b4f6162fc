package io.github.enzoblain.async.core.trace;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A log-linear histogram of non-negative durations in nanoseconds: fixed memory, no allocation when recording.
 *
 * <p><b>Concurrency.</b> One thread records (the loop's driver); any thread may read. Every bucket and summary value is
 * written with opaque stores and read with opaque loads, so a reader on another thread sees recent values, never torn
 * ones; a read made while the writer records is not an atomic snapshot (the count may be one ahead of the buckets). On
 * the writer's thread, or on any thread once the writer has stopped and that stop happens-before the read (a joined
 * thread, a latch, {@code Loop.close()}), every read is exact.
 *
 * <p><b>Precision.</b> Values below 16 ns have a bucket each; above, each power of two is split into 16 sub-buckets,
 * so a percentile is reported as its bucket's upper bound, at most 6.25% above the true value (and never above
 * {@link #max()}).
 */
public final class LatencyHistogram {

    /*
     * Implementation notes.
     *
     * - Bucket index of v: v itself below SUB (16); otherwise, with e = floor(log2 v), the group (e - SUB_BITS + 1) and
     *   within it the SUB_BITS bits below the leading one. 61 groups of 16 cover all of [0, Long.MAX_VALUE].
     * - Fields are single-writer; stores are opaque (plain moves on x86), so recording costs a few instructions.
     */

    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS;
    private static final int BUCKETS = (64 - SUB_BITS) * SUB + SUB;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int COUNT = 0, TOTAL = 1, MAX = 2;

    private final long[] buckets = new long[BUCKETS];
    private final long[] summary = new long[3];

    LatencyHistogram() {
    }

    /** Records {@code nanos} (a negative value counts as 0). Writer thread only. */
    void record(long nanos) {
        long v = Math.max(0, nanos);
        int i = index(v);
        SLOT.setOpaque(buckets, i, buckets[i] + 1);
        SLOT.setOpaque(summary, COUNT, summary[COUNT] + 1);
        long total = summary[TOTAL] + v;
        SLOT.setOpaque(summary, TOTAL, total < 0 ? Long.MAX_VALUE : total);
        if (v > summary[MAX]) {
            SLOT.setOpaque(summary, MAX, v);
        }
    }

    /** @return the number of values recorded */
    public long count() {
        return (long) SLOT.getOpaque(summary, COUNT);
    }

    /** @return the sum of the values recorded, in nanoseconds (saturates at {@link Long#MAX_VALUE}) */
    public long totalNanos() {
        return (long) SLOT.getOpaque(summary, TOTAL);
    }

    /** @return the largest value recorded, in nanoseconds; 0 if none */
    public long max() {
        return (long) SLOT.getOpaque(summary, MAX);
    }

    /** @return the mean, in nanoseconds; 0 if none */
    public double mean() {
        long n = count();
        return n == 0 ? 0 : (double) totalNanos() / n;
    }

    /**
     * The value at quantile {@code q}: the smallest bucket upper bound below which at least {@code q} of the values lie,
     * capped at {@link #max()}.
     *
     * @param q in [0, 1], e.g. 0.99
     * @return nanoseconds; 0 if nothing was recorded
     */
    public long percentile(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in [0, 1], was " + q);
        }
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += (long) SLOT.getOpaque(buckets, i);
        }
        if (seen == 0) {
            return 0;
        }
        long target = Math.max(1, (long) Math.ceil(q * seen));
        long cumulative = 0;
        for (int i = 0; i < BUCKETS; i++) {
            cumulative += (long) SLOT.getOpaque(buckets, i);
            if (cumulative >= target) {
                return Math.min(upperBound(i), max());
            }
        }
        return max();
    }

    static int index(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int e = 63 - Long.numberOfLeadingZeros(v);
        int shift = e - SUB_BITS;
        return ((shift + 1) << SUB_BITS) + (int) ((v >>> shift) & (SUB - 1));
    }

    static long lowerBound(int index) {
        if (index < SUB) {
            return index;
        }
        int shift = (index >>> SUB_BITS) - 1;
        return ((long) (SUB + (index & (SUB - 1)))) << shift;
    }

    static long upperBound(int index) {
        if (index < SUB) {
            return index;
        }
        int shift = (index >>> SUB_BITS) - 1;
        long lower = lowerBound(index);
        long width = 1L << shift;
        return lower > Long.MAX_VALUE - width + 1 ? Long.MAX_VALUE : lower + width - 1;
    }

    @Override
    public String toString() {
        return "LatencyHistogram[count=" + count() + ", p50=" + percentile(0.5) + "ns, p99=" + percentile(0.99)
                + "ns, max=" + max() + "ns]";
    }
}
