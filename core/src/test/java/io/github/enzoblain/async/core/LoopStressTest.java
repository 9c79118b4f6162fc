package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.queue.AdmissionPolicy;
import io.github.enzoblain.async.core.queue.RunQueues;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Promise (4) under contention: several producer threads submit (execute, submit, schedule, light timers, periodic,
 * spawn) and
 * cancel from their own threads while another thread drives the loop on the system clock; afterwards every task is
 * accounted for exactly once.
 *
 * <p><b>Concurrency.</b> Each producer keeps its own tally (read by the test thread after joining the producer); task
 * bodies and the listener count into atomics or driver-only fields read after the driver thread has ended. Threads are
 * coordinated with latches only; iteration counts are fixed, nothing is time-based.
 */
class LoopStressTest {

    /*
     * Implementation notes.
     *
     * Pressure is made certain rather than hoped for: a gate task blocks the driver until every producer has filled the
     * small inbox and seen a RejectedExecutionException at the call; when the gate opens, the full inbox pours into
     * the run queue, which (bounded variants) overflows. Then producers run a seeded-random mix of operations. At the
     * end the loop is closed (or, in one variant, closed while producers still submit) and the driver joined.
     *
     * The accounting that must hold, with "plain" = execute(Runnable) tasks (handles only with a listener), "light"
     * = executeAfter timers (handles only with a listener; their state read from the timer) and the handles those
     * calls returned:
     *   submitted == attempts; completed + failed + cancelled + rejected == submitted; queued == running == timers == 0
     *   completed == COMPLETED handles + plain runs that returned + light runs that returned
     *   failed    == FAILED handles + plain runs that threw + light runs that threw
     *   cancelled == CANCELLED handles + cancelled light timers (a graceful close runs every queued plain task)
     *   rejected  == REJECTED handles + rejected at the call + plain tasks accepted at the call that never ran
     *                + light timers rejected by the terminated loop
     *   started   == every body run (plain, tracked, light, each periodic run, spawn suppliers)
     * and each handle's stage agrees with its state, and a light timer fired if and only if its body ran.
     */

    private static final int PRODUCERS = 4;
    private static final int OPS_PER_PRODUCER = 10_000;
    private static final int INBOX = 256;
    private static final int BOUNDED = 128;
    private static final Duration LIMIT = Duration.ofSeconds(60);

    /** Loop shapes and drivers under stress. */
    enum Variant {
        FIFO, BOUNDED_DROP_OLDEST, BOUNDED_REJECT, THROWING_LISTENER_PARKING_DRIVER, CLOSE_WHILE_PRODUCING
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void everyTaskEndsInExactlyOneTerminalStateAndTheCountsAgree(Variant variant) {
        assertTimeoutPreemptively(LIMIT, () -> new Run(variant).run());
    }

    /** What one producer did, as it saw it. Written by the producer; read after it was joined. */
    private static final class Tally {
        long attempts;
        long rejectedAtCall;
        long plainAccepted;
        final List<TaskHandle<?>> handles = new ArrayList<>();
        final List<Light> lights = new ArrayList<>();
    }

    /** An untracked light timer, whether its body was told to throw, and whether it ran. */
    private static final class Light {
        final boolean fail;
        final AtomicBoolean ran = new AtomicBoolean();
        LoopTimer timer;

        Light(boolean fail) {
            this.fail = fail;
        }
    }

    /** Counts hook events and throws from every seventh callback. Driver-only fields, read after the driver ended. */
    private static final class ThrowingListener implements LoopListener {
        long calls, thrown, submits, starts, successes, failures, cancels, rejects;

        private void maybeThrow() {
            if (++calls % 7 == 0) {
                thrown++;
                throw new IllegalStateException("listener failure " + calls);
            }
        }

        @Override
        public void onSubmit(TaskHandle<?> task) {
            submits++;
            maybeThrow();
        }

