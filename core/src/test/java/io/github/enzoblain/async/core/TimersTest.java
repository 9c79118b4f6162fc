package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class TimersTest {

    private final VirtualClock clock = new VirtualClock();
    private final Loop loop = Loop.builder().clock(clock).build();
    private final List<String> log = new ArrayList<>();

    private Runnable record(String name) {
        return () -> log.add(name + "@" + clock.nanoTime());
    }

    @Test
    void timersFireInDeadlineThenSequenceOrderWithNowEqualToTheDeadline() {
        loop.schedule(record("c"), 300, TimeUnit.NANOSECONDS);
        loop.schedule(record("a"), 100, TimeUnit.NANOSECONDS); // all inside one 1 ms tick
        loop.schedule(record("b1"), 200, TimeUnit.NANOSECONDS);
        loop.schedule(record("b2"), 200, TimeUnit.NANOSECONDS);
        loop.schedule(record("late"), Duration.ofSeconds(5));
        clock.advanceBy(Duration.ofSeconds(10));
        assertThat(log).containsExactly("a@100", "b1@200", "b2@200", "c@300", "late@5000000000");
        assertThat(clock.nanoTime()).isEqualTo(10_000_000_000L);
    }

    @Test
    void aPeriodicTaskKeepsItsSubmissionRankAtADeadlineItSharesWithLaterTimers() {
        // As in ScheduledThreadPoolExecutor and Netty: a periodic task keeps its sequence across runs, so at 20 ms it
        // runs before the one-shot timers submitted at 5 ms for 20 ms, although it re-armed (at 10 ms) after them.
        loop.scheduleAtFixedRate(record("rate"), Duration.ofMillis(10), Duration.ofMillis(10));
        loop.scheduleWithFixedDelay(record("delay"), Duration.ofMillis(10), Duration.ofMillis(10));
        clock.advanceBy(Duration.ofMillis(5));
        loop.schedule(record("once"), Duration.ofMillis(15));
        loop.executeAfter(record("light"), Duration.ofMillis(15));
        clock.advanceBy(Duration.ofMillis(25));
        assertThat(log).containsExactly("rate@10000000", "delay@10000000",
                "rate@20000000", "delay@20000000", "once@20000000", "light@20000000",
                "rate@30000000", "delay@30000000");
    }

    @Test
    void timersArmedByTimersFireInOrderWithinOneAdvance() {
        loop.schedule(() -> {
            log.add("first@" + clock.nanoTime());
            loop.schedule(record("child"), Duration.ofMillis(1));
        }, Duration.ofMillis(1));
        loop.schedule(record("other"), Duration.ofMillis(3));
        clock.advanceBy(Duration.ofMillis(5));
        assertThat(log).containsExactly("first@1000000", "child@2000000", "other@3000000");
    }

    @Test
    void whatATimerSubmitsRunsAtItsDeadlineAfterTheTimersDueThenAndBeforeTheClockMovesOn() {
        List<String> events = new ArrayList<>();
        VirtualClock own = new VirtualClock();
        Loop hooked = Loop.builder().clock(own).listener(new LoopListener() {
            @Override
            public void onIdle() {
                events.add("idle@" + own.nanoTime());
            }
        }).build();
        hooked.execute(() -> {
            hooked.executeAfter(() -> {
                events.add("a@" + own.nanoTime());
                hooked.execute(() -> events.add("queued-by-a@" + own.nanoTime()));
            }, Duration.ofMillis(1));
            hooked.schedule(() -> events.add("b@" + own.nanoTime()), Duration.ofMillis(1));
            hooked.executeAfter(() -> events.add("c@" + own.nanoTime()), Duration.ofMillis(2));
            hooked.executeAfter(() -> events.add("d@" + own.nanoTime()), Duration.ofMillis(3));
        });
        hooked.runUntilIdle();
        events.clear();
        own.advanceBy(Duration.ofMillis(5));
        assertThat(events).containsExactly("a@1000000", "b@1000000", "queued-by-a@1000000", "idle@1000000",
                "c@2000000", "idle@2000000", "d@3000000", "idle@3000000");
        assertThat(own.nanoTime()).isEqualTo(5_000_000);
    }

    @Test
    void whatAListenerSubmitsWhenTheLoopGoesIdleRunsBeforeTheClockMovesOn() {
        // the loop ran out of ready work at 1 ms and a listener gave it more: that work is ready at 1 ms, so it runs
        // there, before the timer due at 2 ms (it used to run at 2 ms, after that timer), and a close it asks for there
        // comes before the 3 ms timer, which it cancels
        List<String> events = new ArrayList<>();
        VirtualClock own = new VirtualClock();
        Loop[] loop = new Loop[1];
        loop[0] = Loop.builder().clock(own).listener(new LoopListener() {
            @Override
            public void onIdle() {
                long now = own.nanoTime();
                events.add("idle@" + now);
                if (now == 1_000_000 && events.size() == 2) {
                    loop[0].execute(() -> events.add("from idle@" + own.nanoTime()));
                    loop[0].executeAfter(() -> events.add("timer from idle@" + own.nanoTime()), 0, TimeUnit.SECONDS);
                } else if (now == 2_000_000) {
                    loop[0].close(); // from the driver thread: returns at once
                }
            }
        }).build();
        loop[0].executeAfter(() -> events.add("a@" + own.nanoTime()), Duration.ofMillis(1));
        loop[0].executeAfter(() -> events.add("b@" + own.nanoTime()), Duration.ofMillis(2));
        TaskHandle<?> c = loop[0].schedule(() -> events.add("c@" + own.nanoTime()), Duration.ofMillis(3));
        own.advanceBy(Duration.ofMillis(5));
        assertThat(events).containsExactly("a@1000000", "idle@1000000", "timer from idle@1000000",
                "from idle@1000000", "idle@1000000", "b@2000000", "idle@2000000");
        assertThat(c.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(loop[0].isTerminated()).isTrue();
        assertThat(loop[0].stats().isBalanced()).isTrue();

        List<String> ran = new ArrayList<>();
        Loop[] driven = new Loop[1];
        driven[0] = Loop.builder().listener(new LoopListener() {
            @Override
            public void onIdle() {
                if (ran.size() == 1) {
                    driven[0].execute(() -> ran.add("from idle"));
                }
            }
        }).build();
        driven[0].execute(() -> ran.add("first"));
        assertThat(driven[0].runUntilIdle()).as("runs until nothing is ready, the listener's work too").isEqualTo(2);
        assertThat(ran).containsExactly("first", "from idle");
    }

    @Test
    void aShutdownNowALoopGoingIdleAsksForHandsBackTheTimerTheAdvanceWasAboutToFire() {
        // a virtual advance takes the next timer out of the wheel, then finds that the clock must move for it: the loop
        // goes idle first, and a listener stops it there; that timer is still pending, so it is handed back with the rest
        List<List<Runnable>> handedBack = new ArrayList<>();
        VirtualClock own = new VirtualClock();
        Loop[] loop = new Loop[1];
        loop[0] = Loop.builder().clock(own).listener(new LoopListener() {
            @Override
            public void onIdle() {
                if (own.nanoTime() == 1_000_000 && handedBack.isEmpty()) {
                    handedBack.add(loop[0].shutdownNow());
                }
            }
        }).build();
        List<String> ran = new ArrayList<>();
        Runnable a = () -> ran.add("a");
        Runnable b = () -> ran.add("b");
        Runnable c = () -> ran.add("c");
        loop[0].executeAfter(a, Duration.ofMillis(1));
        TaskHandle<?> second = loop[0].schedule(b, Duration.ofMillis(2));
        loop[0].executeAfter(c, Duration.ofMillis(3));
        own.advanceBy(Duration.ofMillis(5));
        assertThat(ran).containsExactly("a");
        assertThat(handedBack).hasSize(1);
        assertThat(handedBack.get(0)).containsExactly(b, c);
        assertThat(second.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(loop[0].isTerminated()).isTrue();
        assertThat(loop[0].stats().cancelled()).isEqualTo(2);
        assertThat(loop[0].stats().isBalanced()).isTrue();
    }

    @Test
    void dueTimersRunBeforeQueuedTasks() {
        loop.schedule(record("timer"), Duration.ZERO);
        loop.execute(record("queued"));
        loop.runUntilIdle();
        assertThat(log).containsExactly("timer@0", "queued@0");
    }

    @Test
    void zeroAndNegativeDelaysAreDueNow() {
        clock.advanceBy(Duration.ofSeconds(1));
        TaskHandle<Void> zero = loop.schedule(record("zero"), Duration.ZERO);
        TaskHandle<Void> negative = loop.schedule(record("negative"), Duration.ofSeconds(-5));
        assertThat(negative.deadline()).isEqualTo(1_000_000_000L);
        loop.runUntilIdle();
        assertThat(log).containsExactly("zero@1000000000", "negative@1000000000");
        assertThat(zero.state()).isEqualTo(TaskState.COMPLETED);
    }

    @Test
    void hugeDelaysNeverFireEarlyAndNeverDelayOthers() {
        TaskHandle<Void> max = loop.schedule(record("max"), Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        TaskHandle<Void> huge = loop.schedule(record("huge"), Duration.ofDays(365L * 1_000_000)); // toNanos overflows
        TaskHandle<Void> days = loop.schedule(record("days"), Duration.ofDays(100));
        loop.schedule(record("soon"), Duration.ofMillis(1));
        clock.advanceBy(Duration.ofMillis(1));
        assertThat(log).containsExactly("soon@1000000");
        clock.advanceBy(Duration.ofDays(100));
        assertThat(log).containsExactly("soon@1000000", "days@8640000000000000");
        assertThat(days.state()).isEqualTo(TaskState.COMPLETED);
        clock.advanceTo(Long.MAX_VALUE - 1);
        assertThat(max.state()).isEqualTo(TaskState.PENDING);
        assertThat(huge.state()).isEqualTo(TaskState.PENDING);
        assertThat(clock.advanceToNextTimer()).as("no timer the clock can reach: it stays").isZero();
        assertThat(clock.nanoTime()).isEqualTo(Long.MAX_VALUE - 1);
        clock.advanceTo(Long.MAX_VALUE); // even at the end of the range: "huge" is due past it, firing would be early
        assertThat(huge.state()).isEqualTo(TaskState.PENDING);
        assertThat(max.state()).as("saturated or not, a deadline of Long.MAX_VALUE is never due")
                .isEqualTo(TaskState.PENDING);
        assertThat(log).containsExactly("soon@1000000", "days@8640000000000000");
        assertThat(loop.pendingTimers()).isEqualTo(2);
        assertThat(max.cancel()).isTrue();
        assertThat(huge.cancel()).isTrue();
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void nearTheEndOfTheClocksRangeATimerFiresAtLongMaxValueOrNever() {
        VirtualClock late = new VirtualClock(Long.MAX_VALUE - 10);
        Loop nearEnd = Loop.builder().clock(late).build();
        TaskHandle<Void> last = nearEnd.schedule(() -> log.add("last@" + late.nanoTime()), 10, TimeUnit.NANOSECONDS);
        TaskHandle<Void> beyond = nearEnd.schedule(() -> log.add("beyond"), 11, TimeUnit.NANOSECONDS);
        assertThat(last.deadline()).isEqualTo(Long.MAX_VALUE);
        assertThat(beyond.deadline()).as("past the clock's range: saturated").isEqualTo(Long.MAX_VALUE);
        late.advanceTo(Long.MAX_VALUE);
        assertThat(log).containsExactly("last@" + Long.MAX_VALUE);
        assertThat(beyond.state()).as("due past Long.MAX_VALUE: firing now would be early").isEqualTo(TaskState.PENDING);
        assertThat(beyond.cancel()).isTrue();
        nearEnd.runUntilIdle();
        assertThat(nearEnd.stats().isBalanced()).isTrue();
    }

    @Test
    void aClockThatStartsBelowZeroFiresItsTimersAllTheWayToTheEndOfItsRange() {
        // System.nanoTime() may be negative, and so may a virtual clock's start: the loop's time line, nanoseconds
        // since its origin, must not wrap round when the clock is more than Long.MAX_VALUE ns past that origin
        VirtualClock early = new VirtualClock(-1_000);
        Loop fromBelowZero = Loop.builder().clock(early).build();
        TaskHandle<?> second = fromBelowZero.schedule(() -> log.add("second@" + early.nanoTime()),
                Duration.ofSeconds(1));
        early.advanceTo(Long.MAX_VALUE - 5);
        assertThat(log).containsExactly("second@999999000");
        assertThat(second.state()).isEqualTo(TaskState.COMPLETED);
        TaskHandle<?> atOnce = fromBelowZero.schedule(() -> log.add("at once@" + early.nanoTime()), Duration.ZERO);
        fromBelowZero.executeAfter(() -> log.add("light@" + early.nanoTime()), 0, TimeUnit.NANOSECONDS);
        early.advanceTo(Long.MAX_VALUE);
        assertThat(log).containsExactly("second@999999000", "at once@" + (Long.MAX_VALUE - 5),
                "light@" + (Long.MAX_VALUE - 5));
        assertThat(atOnce.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(fromBelowZero.stats().isBalanced()).isTrue();
        assertThat(fromBelowZero.pendingTimers()).isZero();
    }

    @Test
    void aPeriodicTaskWhoseNextRunFallsPastTheEndOfTheClocksRangeRunsNoMore() {
        // both kinds run at 0, P and 2P = Long.MAX_VALUE - 1; the next run would be past the range: it never comes,
        // and advancing to the end of the range ends (it used to re-run at Long.MAX_VALUE forever)
        long p = Long.MAX_VALUE / 2;
        List<Long> rate = new ArrayList<>();
        List<Long> delay = new ArrayList<>();
        TaskHandle<Void> fixedRate = loop.scheduleAtFixedRate(() -> rate.add(clock.nanoTime()), Duration.ZERO,
                Duration.ofNanos(p));
        TaskHandle<Void> fixedDelay = loop.scheduleWithFixedDelay(() -> delay.add(clock.nanoTime()), Duration.ZERO,
                Duration.ofNanos(p));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> clock.advanceTo(Long.MAX_VALUE));
        assertThat(rate).containsExactly(0L, p, 2 * p);
        assertThat(delay).containsExactly(0L, p, 2 * p);
        assertThat(fixedRate.state()).isEqualTo(TaskState.PENDING);
        assertThat(fixedDelay.state()).isEqualTo(TaskState.PENDING);
        assertThat(fixedRate.deadline()).isEqualTo(Long.MAX_VALUE);
        loop.close();
        assertThat(fixedRate.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(fixedDelay.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aCloseThatRunsTimersCancelsThoseDuePastTheEndOfTheClocksRange() throws Exception {
        // they never fire (firing would be early), so there is no deadline to wait for: close() used to spin (virtual
        // clock) or park (system clock) for ever
        List<String> told = new ArrayList<>();
        class Told implements Runnable, DropAware {
            @Override
            public void run() {
                log.add("ran");
            }

            @Override
            public void cancelledByLoop() {
                told.add("cancelled");
            }
        }
        VirtualClock started = new VirtualClock(5);
        Loop virtual = Loop.builder().clock(started).closeRunsTimers(true).build();
        TaskHandle<Void> beyond = virtual.schedule(new Told(), Long.MAX_VALUE - 2, TimeUnit.NANOSECONDS);
        TaskHandle<?> reachable = virtual.schedule(() -> log.add("reachable@" + started.nanoTime()),
                Long.MAX_VALUE - 5, TimeUnit.NANOSECONDS);
        assertTimeoutPreemptively(Duration.ofSeconds(10), virtual::close);
        assertThat(log).containsExactly("reachable@" + Long.MAX_VALUE);
        assertThat(reachable.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(beyond.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(told).containsExactly("cancelled");
        assertThat(virtual.stats().isBalanced()).isTrue();

        Loop system = Loop.builder().closeRunsTimers(true).build();
        TaskHandle<Void> huge = system.schedule(new Told(), Duration.ofDays(365L * 1_000_000)); // toNanos overflows
        LoopThread thread = LoopThread.start(system, IdleStrategy.parking(), r -> {
            Thread t = new Thread(r, "closing-driver");
            t.setDaemon(true); // were close() to hang, the test fails instead of keeping the JVM alive
            return t;
        });
        assertTimeoutPreemptively(Duration.ofSeconds(10), thread::close);
        assertThat(huge.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(told).containsExactly("cancelled", "cancelled");
        assertThat(system.isTerminated()).isTrue();
        assertThat(system.stats().isBalanced()).isTrue();
        assertThat(log).containsExactly("reachable@" + Long.MAX_VALUE);
    }

    @Test
    void advancingToTheEndOfTheRangeEndsWhileASpawnedTaskAwaitsItsStage() {
        // not quiet (a stage is awaited): the advance steps from deadline to deadline, and one past the clock's range
        // is not a step (it used to be taken again and again)
        VirtualClock started = new VirtualClock(5);
        Loop awaiting = Loop.builder().clock(started).build();
        TaskHandle<String> spawned = awaiting.spawn(CompletableFuture::new); // never completes
        TaskHandle<?> beyond = awaiting.schedule(() -> log.add("beyond"), Long.MAX_VALUE - 2, TimeUnit.NANOSECONDS);
        TaskHandle<?> soon = awaiting.schedule(() -> log.add("soon@" + started.nanoTime()), 10, TimeUnit.NANOSECONDS);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> started.advanceTo(Long.MAX_VALUE));
        assertThat(log).containsExactly("soon@15");
        assertThat(soon.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(beyond.state()).isEqualTo(TaskState.PENDING);
        assertThat(spawned.state()).isEqualTo(TaskState.RUNNING);
        assertThat(started.nanoTime()).isEqualTo(Long.MAX_VALUE);
        assertThat(awaiting.stats().isBalanced()).isTrue();
    }

    @Test
    void fixedRateDoesNotDriftAndRunsMissedTicksBackToBack() {
        AtomicInteger runs = new AtomicInteger();
        loop.scheduleAtFixedRate(() -> {
            log.add("tick@" + clock.nanoTime());
            if (runs.incrementAndGet() == 2) {
                clock.set(clock.nanoTime() + 250); // a slow run (the clock moves while it runs)
            }
        }, Duration.ofNanos(100), Duration.ofNanos(100));
        clock.advanceTo(450);
        assertThat(log).containsExactly("tick@100", "tick@200", "tick@450", "tick@450");
        clock.advanceTo(500);
        assertThat(log).endsWith("tick@500");
    }

    @Test
    void fixedDelayMeasuresFromTheEndOfEachRun() {
        loop.scheduleWithFixedDelay(() -> {
            log.add("tick@" + clock.nanoTime());
            clock.set(clock.nanoTime() + 10); // each run takes 10 ns
        }, Duration.ofNanos(100), Duration.ofNanos(100));
        clock.advanceTo(400);
        assertThat(log).containsExactly("tick@100", "tick@210", "tick@320");
    }

    @Test
    void aFailingPeriodicTaskKeepsItsScheduleByDefault() {
        List<Throwable> reported = new ArrayList<>();
        Loop l = Loop.builder().clock(new VirtualClock()).errorHandler(reported::add).build();
        AtomicInteger runs = new AtomicInteger();
        TaskHandle<Void> p = l.scheduleAtFixedRate(() -> {
            if (runs.incrementAndGet() % 2 == 0) {
                throw new IllegalStateException("odd failure");
            }
        }, Duration.ofSeconds(1), Duration.ofSeconds(1));
        ((VirtualClock) l.clock()).advanceBy(Duration.ofSeconds(10));
        assertThat(runs).hasValue(10);
        assertThat(p.state()).isEqualTo(TaskState.PENDING);
        assertThat(reported).hasSize(5);
        assertThat(l.stats().failedRuns()).isEqualTo(5);
        assertThat(l.stats().failed()).isZero();
        p.cancel();
        l.runUntilIdle();
        assertThat(l.stats().isBalanced()).isTrue();
    }

    @Test
    void aFailingPeriodicTaskStopsWhenThePolicySaysSo() {
        VirtualClock c = new VirtualClock();
        Loop l = Loop.builder().clock(c).stopPeriodicOnFailure(true).build();
        AtomicInteger runs = new AtomicInteger();
        TaskHandle<Void> p = l.scheduleAtFixedRate(() -> {
            if (runs.incrementAndGet() == 3) {
                throw new IllegalStateException("third run fails");
            }
        }, Duration.ofSeconds(1), Duration.ofSeconds(1));
        c.advanceBy(Duration.ofSeconds(10));
        assertThat(runs).hasValue(3);
        assertThat(p.state()).isEqualTo(TaskState.FAILED);
        assertThat(l.pendingTimers()).isZero();
        assertThat(l.stats().isBalanced()).isTrue();
    }

    @Test
    void aCancelDuringARunThatThenFailsWinsOverThePolicyThatStopsOnFailure() {
        // cancel() said true, so the task ends cancelled, as in the JDK's STPE; the failed run is reported and counted
        VirtualClock c = new VirtualClock();
        List<Throwable> reported = new ArrayList<>();
        Loop l = Loop.builder().clock(c).stopPeriodicOnFailure(true).errorHandler(reported::add).build();
        TaskHandle<?>[] self = new TaskHandle<?>[1];
        boolean[] cancelled = new boolean[1];
        self[0] = l.scheduleAtFixedRate(() -> {
            cancelled[0] = self[0].cancel();
            throw new IllegalStateException("fails after its cancel");
        }, Duration.ofSeconds(1), Duration.ofSeconds(1));
        c.advanceBy(Duration.ofSeconds(10));
        assertThat(cancelled[0]).isTrue();
        assertThat(self[0].state()).isEqualTo(TaskState.CANCELLED);
        assertThat(reported).singleElement().isInstanceOf(IllegalStateException.class);
        assertThat(l.stats().failedRuns()).isEqualTo(1);
        assertThat(l.stats().failed()).isZero();
        assertThat(l.stats().cancelled()).isEqualTo(1);
        assertThat(l.pendingTimers()).isZero();
        assertThat(l.stats().isBalanced()).isTrue();
    }

    @Test
    void aCancelRacingTheEndOfAPeriodicRunSaysTrueExactlyWhenItEndsTheTask() {
        // a periodic task always due (1 ns period, fixed rate: it runs back to back) on a LoopThread, cancelled once
        // from this thread at an arbitrary point of its run cycle: the task lives until cancelled, so that one call
        // must say true, and the task ends cancelled (it used to say false when its request was seen by the loop
        // between the run's end and its re-read of the state)
        for (int round = 0; round < 300; round++) {
            Loop l = Loop.builder().name("race-" + round).build();
            AtomicInteger runs = new AtomicInteger();
            TaskHandle<Void> p = l.scheduleAtFixedRate(runs::incrementAndGet, Duration.ZERO, Duration.ofNanos(1));
            try (LoopThread t = LoopThread.start(l)) {
                int spins = round % 50;
                while (runs.get() < 2 + spins) {
                    Thread.onSpinWait();
                }
                assertThat(p.cancel()).as("round %d", round).isTrue();
                assertThat(p.cancel()).as("round %d, again", round).isFalse();
                assertThat(p.toCompletionStage().toCompletableFuture()).failsWithin(Duration.ofSeconds(10));
            }
            assertThat(p.state()).as("round %d", round).isEqualTo(TaskState.CANCELLED);
            assertThat(l.stats().isBalanced()).isTrue();
        }
    }

    @Test
    void aPeriodicTaskCanCancelItselfWhileRunning() {
        TaskHandle<?>[] self = new TaskHandle<?>[1];
        AtomicInteger runs = new AtomicInteger();
        self[0] = loop.scheduleAtFixedRate(() -> {
            if (runs.incrementAndGet() == 3) {
                self[0].cancel();
            }
        }, Duration.ofSeconds(1), Duration.ofSeconds(1));
        clock.advanceBy(Duration.ofSeconds(10));
        assertThat(runs).hasValue(3);
        assertThat(self[0].state()).isEqualTo(TaskState.CANCELLED);
        assertThat(loop.pendingTimers()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void advanceToNextTimerJumpsToTheEarliestDeadline() {
        loop.schedule(record("b"), Duration.ofMinutes(2));
        loop.schedule(record("a"), Duration.ofMinutes(1));
        assertThat(clock.advanceToNextTimer()).isEqualTo(1);
        assertThat(clock.nanoTime()).isEqualTo(Duration.ofMinutes(1).toNanos());
        assertThat(clock.advanceToNextTimer()).isEqualTo(1);
        assertThat(clock.advanceToNextTimer()).isZero();
        assertThat(log).containsExactly("a@60000000000", "b@120000000000");
    }

    @Test
    void advanceToNextTimerRunsTheReadyWorkFirstAndCountsIt() {
        loop.execute(record("ready"));
        assertThat(clock.advanceToNextTimer()).isEqualTo(1); // no timer pending: the ready task still ran
        assertThat(clock.nanoTime()).isZero();
        loop.execute(record("ready2"));
        loop.schedule(record("t"), Duration.ofMinutes(1));
        assertThat(clock.advanceToNextTimer()).isEqualTo(2);
        assertThat(log).containsExactly("ready@0", "ready2@0", "t@60000000000");
    }

    @Test
    void aThrowingTimerNeverWedgesVirtualTime() {
        loop.schedule(() -> {
            throw new IllegalStateException("boom");
        }, Duration.ofSeconds(1));
        loop.schedule(record("after"), Duration.ofSeconds(2));
        clock.advanceBy(Duration.ofSeconds(3));
        assertThat(log).containsExactly("after@2000000000");
        assertThat(clock.nanoTime()).isEqualTo(3_000_000_000L);
    }

    @Test
    void hoursOfVirtualTimeRunAtOnce() {
        AtomicInteger ticks = new AtomicInteger();
        loop.scheduleAtFixedRate(ticks::incrementAndGet, Duration.ofMillis(100), Duration.ofMillis(100));
        clock.advanceBy(Duration.ofHours(5));
        assertThat(ticks).hasValue(5 * 3600 * 10);
    }

    @Test
    void aSystemClockLoopFiresTimersOnTime() throws Exception {
        Loop real = Loop.create();
        long start = System.nanoTime();
        TaskHandle<Long> h = real.schedule(System::nanoTime, Duration.ofMillis(20));
        try (LoopThread ignored = LoopThread.start(real)) {
            long firedAt = h.future().get(10, TimeUnit.SECONDS);
            assertThat(firedAt - start).isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
            assertThat(h.deadline()).isLessThanOrEqualTo(firedAt);
        }
    }

    @Test
    void aTimerAnOnTimerFiredListenerSeesIsCountedPendingAndAShutdownNowThereHandsItBackUnrun() throws Exception {
        for (boolean periodic : new boolean[] {false, true}) {
            VirtualClock clock = new VirtualClock();
            List<LoopStats> seen = new ArrayList<>();
            List<List<Runnable>> handedBack = new ArrayList<>();
            List<Integer> pending = new ArrayList<>();
            Loop[] self = new Loop[1];
            Loop loop = Loop.builder().clock(clock).listener(new LoopListener() {
                @Override
                public void onTimerFired(TaskHandle<?> task) {
                    seen.add(self[0].stats());
                    pending.add(self[0].pendingTimers());
                    handedBack.add(self[0].shutdownNow());
                }
            }).build();
            self[0] = loop;
            AtomicInteger ran = new AtomicInteger();
            Runnable body = ran::incrementAndGet;
            TaskHandle<Void> h = periodic
                    ? loop.scheduleAtFixedRate(body, Duration.ofSeconds(1), Duration.ofSeconds(1))
                    : loop.schedule(body, Duration.ofSeconds(1));
            TaskHandle<Void> later = loop.schedule(body, Duration.ofSeconds(5));
            clock.advanceBy(Duration.ofSeconds(10));
            assertThat(seen).hasSize(1);
            assertThat(seen.get(0).pendingTimers()).as("the timer about to start, and the later one").isEqualTo(2);
            assertThat(seen.get(0).isBalanced()).as("%s", seen.get(0)).isTrue();
            assertThat(pending).containsExactly(2);
            assertThat(ran.get()).as("stopped before it started").isZero();
            assertThat(handedBack.get(0)).containsExactly(body, body);
            assertThat(h.state()).isEqualTo(TaskState.CANCELLED);
            assertThat(later.state()).isEqualTo(TaskState.CANCELLED);
            assertThat(h.startedAt()).isEqualTo(-1);
            LoopStats stats = loop.stats();
            assertThat(stats.cancelled()).isEqualTo(2);
            assertThat(stats.started()).isZero();
            assertThat(stats.isBalanced()).as("%s", stats).isTrue();
            assertThat(loop.awaitTermination(Duration.ZERO)).isTrue();
        }
    }
}
