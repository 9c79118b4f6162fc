package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.queue.AdmissionPolicy;
import io.github.enzoblain.async.core.queue.RunQueues;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Promise (2): the same calls with the same clock readings give the same order and the same trace; virtual time runs
 * hours of timers in milliseconds, each at its exact deadline.
 *
 * <p>Single-threaded: the test thread submits and drives (through {@link VirtualClock} and {@link Loop#runUntilIdle()}),
 * so every trace entry is written by that one thread.
 */
class DeterminismTest {

    /*
     * Implementation notes.
     *
     * A script is a seeded-random mix of execute, submit (values and failures), one-shot and periodic timers (fixed
     * rate and fixed delay, some failing now and then), cancellations, spawned tasks (stages already completed, failed,
     * or completed later by a timer task), tasks that submit from inside the loop, and clock moves. A listener records
     * every hook event with the clock reading and task id; tasks, completion callbacks and the error handler write to the
     * same trace. Two fresh loops on fresh VirtualClocks running the same script must give equal traces (compared as
     * lists); a different seed must give a different one.
     */

    private static final long SEED = 0xD37E_2A11L;
    private static final int SCRIPT_STEPS = 400;

    /** Loop shapes the script runs on. */
    enum Shape {
        FIFO, PRIORITY, BOUNDED_DROP_OLDEST, BOUNDED_REJECT, CLOSE_RUNS_TIMERS, STOP_PERIODIC_ON_FAILURE
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void sameScriptOnFreshLoopsGivesTheSameTrace(Shape shape) {
        List<String> first = runScript(shape, SEED);
        List<String> second = runScript(shape, SEED);

        assertEquals(first, second);
        assertThat(first).hasSizeGreaterThan(2 * SCRIPT_STEPS); // the script did plenty
        assertThat(first).anyMatch(e -> e.contains(" start #"))
                .anyMatch(e -> e.contains(" failure #"))
                .anyMatch(e -> e.contains(" cancel #"))
                .anyMatch(e -> e.contains(" timer #"));
        if (shape == Shape.BOUNDED_DROP_OLDEST || shape == Shape.BOUNDED_REJECT) {
            assertThat(first).anyMatch(e -> e.contains(" reject #"));
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void aDifferentScriptGivesADifferentTrace(Shape shape) {
        assertNotEquals(runScript(shape, SEED), runScript(shape, SEED + 1));
    }

    @Test
    void installingAListenerDoesNotChangeTheOrderOnAPriorityQueue() {
        // With a listener, plain execute() tasks become tracked tasks; the run order must not depend on that, and a task
        // submitted without a priority runs in the queue's default class, like an untracked one.
        assertEquals(priorityOrder(false), priorityOrder(true));
        assertEquals(List.of("p0", "p1", "exec", "submit", "callable", "p3"), priorityOrder(false));
    }

    private static List<String> priorityOrder(boolean withListener) {
        Loop.Builder b = Loop.builder().clock(new VirtualClock()).runQueue(RunQueues.priority(4)); // default class 2
        if (withListener) {
            b.listener(new LoopListener() {
            });
        }
        Loop loop = b.build();
        List<String> order = new ArrayList<>();
        loop.execute(() -> order.add("exec"));
        loop.submit(() -> {
            order.add("submit"); // a Runnable
        });
        loop.submit(() -> order.add("callable")); // a Callable<Boolean>
        loop.submit(() -> order.add("p3"), 3);
        loop.submit(() -> order.add("p1"), 1);
        loop.submit(() -> order.add("p0"), 0);
        loop.runUntilIdle();
        loop.close();
        return order;
    }

    @Test
    void tenVirtualHoursOfTimersRunInMillisecondsAtExactDeadlines() {
        VirtualClock clock = new VirtualClock(987_654_321L); // a non-zero origin
        Loop loop = Loop.builder().clock(clock).build();
        long origin = clock.nanoTime();
        long second = Duration.ofSeconds(1).toNanos();
        long horizon = Duration.ofHours(10).toNanos();

        long[] periodic = new long[2]; // runs, runs off their deadline
        TaskHandle<Void> ticker = loop.scheduleAtFixedRate(() -> {
            long k = ++periodic[0];
            if (clock.nanoTime() != origin + k * second) {
                periodic[1]++;
            }
        }, Duration.ofSeconds(1), Duration.ofSeconds(1));

        SplittableRandom random = new SplittableRandom(SEED);
        int oneShots = 20_000;
        long[] oneShot = new long[3]; // runs, runs off their deadline, runs out of (deadline, id) order
        long[] last = {Long.MIN_VALUE, Long.MIN_VALUE};
        for (int i = 0; i < oneShots; i++) {
            // some share a deadline exactly (whole seconds, like the ticker), the rest anywhere within the horizon
            long delay = i % 4 == 0 ? (1 + random.nextLong(horizon / second)) * second : 1 + random.nextLong(horizon);
            long deadline = origin + delay;
            TaskHandle<?>[] self = new TaskHandle<?>[1];
            self[0] = loop.schedule(() -> {
                oneShot[0]++;
                long now = clock.nanoTime();
                if (now != deadline) {
                    oneShot[1]++;
                }
                long id = self[0].id();
                if (now < last[0] || (now == last[0] && id < last[1])) {
                    oneShot[2]++;
                }
                last[0] = now;
                last[1] = id;
            }, Duration.ofNanos(delay));
        }
        int beyond = 100;
        for (int i = 0; i < beyond; i++) {
            loop.schedule(() -> oneShot[0] += 1_000_000, Duration.ofNanos(horizon + 1 + i)); // must not fire
        }

        long wallStart = System.nanoTime();
        int ran = clock.advanceBy(Duration.ofHours(10));
        long wallNanos = System.nanoTime() - wallStart;

        assertThat(periodic[0]).isEqualTo(horizon / second); // 36,000 runs at 1 s, 2 s, ..., 10 h
        assertThat(periodic[1]).as("periodic runs off their deadline").isZero();
        assertThat(oneShot[0]).isEqualTo(oneShots);
        assertThat(oneShot[1]).as("one-shot runs off their deadline").isZero();
        assertThat(oneShot[2]).as("one-shot runs out of (deadline, sequence) order").isZero();
        assertThat(ran).isEqualTo(oneShots + horizon / second);
        assertThat(clock.nanoTime()).isEqualTo(origin + horizon);
        assertThat(ticker.deadline()).isEqualTo(origin + horizon + second);
        assertThat(loop.pendingTimers()).isEqualTo(1 + beyond);
        assertThat(loop.stats().isBalanced()).isTrue();
        // Virtual time must not cost real time. Generous bound for a loaded 2-core machine; typically tens of ms.
        assertThat(Duration.ofNanos(wallNanos)).isLessThan(Duration.ofSeconds(2));
        System.out.printf("DeterminismTest: 10 virtual hours, %d timer runs, in %.1f ms of wall time%n",
                ran, wallNanos / 1e6);
        loop.close();
        assertThat(loop.stats().cancelled()).isEqualTo(1 + beyond);
    }

    // ================================================================================================== the script

    private static final java.util.regex.Pattern IDENTITY = java.util.regex.Pattern.compile("@[0-9a-f]+\\b");

    private static List<String> runScript(Shape shape, long seed) {
        VirtualClock clock = new VirtualClock(1_000_000L);
        List<String> trace = new ArrayList<>();
        Loop.Builder b = Loop.builder()
                .name("determinism")
                .clock(clock)
                .listener(new TraceListener(clock, trace))
                // a dropped task is named by its toString: a lambda's carries its identity hash, which is the JVM's
                // choice, not the loop's, so it is left out of the comparison
                .errorHandler(e -> trace.add(clock.nanoTime() + " error "
                        + IDENTITY.matcher(e.toString()).replaceAll("@")));
        switch (shape) {
            case PRIORITY -> b.runQueue(RunQueues.priority(4));
            case BOUNDED_DROP_OLDEST -> b.runQueue(RunQueues.boundedFifo(6)).admission(AdmissionPolicy.dropOldest());
            case BOUNDED_REJECT -> b.runQueue(RunQueues.boundedFifo(6)).watermarks(5, 2);
            case CLOSE_RUNS_TIMERS -> b.closeRunsTimers(true);
            case STOP_PERIODIC_ON_FAILURE -> b.stopPeriodicOnFailure(true);
            default -> {
            }
        }
        Loop loop = b.build();
        new Script(loop, clock, trace, new SplittableRandom(seed), shape == Shape.PRIORITY).run();
        LoopStats s = loop.stats();
        assertThat(s.isBalanced()).as(s.toString()).isTrue();
        assertThat(s.queued() + s.running() + s.pendingTimers()).as(s.toString()).isZero();
        trace.add("stats " + s);
        return trace;
    }

    /** One run of a seeded script on one loop. */
    private static final class Script {
        private final Loop loop;
        private final VirtualClock clock;
        private final List<String> trace;
        private final SplittableRandom random;
        private final boolean priorities;
        private final List<TaskHandle<?>> handles = new ArrayList<>();
        private final List<TaskHandle<?>> periodics = new ArrayList<>();

        Script(Loop loop, VirtualClock clock, List<String> trace, SplittableRandom random, boolean priorities) {
            this.loop = loop;
            this.clock = clock;
            this.trace = trace;
            this.random = random;
            this.priorities = priorities;
        }

        void run() {
            for (int step = 0; step < SCRIPT_STEPS; step++) {
                String name = "s" + step;
                switch (random.nextInt(14)) {
                    case 0 -> call(() -> loop.execute(work(name)));
                    case 1 -> track(name, () -> priorities
                            ? loop.submit(() -> name, random.nextInt(4))
                            : loop.submit(() -> name));
                    case 2 -> track(name, () -> loop.submit(() -> {
                        throw new IllegalStateException("boom " + name);
                    }));
                    case 3 -> track(name, () -> loop.schedule(work(name), Duration.ofMillis(random.nextInt(500))));
                    case 4 -> {
                        int every = 2 + random.nextInt(3);
                        int[] runs = {0};
                        periodic(name, () -> loop.scheduleAtFixedRate(() -> {
                            trace.add(clock.nanoTime() + " run " + name);
                            if (++runs[0] % every == 0) {
                                throw new IllegalArgumentException("periodic boom " + name + " run " + runs[0]);
                            }
                        }, Duration.ofMillis(random.nextInt(100)), Duration.ofMillis(1 + random.nextInt(200))));
                    }
                    case 5 -> periodic(name, () -> loop.scheduleWithFixedDelay(work(name),
                            Duration.ofMillis(random.nextInt(100)), Duration.ofMillis(1 + random.nextInt(200))));
                    case 6, 7 -> cancelOne();
                    case 8 -> track(name, () -> loop.spawn(() -> CompletableFuture.completedFuture(name)));
                    case 9 -> {
                        CompletableFuture<String> later = new CompletableFuture<>();
                        track(name, () -> loop.spawn(() -> later));
                        int delay = random.nextInt(300);
                        // not tracked, so never cancelled: the spawned task must not wait forever
                        call(() -> loop.schedule(() -> later.complete(name + " later"), Duration.ofMillis(delay)));
                    }
                    case 10 -> track(name, () -> loop.spawn(
                            () -> CompletableFuture.failedFuture(new IllegalStateException("stage boom " + name))));
                    case 11 -> {
                        int burst = 1 + random.nextInt(10);
                        int delay = random.nextInt(50);
                        call(() -> loop.execute(() -> { // submissions from inside the loop: the driver's own path
                            trace.add(clock.nanoTime() + " burst " + name);
                            for (int i = 0; i < burst; i++) {
                                String inner = name + "." + i;
                                track(inner, () -> loop.submit(() -> inner));
                            }
                            track(name + ".t", () -> loop.schedule(work(name + ".t"), Duration.ofMillis(delay)));
                        }));
                    }
                    case 12 -> trace.add(clock.nanoTime() + " idle-run " + loop.runUntilIdle());
                    default -> advance();
                }
            }
            for (TaskHandle<?> p : periodics) {
                trace.add(clock.nanoTime() + " end-cancel #" + p.id() + " " + p.cancel());
            }
            trace.add(clock.nanoTime() + " final-advance " + clock.advanceBy(Duration.ofSeconds(2)));
            loop.close();
            trace.add(clock.nanoTime() + " closed " + loop.isTerminated());
            for (TaskHandle<?> h : handles) {
                trace.add("final #" + h.id() + " " + h.state());
            }
        }

        private void advance() {
            int ran = random.nextInt(5) == 0 ? clock.advanceToNextTimer()
                    : clock.advanceBy(Duration.ofMillis(random.nextInt(300)));
            trace.add(clock.nanoTime() + " advanced ran=" + ran);
        }

        private Runnable work(String name) {
            return () -> trace.add(clock.nanoTime() + " run " + name);
        }

        private void call(Runnable submission) {
            try {
                submission.run();
            } catch (RejectedExecutionException e) {
                trace.add(clock.nanoTime() + " rejected-at-call " + e.getMessage());
            }
        }

        private void periodic(String name, Supplier<TaskHandle<?>> submission) {
            TaskHandle<?> h = track(name, submission);
            if (h != null) {
                periodics.add(h);
            }
        }

        private TaskHandle<?> track(String name, Supplier<TaskHandle<?>> submission) {
            TaskHandle<?> h;
            try {
                h = submission.get();
            } catch (RejectedExecutionException e) {
                trace.add(clock.nanoTime() + " rejected-at-call " + name + " " + e.getMessage());
                return null;
            }
            handles.add(h);
            trace.add(clock.nanoTime() + " handle " + name + " #" + h.id() + " periodic=" + h.isPeriodic()
                    + " deadline=" + h.deadline());
            h.toCompletionStage().whenComplete((v, e) -> trace.add(
                    clock.nanoTime() + " done #" + h.id() + " " + (e == null ? "value " + v : "error " + e)));
            return h;
        }

        private void cancelOne() {
            if (handles.isEmpty()) {
                return;
            }
            TaskHandle<?> h = handles.get(random.nextInt(handles.size()));
            trace.add(clock.nanoTime() + " cancel-call #" + h.id() + " " + h.cancel() + " " + h.state());
        }
    }

    /** Records every hook event with the clock reading and the task id. */
    private static final class TraceListener implements LoopListener {
        private final VirtualClock clock;
        private final List<String> trace;

        TraceListener(VirtualClock clock, List<String> trace) {
            this.clock = clock;
            this.trace = trace;
        }

        private void add(String event, TaskHandle<?> t, Function<TaskHandle<?>, String> detail) {
            trace.add(clock.nanoTime() + " " + event + " #" + t.id() + " " + t.state() + detail.apply(t));
        }

        @Override
        public void onSubmit(TaskHandle<?> task) {
            add("submit", task, t -> " at " + t.submittedAt() + " deadline " + t.deadline());
        }

        @Override
        public void onStart(TaskHandle<?> task) {
            add("start", task, t -> " at " + t.startedAt());
        }

        @Override
        public void onSuccess(TaskHandle<?> task) {
            add("success", task, t -> "");
        }

        @Override
        public void onFailure(TaskHandle<?> task, Throwable error) {
            add("failure", task, t -> " " + error);
        }

        @Override
        public void onCancel(TaskHandle<?> task) {
            add("cancel", task, t -> "");
        }

        @Override
        public void onReject(TaskHandle<?> task, RejectedExecutionException reason) {
            add("reject", task, t -> " " + reason.getMessage());
        }

        @Override
        public void onTimerFired(TaskHandle<?> task) {
            add("timer", task, t -> " deadline " + t.deadline());
        }

        @Override
        public void onIdle() {
            trace.add(clock.nanoTime() + " idle");
        }

        @Override
        public void onWatermark(Watermark mark, int queueDepth) {
            trace.add(clock.nanoTime() + " watermark " + mark + " " + queueDepth);
        }
    }
}