        @Override
        public void onStart(TaskHandle<?> task) {
            starts++;
            maybeThrow();
        }

        @Override
        public void onSuccess(TaskHandle<?> task) {
            successes++;
            maybeThrow();
        }

        @Override
        public void onFailure(TaskHandle<?> task, Throwable error) {
            failures++;
            maybeThrow();
        }

        @Override
        public void onCancel(TaskHandle<?> task) {
            cancels++;
            maybeThrow();
        }

        @Override
        public void onReject(TaskHandle<?> task, RejectedExecutionException reason) {
            rejects++;
            maybeThrow();
        }

        @Override
        public void onTimerFired(TaskHandle<?> task) {
            maybeThrow();
        }

        @Override
        public void onIdle() {
            maybeThrow();
        }
    }

    /** One stress run of one variant. */
    private static final class Run {
        private final Variant variant;
        private final Loop loop;
        private final ThrowingListener listener;
        private final AtomicLong bodyRuns = new AtomicLong();
        private final AtomicLong plainRan = new AtomicLong();
        private final AtomicLong plainThrew = new AtomicLong();
        private final AtomicLong errorsReported = new AtomicLong();
        private final CountDownLatch gateEntered = new CountDownLatch(1);
        private final CountDownLatch everyProducerSawFullInbox = new CountDownLatch(PRODUCERS);
        private final CountDownLatch halfway = new CountDownLatch(PRODUCERS);
        private final Tally main = new Tally();

        Run(Variant variant) {
            this.variant = variant;
            Loop.Builder b = Loop.builder().name("stress-" + variant).inboxCapacity(INBOX)
                    .errorHandler(e -> errorsReported.incrementAndGet());
            switch (variant) {
                case BOUNDED_DROP_OLDEST -> b.runQueue(RunQueues.boundedFifo(BOUNDED)).admission(AdmissionPolicy.dropOldest());
                case BOUNDED_REJECT, CLOSE_WHILE_PRODUCING -> b.runQueue(RunQueues.boundedFifo(BOUNDED));
                default -> {
                }
            }
            this.listener = variant == Variant.THROWING_LISTENER_PARKING_DRIVER ? new ThrowingListener() : null;
            if (listener != null) {
                b.listener(listener);
            }
            this.loop = b.build();
        }

        void run() throws Exception {
            long wallStart = System.nanoTime();
            LoopThread loopThread = null;
            Thread plainDriver = null;
            if (variant == Variant.THROWING_LISTENER_PARKING_DRIVER) {
                plainDriver = new Thread(() -> loop.run(IdleStrategy.parking()), "stress-driver");
                plainDriver.setDaemon(true);
                plainDriver.start();
            } else {
                loopThread = LoopThread.start(loop, IdleStrategy.backoff(50, 5), r -> {
                    Thread t = new Thread(r, "stress-driver");
                    t.setDaemon(true);
                    return t;
                });
            }

            // The gate: holds the driver until every producer has seen the inbox full.
            submitPlain(main, () -> {
                gateEntered.countDown();
                await(everyProducerSawFullInbox);
            });

            List<Tally> tallies = new ArrayList<>();
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                Tally tally = new Tally();
                tallies.add(tally);
                long seed = 0x57E55L * 31 + p;
                Thread t = new Thread(() -> produce(tally, new SplittableRandom(seed)), "stress-producer-" + p);
                t.setDaemon(true);
                producers.add(t);
                t.start();
            }
            if (variant == Variant.CLOSE_WHILE_PRODUCING) {
                await(halfway);
                loop.close(); // graceful, concurrent with producers still submitting
            }
            for (Thread t : producers) {
                t.join();
            }
            loop.close();
            if (loopThread != null) {
                loopThread.close();
                assertThat(loopThread.crash()).isNull();
            } else {
                plainDriver.join();
            }
            tallies.add(main);
            check(tallies, System.nanoTime() - wallStart);
        }

        // ---------------------------------------------------------------------------------------------- producers

