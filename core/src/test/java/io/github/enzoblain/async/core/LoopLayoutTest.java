package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Loop}'s field layout (its implementation notes: Layout): the fields other threads read on every submission
 * sit at least a cache line away from the counters the driver writes on every task, so that submitting from another
 * thread does not miss on a line the driver keeps taking back. Reads the offsets the JVM chose.
 */
class LoopLayoutTest {

    private static final List<String> READ_BY_PRODUCERS = List.of("lifecycle", "origin", "parkedUntil", "driver",
            "inbox", "clock", "ids", "hooked", "lazyWakeMask", "name", "callerRejected");
    private static final List<String> WRITTEN_PER_TASK = List.of("submittedCount", "startedCount", "completedCount",
            "startedAtIdle", "publishedVersion", "awaiting", "handledLifecycle", "peakDepth", "growMark",
            "untilTracked", "trackedQueued");
    private static final int LINE = 64;

    @Test
    void whatProducersReadIsACacheLineAwayFromWhatTheDriverWritesPerTask() throws Exception {
        Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        sun.misc.Unsafe unsafe = (sun.misc.Unsafe) f.get(null);
        long firstWritten = Long.MAX_VALUE;
        long lastWritten = Long.MIN_VALUE;
        for (String name : WRITTEN_PER_TASK) {
            long at = unsafe.objectFieldOffset(Loop.class.getDeclaredField(name));
            firstWritten = Math.min(firstWritten, at);
            lastWritten = Math.max(lastWritten, at + 8);
        }
        for (String name : READ_BY_PRODUCERS) {
            long at = unsafe.objectFieldOffset(Loop.class.getDeclaredField(name));
            long end = at + 8; // at most a long's width: the distance is conservative for narrower fields
            assertThat(end <= firstWritten - LINE || at >= lastWritten + LINE)
                    .as("%s at offset %d, the driver's per-task fields at [%d, %d)", name, at, firstWritten,
                            lastWritten)
                    .isTrue();
        }
    }
}
