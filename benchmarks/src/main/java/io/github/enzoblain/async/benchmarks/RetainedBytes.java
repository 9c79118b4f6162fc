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
import java.nio.charset.StandardCharsets;
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
     * Each subject runs in its own JVM: a stopping worker thread of one subject could otherwise still hold its timers
     * while the next subject takes its baseline.
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

    /** The subjects, by command-line name. */
    private static final String[][] SUBJECTS = {
        {"loop", "Async Loop (schedule: one TaskHandle per timer)"},
        {"loopLight", "Async Loop (executeAfter: one light timer each)"},
        {"timerWheel", "Async TimerWheel (raw entry with one field)"},
        {"stpe", "JDK ScheduledThreadPoolExecutor (remove-on-cancel)"},
        {"netty", "Netty HashedWheelTimer (1 ms x 512)"},
        {"agronaCoarse", "Agrona DeadlineTimerWheel (2^20 ns x 1024)"},
        {"agronaFine", "Agrona DeadlineTimerWheel (2^10 ns x 2^20)"},
        {"vts", "Reactor VirtualTimeScheduler"},
    };

    /**
     * With no argument: measures every subject, each in a fresh child JVM with this JVM's options (so no subject's
     * leftovers, threads or heap shape disturb another), and prints the table. With a subject's name: measures that
     * one here and prints {@code name<TAB>bytes}.
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 1) {
            System.out.println(args[0] + "\t" + measure(factory(args[0])));
            return;
        }
        String java = System.getProperty("java.home") + "/bin/java";
        List<String> jvmOptions = ManagementFactory.getRuntimeMXBean().getInputArguments();
        System.out.printf(Locale.ROOT, "%-52s %16s %12s%n", "implementation (" + N + " pending timers)",
                "retained bytes", "bytes/timer");
        for (String[] subject : SUBJECTS) {
            List<String> command = new ArrayList<>();
            command.add(java);
            command.addAll(jvmOptions);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(RetainedBytes.class.getName());
            command.add(subject[0]);
            Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (child.waitFor() != 0) {
                throw new IllegalStateException(subject[0] + " failed:\n" + output);
            }
            String last = output.strip().lines().reduce((a, b) -> b).orElseThrow();
            long bytes = Long.parseLong(last.substring(last.indexOf('\t') + 1));
            System.out.printf(Locale.ROOT, "%-52s %16d %12.1f%n", subject[1], bytes, (double) bytes / N);
        }
    }

    private static Supplier<Subject> factory(String name) {
        switch (name) {
            case "loop": return () -> loop(false);
            case "loopLight": return () -> loop(true);
            case "timerWheel": return RetainedBytes::timerWheel;
            case "stpe": return RetainedBytes::stpe;
            case "netty": return RetainedBytes::nettyWheel;
            case "agronaCoarse": return () -> agrona(1 << 20, 1 << 10, 16);
            case "agronaFine": return () -> agrona(1 << 10, 1 << 20, 1);
            case "vts": return RetainedBytes::vts;
            default: throw new IllegalArgumentException("unknown subject " + name);
        }
    }

    /**
     * One round per JVM: a second round's baseline could still hold the first round's timers (a stopped Netty timer
     * keeps them until its worker has gone). Class loading and JIT code live outside the heap. The first full
     * collection of a JVM frees start-up data (about 17 MB here) that a later one no longer finds, so the baseline is
     * taken after a throw-away reading.
     *
     * @return retained bytes for N timers
     */
    private static long measure(Supplier<Subject> factory) throws Exception {
        usedAfterGc();
        Subject s = factory.get();
        long before = usedAfterGc();
        s.arm();
        settle(s);
        long after = usedAfterGc();
        Reference.reachabilityFence(s);
        s.release();
        return after - before;
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

    /** @param light timers by {@code executeAfter} (else {@code schedule}) */
    private static Subject loop(boolean light) {
        VirtualClock clock = new VirtualClock();
        Loop loop = Loop.builder().name("retained").clock(clock).build();
        long[] steps = WORK.steps;
        Runnable armAll = light ? () -> {
            for (int i = 0; i < N; i++) {
                loop.executeAfter(NOOP, FAR + steps[i] * STEP, TimeUnit.NANOSECONDS);
            }
        } : () -> {
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
         * Waits until the worker has moved every armed timeout from its queue into its wheel: a sentinel armed last,
         * already due, is transferred after all of them (the queue is FIFO, at most 100,000 per tick) and expires in
         * the tick that transfers it.
         */
        void awaitTransferred() throws InterruptedException {
            java.util.concurrent.CountDownLatch transferred = new java.util.concurrent.CountDownLatch(1);
            timer.newTimeout(t -> transferred.countDown(), 0, TimeUnit.NANOSECONDS);
            if (!transferred.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("netty: the sentinel timeout never fired");
            }
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