        private void produce(Tally tally, SplittableRandom random) {
            await(gateEntered);
            while (true) { // the driver is held: the inbox fills up
                try {
                    submitPlain(tally, () -> {
                    });
                } catch (RejectedExecutionException expected) {
                    break; // counted by submitPlain
                }
            }
            everyProducerSawFullInbox.countDown();

            ArrayDeque<CompletableFuture<String>> stages = new ArrayDeque<>();
            int periodics = 0;
            for (int op = 0; op < OPS_PER_PRODUCER; op++) {
                if (op == OPS_PER_PRODUCER / 2) {
                    halfway.countDown();
                }
                int r = random.nextInt(100);
                try {
                    if (r < 22) {
                        boolean fail = random.nextInt(20) == 0;
                        submitPlain(tally, () -> {
                            if (fail) {
                                throw new IllegalStateException("plain failure");
                            }
                        });
                    } else if (r < 40) {
                        boolean fail = random.nextInt(10) == 0;
                        track(tally, () -> loop.submit(() -> {
                            bodyRuns.incrementAndGet();
                            if (fail) {
                                throw new IllegalStateException("callable failure");
                            }
                            return "v";
                        }));
                    } else if (r < 48) {
                        long delayMicros = random.nextInt(2_000);
                        boolean fail = random.nextInt(10) == 0;
                        light(tally, delayMicros, fail);
                    } else if (r < 55) {
                        long delayMicros = random.nextInt(2_000);
                        track(tally, () -> loop.schedule(() -> bodyRuns.incrementAndGet(), delayMicros,
                                TimeUnit.MICROSECONDS));
                    } else if (r < 63) {
                        boolean fail = random.nextInt(5) == 0;
                        track(tally, () -> loop.spawn(() -> {
                            bodyRuns.incrementAndGet();
                            return fail
                                    ? CompletableFuture.<String>failedFuture(new IllegalStateException("stage failure"))
                                    : CompletableFuture.completedFuture("done");
                        }));
                    } else if (r < 68) {
                        CompletableFuture<String> later = new CompletableFuture<>();
                        stages.add(later);
                        track(tally, () -> loop.spawn(() -> {
                            bodyRuns.incrementAndGet();
                            return later;
                        }));
                        if (stages.size() > 8) {
                            stages.poll().complete("later"); // completed on this producer's thread
                        }
                    } else if (r < 70 && periodics < 16) {
                        periodics++;
                        track(tally, () -> loop.scheduleAtFixedRate(() -> bodyRuns.incrementAndGet(),
                                Duration.ofNanos(random.nextInt(500_000)), Duration.ofMillis(1 + random.nextInt(3))));
                    } else if (r < 88) {
                        cancelOne(tally, random);
                    } else {
                        int burst = 8 + random.nextInt(24);
                        for (int i = 0; i < burst; i++) {
                            if ((i & 1) == 0) {
                                submitPlain(tally, () -> {
                                });
                            } else {
                                int value = i;
                                track(tally, () -> loop.submit(() -> {
                                    bodyRuns.incrementAndGet();
                                    return value;
                                }));
                            }
                        }
                    }
                } catch (RejectedExecutionException expected) {
                    Thread.yield(); // counted where it was thrown; let the driver catch up (2 cores, 5 threads)
                }
            }
            CompletableFuture<String> s;
            while ((s = stages.poll()) != null) {
                s.complete("end");
            }
        }

        private void submitPlain(Tally tally, Runnable body) {
            tally.attempts++;
            try {
                loop.execute(() -> {
                    bodyRuns.incrementAndGet();
                    plainRan.incrementAndGet();
                    try {
                        body.run();
                    } catch (RuntimeException e) {
                        plainThrew.incrementAndGet();
                        throw e;
                    }
                });
            } catch (RejectedExecutionException e) {
                tally.rejectedAtCall++;
                throw e;
            }
            tally.plainAccepted++;
        }

