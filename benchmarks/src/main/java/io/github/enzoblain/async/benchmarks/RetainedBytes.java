package io.github.enzoblain.async.benchmarks;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.VirtualClock;
import io.github.enzoblain.async.core.time.TimerWheel;

import io.netty.util.HashedWheelTimer;
import io.netty.util.TimerTask;

import org.agrona.DeadlineTimerWheel;

import reactor.test.scheduler.VirtualTimeScheduler;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Retained heap per pending timer (not a JMH benchmark): for each timer implementation, arms {@value #N} timers with
 * one shared no-op task and reports (heap used after - heap used before) / N, both read after full collections. The
 * caller keeps no handles, so what is counted is what the implementation itself holds per timer.
 *
 * <p>Run: {@code java -Xms2g -Xmx2g -XX:+UseSerialGC -cp benchmarks/target/benchmarks.jar
 * io.github.enzoblain.async.benchmarks.RetainedBytes}
 *
 * <p><b>Concurrency.</b> Single-threaded, except for the worker threads of the executor and of Netty's timer, which
 * are given time to take the timers in before the measurement (see {@link #nettyWheel()}).
 */
public final class RetainedBytes {

    /*
     * Implementation notes. Each measurement builds the empty structure first, so its fixed cost (empty wheel arrays,
     * threads) is in the baseline; growth caused by the timers (heap arrays, Agrona's spokes) counts. The structure is
     * kept reachable with a reachability fence until after the second reading. Serial GC makes the readings exact.
     */

    static final int N = 1_000_000;
    static final long STEP = TimerBenchmark.STEP;
    static final long FAR = TimerBenchmark.FAR;
    static final TimerWorkload WORK = new TimerWorkload(N);
    static final Runnable NOOP = () -> { };
    static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private RetainedBytes() {
    }

    /** A structure under measurement: built empty, then filled with {@link #N} timers, then released. */
    private interface Subject {
        void arm();

        default void release() {
        }
    }

    public static void main(String[] args) throws Exception {
        List<String[]> rows = new ArrayList<>();
        measure(rows, "Async Loop (schedule, TaskHandle per timer)", RetainedBytes::loop);
        measure(rows, "Async TimerWheel (raw entry, 1 field)", RetainedBytes::timerWheel);
        measure(rows, "JDK ScheduledThreadPoolExecutor", RetainedBytes::stpe);
        measure(rows, "Netty HashedWheelTimer", RetainedBytes::nettyWheel);
        measure(rows, "Agrona DeadlineTimerWheel coarse (2^20 ns x 1024)", () -> agrona(1 << 20, 1 << 10, 16));
        measure(rows, "Agrona DeadlineTimerWheel fine (2^10 ns x 2^20)", () -> agrona(1 << 10, 1 << 20, 1));
        measure(rows, "Reactor VirtualTimeScheduler", RetainedBytes::vts);
        System.out.println();
        System.out.printf(Locale.ROOT, "%-52s %16s %14s%n", "implementation (" + N + " pending timers)",
                "retained bytes", "bytes/timer");
        for (String[] r : rows) {
            System.out.printf(Locale.ROOT, "%-52s %16s %14s%n", r[0], r[1], r[2]);
        }
    }

    private static void measure(List<String[]> rows, String name, Supplier<Subject> factory) throws Exception {
        for (int round = 0; round < 2; round++) { // round 0 warms up class loading and code paths
            Subject s = factory.get();
            long before = usedAfterGc();
            s.arm();
            settle(s);
            long after = usedAfterGc();
            Reference.reachabilityFence(s);
            s.release();
            if (round == 1) {
                long bytes = after - before;
                rows.add(new String[] {name, Long.toString(bytes),
                        String.format(Locale.ROOT, "%.1f", (double) bytes / N)});
                System.out.printf(Locale.ROOT, "%s: %.1f bytes/timer%n", name, (double) bytes / N);
            }
        }
    }

    private static void settle(Subject s) throws InterruptedException {
        if (s instanceof NettySubject) {
            ((NettySubject) s).awaitTransferred();
        }
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return MEMORY.getHeapMemoryUsage().getUsed();
    }

    // ---------------------------------------------------------------------------------------------- subjects

    private static Subject loop() {
        VirtualClock clock = new VirtualClock();
        Loop loop = Loop.builder().name("retained").clock(clock).build();
        long[] steps = WORK.steps;
        Runnable armAll = () -> {
            for (int i = 0; i < N; i++) {
                loop.schedule(NOOP, FAR + steps[i] * STEP, TimeUnit.NANOSECONDS);
            }
        };
        return new Subject() {
            @Override
            public void arm() {
                loop.execute(armAll);
                loop.runUntilIdle();
                if (loop.pendingTimers() != N) {
                    throw new IllegalStateException("loop: " + loop.pendingTimers() + " pending");
                }
            }

            @Override
            public void release() {
                loop.shutdownNow();
            }
        };
    }

    private static Subject timerWheel() {
        TimerWheel wheel = new TimerWheel(20);
        Counter counter = new Counter();
        long[] steps = WORK.steps;
        return () -> {
            for (int i = 0; i < N; i++) {
                wheel.arm(new WheelTimer(counter), FAR + steps[i] * STEP);
            }
        };
    }

    private static Subject stpe() {
        ScheduledThreadPoolExecutor x = new ScheduledThreadPoolExecutor(1, CrossThreadBenchmark.daemon("retained"));
        x.setRemoveOnCancelPolicy(true);
        x.prestartAllCoreThreads();
        long[] steps = WORK.steps;
        return new Subject() {
            @Override
            public void arm() {
                for (int i = 0; i < N; i++) {
                    x.schedule(NOOP, FAR + steps[i] * STEP, TimeUnit.NANOSECONDS);
                }
            }

            @Override
            public void release() {
                x.shutdownNow();
            }
        };
    }

    /** Netty's timer takes new timeouts from an MPSC queue into its buckets on its own thread, 100,000 per tick. */
    private static final class NettySubject implements Subject {
        final HashedWheelTimer timer = new HashedWheelTimer(CrossThreadBenchmark.daemon("retained-netty"), 1,
                TimeUnit.MILLISECONDS, 512, false);
        final TimerTask task = t -> { };

        NettySubject() {
            timer.start();
        }

        @Override
        public void arm() {
            long[] steps = WORK.steps;
            for (int i = 0; i < N; i++) {
                timer.newTimeout(task, FAR + steps[i] * STEP, TimeUnit.NANOSECONDS);
            }
        }

        /**
         * The transfer is not observable from outside, so give the worker well over the 10 ticks it needs (a
         * measurement harness, not a test: nothing is asserted on this wait).
         */
        void awaitTransferred() throws InterruptedException {
            Thread.sleep(500);
        }

        @Override
        public void release() {
            timer.stop();
        }
    }

    private static Subject nettyWheel() {
        return new NettySubject();
    }

    private static Subject agrona(long resolution, int ticksPerWheel, int initialAllocation) {
        DeadlineTimerWheel wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, 0, resolution, ticksPerWheel,
                initialAllocation);
        long[] steps = WORK.steps;
        return () -> {
            for (int i = 0; i < N; i++) {
                wheel.scheduleTimer(FAR + steps[i] * STEP);
            }
        };
    }

    private static Subject vts() {
        VirtualTimeScheduler v = VirtualTimeScheduler.create();
        long[] steps = WORK.steps;
        return new Subject() {
            @Override
            public void arm() {
                for (int i = 0; i < N; i++) {
                    v.schedule(NOOP, FAR + steps[i] * STEP, TimeUnit.NANOSECONDS);
                }
            }

            @Override
            public void release() {
                v.dispose();
            }
        };
    }
}
