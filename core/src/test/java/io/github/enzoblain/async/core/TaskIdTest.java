package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Task ids: unique within a loop, and larger than the id of every submission that happened-before, whether the
 * submissions come from the driver thread (which takes ids without an atomic read-modify-write) or from others.
 */
class TaskIdTest {

    @Test
    void idsIncreaseAlongAChainOfSubmissionsHoppingBetweenTheDriverAndAnotherThread() throws Exception {
        Loop loop = Loop.create();
        SynchronousQueue<Long> toOther = new SynchronousQueue<>();
        SynchronousQueue<Long> toDriver = new SynchronousQueue<>();
        int hops = 200;
        Thread other = new Thread(() -> {
            try {
                for (int i = 0; i < hops; i++) {
                    long driverId = toOther.take();
                    TaskHandle<Void> h = loop.submit(() -> { });
                    if (h.id() <= driverId) {
                        throw new AssertionError("foreign id " + h.id() + " after driver id " + driverId);
                    }
                    toDriver.put(h.id());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ids-other");
        other.setDaemon(true); // a failed run leaves it waiting: it must not keep the test JVM alive
        other.start();
        List<Long> chain = new ArrayList<>();
        // the driver's submissions run inside a task, so they take the driver's half of the clock
        loop.execute(() -> {
            try {
                long last = -1;
                for (int i = 0; i < hops; i++) {
                    long mine = loop.submit(() -> { }).id();
                    assertThat(mine).isGreaterThan(last);
                    chain.add(mine);
                    toOther.put(mine);
                    last = toDriver.take(); // the other thread's id, which happened-before our next submission
                    assertThat(last).isGreaterThan(mine);
                    chain.add(last);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        loop.runOnce();
        other.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(other.isAlive()).isFalse();
        assertThat(chain).hasSize(2 * hops).isSorted().doesNotHaveDuplicates();
        loop.runUntilIdle();
        assertThat(loop.stats().completed()).isEqualTo(1 + 2 * hops);
    }

    @Test
    void idsAreUniqueWhileTheDriverAndOtherThreadsSubmitAtOnce() throws Exception {
        Loop loop = Loop.builder().inboxCapacity(1 << 16).build();
        int producers = 3;
        int perThread = 10_000;
        CyclicBarrier start = new CyclicBarrier(producers + 1);
        CountDownLatch done = new CountDownLatch(producers);
        long[][] foreign = new long[producers][perThread];
        for (int p = 0; p < producers; p++) {
            long[] mine = foreign[p];
            Thread producer = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        mine[i] = loop.schedule(() -> { }, Duration.ofHours(1)).id();
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                } finally {
                    done.countDown();
                }
            }, "ids-producer-" + p);
            producer.setDaemon(true);
            producer.start();
        }
        long[] local = new long[perThread];
        loop.execute(() -> {
            try {
                start.await();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            for (int i = 0; i < perThread; i++) {
                local[i] = loop.schedule(() -> { }, Duration.ofHours(1)).id();
            }
        });
        loop.runOnce();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        Set<Long> all = new HashSet<>();
        for (int i = 0; i < perThread; i++) {
            assertThat(all.add(local[i])).isTrue();
            if (i > 0) {
                assertThat(local[i]).isGreaterThan(local[i - 1]); // one thread's submissions: increasing
            }
        }
        for (long[] ids : foreign) {
            for (int i = 0; i < perThread; i++) {
                assertThat(all.add(ids[i])).as("id %d taken twice", ids[i]).isTrue();
                if (i > 0) {
                    assertThat(ids[i]).isGreaterThan(ids[i - 1]);
                }
            }
        }
        assertThat(all).hasSize((producers + 1) * perThread);
        loop.shutdownNow();
        assertThat(loop.stats().isBalanced()).isTrue();
    }
}