        private void light(Tally tally, long delayMicros, boolean fail) {
            tally.attempts++;
            Cancellable c;
            Light light = new Light(fail);
            try {
                c = loop.executeAfter(() -> {
                    bodyRuns.incrementAndGet();
                    light.ran.set(true);
                    if (fail) {
                        throw new IllegalStateException("light failure");
                    }
                }, delayMicros, TimeUnit.MICROSECONDS);
            } catch (RejectedExecutionException e) {
                tally.rejectedAtCall++;
                throw e;
            }
            if (c instanceof TaskHandle) {
                tally.handles.add((TaskHandle<?>) c); // tracked for the listener
            } else {
                light.timer = (LoopTimer) c;
                tally.lights.add(light);
            }
        }

        private void track(Tally tally, Supplier<TaskHandle<?>> submission) {
            tally.attempts++;
            try {
                tally.handles.add(submission.get());
            } catch (RejectedExecutionException e) {
                tally.rejectedAtCall++;
                throw e;
            }
        }

        private static void cancelOne(Tally tally, SplittableRandom random) {
            List<Light> ls = tally.lights;
            if (!ls.isEmpty() && random.nextInt(4) == 0) {
                ls.get(ls.size() - 1 - random.nextInt(Math.min(ls.size(), 32))).timer.cancel();
                return;
            }
            List<TaskHandle<?>> hs = tally.handles;
            if (!hs.isEmpty()) {
                int recent = Math.min(hs.size(), 64); // recent handles are the ones likely still pending
                hs.get(hs.size() - 1 - random.nextInt(recent)).cancel();
            }
        }

        // ---------------------------------------------------------------------------------------------- checks

