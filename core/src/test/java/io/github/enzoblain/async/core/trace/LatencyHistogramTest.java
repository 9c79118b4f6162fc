package io.github.enzoblain.async.core.trace;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LatencyHistogramTest {

    @Test
    void everyValueLiesInItsBucketAndBucketsAreNarrow() {
        SplittableRandom random = new SplittableRandom(42);
        long[] edges = {0, 1, 15, 16, 17, 31, 32, 33, 1_000, 1 << 20, (1L << 40) + 7, Long.MAX_VALUE - 1, Long.MAX_VALUE};
        for (long v : edges) {
            assertBucket(v);
        }
        for (int n = 0; n < 100_000; n++) {
            assertBucket(random.nextLong(Long.MAX_VALUE) >>> random.nextInt(63));
        }
    }

    private static void assertBucket(long v) {
        int i = LatencyHistogram.index(v);
        long lo = LatencyHistogram.lowerBound(i);
        long hi = LatencyHistogram.upperBound(i);
        assertThat(v).as("value %d in bucket %d [%d, %d]", v, i, lo, hi).isBetween(lo, hi);
        assertThat((double) (hi - lo)).as("width of bucket %d", i).isLessThanOrEqualTo(lo / 16.0);
        if (i > 0) {
            assertThat(LatencyHistogram.upperBound(i - 1)).isEqualTo(lo - 1); // buckets tile the range
        }
    }

    @Test
    void summaryAndPercentiles() {
        LatencyHistogram h = new LatencyHistogram();
        assertThat(h.percentile(0.5)).isZero();
        for (long ms = 1; ms <= 100; ms++) {
            h.record(ms * 1_000_000);
        }
        h.record(-5); // counts as 0
        assertThat(h.count()).isEqualTo(101);
        assertThat(h.totalNanos()).isEqualTo(5050L * 1_000_000);
        assertThat(h.max()).isEqualTo(100_000_000L);
        assertThat(h.percentile(0)).isZero();
        assertWithinBucket(h.percentile(0.5), 50_000_000L);   // the 51st of 101 values: 50 ms
        assertWithinBucket(h.percentile(0.99), 99_000_000L);  // the 100th: 99 ms
        assertThat(h.percentile(1)).isEqualTo(100_000_000L); // capped at the max
        assertThatThrownBy(() -> h.percentile(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.percentile(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void extremeValuesSaturateTheTotalAndKeepPercentilesWithinRange() {
        LatencyHistogram h = new LatencyHistogram();
        assertThat(h.mean()).isZero();
        assertThat(h.max()).isZero();
        assertThat(h.percentile(0)).isZero();
        assertThat(h.percentile(1)).isZero();
        h.record(Long.MIN_VALUE); // counts as 0
        h.record(0);
        h.record(Long.MAX_VALUE);
        h.record(Long.MAX_VALUE);
        h.record(Long.MAX_VALUE - 1);
        assertThat(h.count()).isEqualTo(5);
        assertThat(h.totalNanos()).isEqualTo(Long.MAX_VALUE); // saturated, never negative
        assertThat(h.max()).isEqualTo(Long.MAX_VALUE);
        assertThat(h.percentile(0)).isZero();
        assertThat(h.percentile(0.4)).isZero();
        assertThat(h.percentile(0.6)).isBetween(Long.MAX_VALUE - (Long.MAX_VALUE >> 4), Long.MAX_VALUE);
        assertThat(h.percentile(1)).isEqualTo(Long.MAX_VALUE);
        assertThat(h.percentile(Double.MIN_VALUE)).isZero();
        assertThat(h.mean()).isPositive();
        assertThatThrownBy(() -> h.percentile(-Double.MIN_VALUE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.percentile(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
        assertThat(h.toString()).contains("count=5");
    }

    static void assertWithinBucket(long reported, long exact) {
        assertThat(reported).isBetween(exact, exact + exact / 16);
    }
}
