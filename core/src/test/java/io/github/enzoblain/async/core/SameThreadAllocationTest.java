package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Promise 3: on the driver thread, {@code execute} + run allocates nothing beyond the task the caller made. Measured
 * with the JVM's per-thread allocation counter (exact for this thread's allocations), after a warm-up.
 */
class SameThreadAllocationTest {

    @Test
    void executeAndRunOnTheDriverAllocateNothing() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Loop loop = Loop.create();
        long[] count = new long[1];
        Runnable task = () -> count[0]++;
        Runnable burst = () -> {
            for (int i = 0; i < 1_000; i++) {
                loop.execute(task);
            }
        };
        for (int round = 0; round < 2_000; round++) { // warm up: queue grown, code compiled
            loop.execute(burst);
            loop.runUntilIdle();
        }
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int round = 0; round < 1_000; round++) {
            burst.run(); // not on the driver: goes through the inbox, still no allocation per task
            loop.runUntilIdle();
        }
        long viaInbox = threads.getThreadAllocatedBytes(tid) - before;
        before = threads.getThreadAllocatedBytes(tid);
        for (int round = 0; round < 1_000; round++) {
            loop.execute(burst);
            loop.runUntilIdle();
        }
        long onDriver = threads.getThreadAllocatedBytes(tid) - before;
        // 1,000,000 tasks each way: anything per task would be megabytes; allow a few KB of JVM noise
        assertThat(onDriver).as("bytes allocated for 1M same-thread tasks").isLessThan(64 * 1024);
        assertThat(viaInbox).as("bytes allocated for 1M tasks through the inbox").isLessThan(64 * 1024);
        assertThat(count[0]).isEqualTo(4_000_000L);
    }
}