        private void check(List<Tally> tallies, long wallNanos) {
            assertThat(loop.isTerminated()).isTrue();
            long attempts = 0, rejectedAtCall = 0, plainAccepted = 0;
            long[] byState = new long[TaskState.values().length];
            long handles = 0;
            long lightCompleted = 0, lightFailed = 0, lightCancelled = 0, lightRejected = 0;
            for (Tally t : tallies) {
                for (Light light : t.lights) {
                    LoopTimer l = light.timer;
                    assertThat(l.isDone()).as("light timer %s", l).isTrue();
                    assertThat(light.ran.get()).as("light timer %s ran iff it fired", l)
                            .isEqualTo(l.state == LoopTimer.FIRED);
                    switch (l.state) {
                        case LoopTimer.FIRED -> {
                            if (light.fail) {
                                lightFailed++;
                            } else {
                                lightCompleted++;
                            }
                        }
                        case LoopTimer.CANCELLED, LoopTimer.CANCELLED_NEW -> lightCancelled++;
                        case LoopTimer.REJECTED -> lightRejected++;
                        default -> throw new AssertionError("light timer not done: " + l);
                    }
                }
                attempts += t.attempts;
                rejectedAtCall += t.rejectedAtCall;
                plainAccepted += t.plainAccepted;
                for (TaskHandle<?> h : t.handles) {
                    handles++;
                    byState[checkTerminal(h).ordinal()]++;
                }
            }
            long completed = byState[TaskState.COMPLETED.ordinal()];
            long failed = byState[TaskState.FAILED.ordinal()];
            long cancelled = byState[TaskState.CANCELLED.ordinal()];
            long rejected = byState[TaskState.REJECTED.ordinal()];
            LoopStats s = loop.stats();
            String ctx = variant + " " + s + " attempts=" + attempts + " rejectedAtCall=" + rejectedAtCall
                    + " plainAccepted=" + plainAccepted + " plainRan=" + plainRan + " plainThrew=" + plainThrew
                    + " handles C/F/X/R=" + completed + "/" + failed + "/" + cancelled + "/" + rejected
                    + " light C/F/X/R=" + lightCompleted + "/" + lightFailed + "/" + lightCancelled + "/"
                    + lightRejected;

            assertThat(s.isBalanced()).as(ctx).isTrue();
            assertThat(s.submitted()).as(ctx).isEqualTo(attempts);
            assertThat(s.completed() + s.failed() + s.cancelled() + s.rejected()).as(ctx).isEqualTo(s.submitted());
            assertThat(s.queued()).as(ctx).isZero();
            assertThat(s.running()).as(ctx).isZero();
            assertThat(s.pendingTimers()).as(ctx).isZero();
            assertThat(s.inbox()).as(ctx).isZero();
            assertThat(s.completed()).as(ctx).isEqualTo(completed + plainRan.get() - plainThrew.get() + lightCompleted);
            assertThat(s.failed()).as(ctx).isEqualTo(failed + plainThrew.get() + lightFailed);
            assertThat(s.cancelled()).as(ctx).isEqualTo(cancelled + lightCancelled);
            assertThat(s.rejected() - rejected - rejectedAtCall - lightRejected).as(ctx)
                    .isEqualTo(plainAccepted - plainRan.get());
            assertThat(s.started()).as(ctx).isEqualTo(bodyRuns.get());

            // the gate made these certain
            assertThat(rejectedAtCall).as(ctx).isGreaterThanOrEqualTo(PRODUCERS);
            if (variant == Variant.BOUNDED_REJECT || variant == Variant.BOUNDED_DROP_OLDEST) {
                assertThat(s.rejected() - rejectedAtCall).as(ctx).isGreaterThanOrEqualTo(INBOX - BOUNDED);
            }
            if (listener != null) {
                assertThat(s.listenerErrors()).as(ctx).isEqualTo(listener.thrown).isPositive();
                assertThat(listener.submits).as(ctx).isEqualTo(attempts - rejectedAtCall);
                assertThat(listener.starts).as(ctx).isEqualTo(s.started());
                assertThat(listener.failures).as(ctx).isEqualTo(s.failedRuns());
                assertThat(listener.cancels).as(ctx).isEqualTo(s.cancelled());
                assertThat(listener.rejects).as(ctx).isEqualTo(s.rejected() - rejectedAtCall);
                assertThat(listener.successes).as(ctx).isGreaterThanOrEqualTo(s.completed());
            }
            System.out.printf("LoopStressTest %s: %d submissions, %d handles, %d rejected at the call, %d rejected "
                            + "in the loop, %d cancelled, %d listener errors, in %.0f ms%n", variant, attempts,
                    handles, rejectedAtCall, s.rejected() - rejectedAtCall, s.cancelled(), s.listenerErrors(),
                    wallNanos / 1e6);
        }

        /** @return the handle's state, after checking it is terminal and that its stage says the same */
        private static TaskState checkTerminal(TaskHandle<?> h) {
            TaskState state = h.state();
            assertThat(state.isTerminal()).as("handle %s", h).isTrue();
            CompletableFuture<?> f = h.toCompletionStage().toCompletableFuture();
            assertThat(f.isDone()).as("stage of %s", h).isTrue();
            Throwable outcome = null;
            try {
                f.join();
            } catch (CancellationException e) {
                outcome = e;
            } catch (CompletionException e) {
                outcome = e.getCause();
            }
            switch (state) {
                case COMPLETED -> assertThat(outcome).as("stage of %s", h).isNull();
                case FAILED -> assertThat(outcome).as("stage of %s", h).isInstanceOf(IllegalStateException.class);
                case CANCELLED -> assertThat(outcome).as("stage of %s", h).isInstanceOf(CancellationException.class);
                case REJECTED -> assertThat(outcome).as("stage of %s", h)
                        .isInstanceOf(RejectedExecutionException.class);
                default -> throw new AssertionError("not terminal: " + h);
            }
            return state;
        }

        private static void await(CountDownLatch latch) {
            try {
                if (!latch.await(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new AssertionError("timed out waiting for " + latch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
