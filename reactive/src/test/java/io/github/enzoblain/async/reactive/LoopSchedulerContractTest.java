package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopListener;
import io.github.enzoblain.async.core.LoopStats;
import io.github.enzoblain.async.core.TaskHandle;
import io.github.enzoblain.async.core.VirtualClock;
import io.github.enzoblain.async.core.queue.RunQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.blockhound.integration.BlockHoundIntegration;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Scheduler contract: hooks, input checks, lifecycle, workers, errors, the non-blocking thread. */
class LoopSchedulerContractTest {

    private final VirtualClock clock = new VirtualClock();
    private final Loop loop = Loop.builder().name("contract").clock(clock).build();
    private final LoopScheduler scheduler = LoopScheduler.create(loop);

    @AfterEach
    void resetHooks() {
        Schedulers.resetOnScheduleHook("contract-test");
        Schedulers.resetOnHandleError("contract-test");
    }

    private static final Runnable NOOP = () -> { };

    /** The six entry points: scheduler and worker, each immediate, delayed and periodic. */
    private static List<Consumer<Runnable>> entryPoints(Scheduler s, Scheduler.Worker w) {
        return List.of(
                r -> s.schedule(r),
                r -> s.schedule(r, 1, TimeUnit.SECONDS),
                r -> s.schedulePeriodically(r, 1, 1, TimeUnit.SECONDS),
                r -> w.schedule(r),
                r -> w.schedule(r, 1, TimeUnit.SECONDS),
                r -> w.schedulePeriodically(r, 1, 1, TimeUnit.SECONDS));
    }

    @Test
    void everyEntryPointAppliesOnScheduleOnceOnTheCallersThread() throws Exception {
        List<Thread> hookThreads = new CopyOnWriteArrayList<>();
        AtomicInteger wrappedRuns = new AtomicInteger();
        Schedulers.onScheduleHook("contract-test", r -> {
            hookThreads.add(Thread.currentThread());
            return () -> {
                wrappedRuns.incrementAndGet();
                r.run();
            };
        });
        Scheduler.Worker worker = scheduler.createWorker();
        Thread caller = new Thread(() -> entryPoints(scheduler, worker).forEach(e -> e.accept(NOOP)), "caller");
        caller.start();
        caller.join();

        assertThat(hookThreads).hasSize(6).containsOnly(caller);
        clock.advanceBy(Duration.ofSeconds(3)); // immediate: 2 runs; delayed: 2; periodic: 2 x 3 ticks
        assertThat(wrappedRuns).hasValue(2 + 2 + 6);
        assertThat(hookThreads).hasSize(6); // not re-applied per tick
    }

    @Test
    void nullTaskOrUnitIsRefusedAtTheCall() {
        Scheduler.Worker worker = scheduler.createWorker();
        for (Consumer<Runnable> entry : entryPoints(scheduler, worker)) {
            assertThatThrownBy(() -> entry.accept(null)).isInstanceOf(NullPointerException.class);
        }
        assertThatThrownBy(() -> scheduler.schedule(NOOP, 1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> worker.schedulePeriodically(NOOP, 1, 1, null))
                .isInstanceOf(NullPointerException.class);
        loop.runUntilIdle();
        assertThat(loop.stats().submitted()).isZero();
    }

    @Test
    void aPeriodOfZeroOrLessRunsTheTaskAgainAsSoonAsEachRunEndsAsOnReactorsSchedulers() {
        Scheduler.Worker worker = scheduler.createWorker();
        List<String> log = new ArrayList<>();
        Disposable[] rerun = new Disposable[2];
        int[] runs = new int[2];
        rerun[0] = scheduler.schedulePeriodically(() -> {
            log.add("direct" + runs[0]);
            if (++runs[0] == 3) {
                rerun[0].dispose(); // from inside its own run: no run after this one
            }
        }, 0, 0, TimeUnit.SECONDS);
        rerun[1] = worker.schedulePeriodically(() -> {
            log.add("worker" + runs[1]);
            if (runs[1]++ == 0) {
                scheduler.schedule(() -> log.add("other")); // ready before the next run: runs before it
            }
            if (runs[1] == 3) {
                rerun[1].dispose();
            }
        }, 1, -5, TimeUnit.MILLISECONDS);
        loop.runUntilIdle();
        assertThat(log).containsExactly("direct0", "direct1", "direct2");
        clock.advanceBy(Duration.ofMillis(1));
        assertThat(log).containsExactly("direct0", "direct1", "direct2", "worker0", "other", "worker1", "worker2");
        assertThat(rerun[0].isDisposed()).isTrue();
        assertThat(rerun[1].isDisposed()).isTrue();
        assertThat(clock.nanoTime()).as("no time passes between the runs").isEqualTo(1_000_000L);
        assertThat(loop.stats().isBalanced()).isTrue();
        assertThat(loop.stats().queued() + loop.stats().pendingTimers()).isZero();
    }

    @Test
    void aZeroPeriodIntervalTakesItsElementsWithoutMovingTime() {
        StepVerifier.create(Flux.interval(Duration.ZERO, scheduler).take(5))
                .then(loop::runUntilIdle)
                .expectNext(0L, 1L, 2L, 3L, 4L)
                .verifyComplete();
        assertThat(clock.nanoTime()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aBackToBackTaskRefusedByAFullBoundedRunQueueEndsLoudlyAsOnReactorsSchedulers() {
        Loop bounded = Loop.builder().clock(new VirtualClock()).runQueue(RunQueues.boundedFifo(2)).build();
        LoopScheduler s = LoopScheduler.create(bounded);
        List<Throwable> heard = new CopyOnWriteArrayList<>();
        Schedulers.onHandleError("contract-test", (t, e) -> heard.add(e));
        List<String> log = new ArrayList<>();
        int[] runs = new int[1];
        Disposable d = s.schedulePeriodically(() -> {
            log.add("run" + runs[0]);
            if (runs[0]++ == 1) { // fills the queue: the next run does not fit in it
                bounded.execute(() -> log.add("a"));
                bounded.execute(() -> log.add("b"));
            }
        }, 0, 0, TimeUnit.NANOSECONDS);
        bounded.runUntilIdle();
        assertThat(log).containsExactly("run0", "run1", "a", "b");
        assertThat(d.isDisposed()).isTrue();
        assertThat(heard).as("never a silent stop").singleElement().isInstanceOf(RejectedExecutionException.class)
                .satisfies(e -> assertThat(e.getCause()).hasMessageContaining("run queue full"));
        assertThat(bounded.stats().isBalanced()).isTrue();
    }

    @Test
    void aTaskTheLoopRefusesAfterTheCallIsReportedThroughReactorsHooksAndLeavesItsLane() {
        // scheduled from this thread (not driving): taken in later, when the bounded run queue is full
        Loop bounded = Loop.builder().clock(new VirtualClock()).runQueue(RunQueues.boundedFifo(2))
                .errorHandler(e -> { throw new AssertionError("the scheduler reports it itself", e); }).build();
        LoopScheduler s = LoopScheduler.create(bounded);
        List<Throwable> heard = new CopyOnWriteArrayList<>();
        Schedulers.onHandleError("contract-test", (t, e) -> heard.add(e));
        s.schedule(NOOP);
        s.schedule(NOOP);
        Disposable refused = s.schedule(NOOP);
        CompletableFuture<Void> graceful = s.disposeGracefully().toFuture();
        bounded.runUntilIdle();
        assertThat(heard).singleElement().isInstanceOf(RejectedExecutionException.class)
                .satisfies(e -> assertThat(e.getCause()).hasMessageContaining("run queue full"));
        assertThat(refused.isDisposed()).isTrue();
        assertThat(graceful).as("the refused task holds up no graceful dispose").isDone();
        assertThat(bounded.stats().rejected()).isEqualTo(1);
        assertThat(bounded.stats().isBalanced()).isTrue();
    }

    @Test
    void aLoopClosingWithItsTimersRunDoesNotRunABackToBackTaskWhoseFirstRunIsStillATimer() {
        VirtualClock own = new VirtualClock();
        Loop closing = Loop.builder().clock(own).closeRunsTimers(true).build();
        LoopScheduler s = LoopScheduler.create(closing);
        int[] runs = new int[2];
        Disposable backToBack = s.schedulePeriodically(() -> runs[0]++, 1, 0, TimeUnit.MILLISECONDS);
        s.schedule(() -> runs[1]++, 1, TimeUnit.MILLISECONDS); // a one-shot timer: runs at its deadline, as the policy says
        closing.execute(closing::close); // from the driver: returns at once, the loop closes once its timers ran
        closing.runUntilIdle();
        own.advanceBy(Duration.ofMillis(1));
        assertThat(runs).containsExactly(0, 1);
        assertThat(backToBack.isDisposed()).isTrue();
        assertThat(closing.isTerminated()).isTrue();
        assertThat(closing.stats().isBalanced()).isTrue();
    }

    @Test
    void aClosingLoopEndsABackToBackTaskAsItEndsOtherPeriodicTasks() {
        int[] runs = new int[1];
        Disposable d = scheduler.schedulePeriodically(() -> {
            if (++runs[0] == 2) {
                loop.close(); // from a run: the loop refuses the next run, and the task ends
            }
        }, 0, 0, TimeUnit.SECONDS);
        loop.runUntilIdle();
        assertThat(runs[0]).isEqualTo(2);
        assertThat(d.isDisposed()).isTrue();
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void afterDisposeEveryEntryPointIsRejectedAsInReactorAndInitFails() {
        Scheduler.Worker before = scheduler.createWorker();
        scheduler.dispose();
        scheduler.dispose(); // idempotent
        assertThat(scheduler.isDisposed()).isTrue();
        assertThat(before.isDisposed()).isTrue();
        Scheduler.Worker after = scheduler.createWorker();
        assertThat(after.isDisposed()).isTrue();
        String reactorMessage = reactor.core.Exceptions.failWithRejected().getMessage();
        for (Scheduler.Worker w : List.of(before, after)) {
            for (Consumer<Runnable> entry : entryPoints(scheduler, w)) {
                assertThatThrownBy(() -> entry.accept(NOOP))
                        .isInstanceOf(RejectedExecutionException.class)
                        .hasMessage(reactorMessage);
            }
        }
        assertThatThrownBy(scheduler::init).isInstanceOf(IllegalStateException.class);
        assertThat(loop.isShutdown()).isFalse(); // a wrapped loop stays open
    }

    @Test
    void initIsIdempotentWhileOpen() {
        scheduler.init();
        scheduler.init();
        assertThat(scheduler.isDisposed()).isFalse();
    }

    @Test
    void disposeCancelsPendingTasksAndUnlinksTimers() {
        AtomicInteger ran = new AtomicInteger();
        Scheduler.Worker worker = scheduler.createWorker();
        scheduler.schedule(ran::incrementAndGet, 1, TimeUnit.SECONDS);
        scheduler.schedulePeriodically(ran::incrementAndGet, 1, 1, TimeUnit.SECONDS);
        worker.schedule(ran::incrementAndGet, 1, TimeUnit.SECONDS);
        worker.schedule(ran::incrementAndGet);
        loop.runUntilIdle();
        assertThat(ran).hasValue(1);
        assertThat(loop.pendingTimers()).isEqualTo(3);

        scheduler.dispose();
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).isZero();
        clock.advanceBy(Duration.ofSeconds(5));
        assertThat(ran).hasValue(1);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void disposeGracefullyLetsAcceptedOneShotsRunAndCancelsPeriodicTasks() {
        List<String> ran = new ArrayList<>();
        Scheduler.Worker worker = scheduler.createWorker();
        scheduler.schedulePeriodically(() -> ran.add("tick"), 1, 1, TimeUnit.SECONDS);
        worker.schedule(() -> ran.add("delayed"), 2, TimeUnit.SECONDS);
        AtomicReference<Boolean> done = new AtomicReference<>(false);
        scheduler.disposeGracefully().subscribe(null, null, () -> done.set(true));
        assertThat(scheduler.isDisposed()).isTrue();
        assertThatThrownBy(() -> worker.schedule(NOOP)).isInstanceOf(RejectedExecutionException.class);
        assertThat(done.get()).isFalse();

        clock.advanceBy(Duration.ofSeconds(1));
        assertThat(done.get()).isFalse();
        clock.advanceBy(Duration.ofSeconds(1));
        assertThat(ran).containsExactly("delayed");
        assertThat(done.get()).isTrue();
        assertThat(loop.pendingTimers()).isZero();
    }

    @Test
    void tasksTheLoopCancelsItselfAreDisposedAndDoNotHoldUpAGracefulDispose() {
        Disposable direct = scheduler.schedule(NOOP, 1, TimeUnit.SECONDS);
        Disposable onWorker = scheduler.createWorker().schedule(NOOP, 1, TimeUnit.SECONDS);
        loop.close(); // the loop under the scheduler closes: it cancels its pending timers, ours among them
        assertThat(direct.isDisposed()).isTrue();
        assertThat(onWorker.isDisposed()).isTrue();
        AtomicReference<Boolean> done = new AtomicReference<>(false);
        scheduler.disposeGracefully().subscribe(null, null, () -> done.set(true));
        assertThat(done.get()).as("nothing left to wait for").isTrue();
    }

    @ParameterizedTest(name = "loop.{0}() under a draining scheduler, a {1} task due {2}")
    @CsvSource({"close, direct, in an hour", "close, worker, in an hour", "shutdownNow, direct, in an hour",
            "shutdownNow, worker, in an hour", "shutdownNow, direct, now", "shutdownNow, worker, now"})
    void aGracefulDisposeCompletesWhenTheLoopEndsItsPendingTasksLater(String ending, String lane, String due) {
        Scheduler.Worker worker = scheduler.createWorker();
        Scheduler.Worker on = lane.equals("direct") ? null : worker;
        Disposable pending = due.equals("now")
                ? (on == null ? scheduler.schedule(NOOP) : on.schedule(NOOP)) // queued: the loop is not driven
                : (on == null ? scheduler.schedule(NOOP, 1, TimeUnit.HOURS) : on.schedule(NOOP, 1, TimeUnit.HOURS));
        CompletableFuture<Void> drained = scheduler.disposeGracefully().toFuture();
        assertThat(drained).as("the task is still pending").isNotDone();

        endLoop(loop, ending); // the loop under the scheduler ends: it cancels its pending timers, ours among them
        loop.runUntilIdle();
        assertThat(pending.isDisposed()).isTrue();
        assertThat(drained).as("nothing left to wait for").isCompleted();
    }

    @ParameterizedTest(name = "loop.{0}()")
    @ValueSource(strings = {"close", "shutdownNow"})
    void aGracefulDisposeBetweenATasksAcceptanceAndItsHandleStillSeesTheLoopEndIt(String ending) {
        AtomicReference<LoopScheduler> draining = new AtomicReference<>();
        AtomicReference<CompletableFuture<Void>> drained = new AtomicReference<>();
        Loop racing = Loop.builder().name("race").clock(new VirtualClock()).listener(new LoopListener() {
            @Override
            public void onSubmit(TaskHandle<?> task) {
                // on the loop's thread, inside the scheduler's loop.schedule(): the task is in its lane, and the
                // scheduler has not been handed its handle yet
                if ("direct".equals(task.label()) && drained.get() == null) {
                    drained.set(draining.get().disposeGracefully().toFuture());
                }
            }
        }).build();
        draining.set(LoopScheduler.create(racing));
        racing.submit(() -> draining.get().schedule(NOOP, 1, TimeUnit.HOURS));
        racing.runUntilIdle();
        assertThat(drained.get()).as("the timer is still pending").isNotNull().isNotDone();

        endLoop(racing, ending);
        racing.runUntilIdle();
        assertThat(drained.get()).as("nothing left to wait for").isCompleted();
    }

    private static void endLoop(Loop loop, String ending) {
        if (ending.equals("close")) {
            loop.close();
        } else {
            loop.shutdownNow();
        }
    }

    @Test
    void aNullPeriodicTaskOrADisposedSchedulerIsReportedBeforeABadPeriod() {
        Scheduler.Worker worker = scheduler.createWorker();
        assertThatThrownBy(() -> scheduler.schedulePeriodically(null, 0, 0, TimeUnit.SECONDS))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> worker.schedulePeriodically(null, 0, 0, TimeUnit.SECONDS))
                .isInstanceOf(NullPointerException.class);
        scheduler.dispose();
        assertThatThrownBy(() -> scheduler.schedulePeriodically(NOOP, 1, 0, TimeUnit.SECONDS))
                .isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> worker.schedulePeriodically(NOOP, 1, -1, TimeUnit.SECONDS))
                .isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void workerTasksRunInFifoOrder() {
        Scheduler.Worker worker = scheduler.createWorker();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            int n = i;
            if (i % 3 == 0) {
                worker.schedule(() -> order.add(n));
            } else {
                worker.schedule(() -> order.add(n), 1, TimeUnit.MILLISECONDS); // timers, same deadline: by sequence
            }
        }
        loop.runUntilIdle();
        assertThat(order).hasSize(334);
        clock.advanceBy(Duration.ofMillis(1));
        assertThat(order).hasSize(1000);
        List<Integer> immediate = order.stream().filter(n -> n % 3 == 0).toList();
        List<Integer> timed = order.stream().filter(n -> n % 3 != 0).toList();
        assertThat(immediate).isSorted();
        assertThat(timed).isSorted();
    }

    @ParameterizedTest(name = "scheduled from {0}")
    @ValueSource(strings = {"another thread", "the loop's thread"})
    void aDelayOfZeroOrLessIsNowAndKeepsAWorkerFifoAsOnReactorsSchedulers(String from) {
        Scheduler.Worker worker = scheduler.createWorker();
        List<String> order = new ArrayList<>();
        Disposable[] once = new Disposable[1];
        Runnable calls = () -> { // Reactor's schedulers submit a delay <= 0 (exec.submit): a, b, c, d, e, f
            worker.schedule(() -> order.add("a"));
            worker.schedule(() -> order.add("b"), 0, TimeUnit.MILLISECONDS);
            worker.schedule(() -> order.add("c"));
            worker.schedule(() -> order.add("d"), -5, TimeUnit.SECONDS);
            once[0] = worker.schedulePeriodically(() -> {
                order.add("e");
                once[0].dispose();
            }, 0, 0, TimeUnit.MILLISECONDS);
            worker.schedule(() -> order.add("f"));
        };
        if (from.equals("another thread")) {
            calls.run(); // this thread does not drive the loop: the calls go through the inbox
        } else {
            loop.execute(calls);
        }
        loop.runUntilIdle();
        assertThat(order).containsExactly("a", "b", "c", "d", "e", "f");
        assertThat(clock.nanoTime()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @ParameterizedTest(name = "scheduled from {0}")
    @ValueSource(strings = {"another thread", "the loop's thread"})
    void aFixedRateTaskDueAtOnceRunsFirstBehindTheTasksBeforeItThenEveryPeriodFromTheCall(String from) {
        // as on Reactor's schedulers (STPE orders a run due now after the tasks submitted before it): a, p, b; then p
        // at 1 s, 2 s, 3 s of the clock, measured from the call, not from the first run
        Scheduler.Worker worker = scheduler.createWorker();
        List<String> order = new ArrayList<>();
        Disposable[] periodic = new Disposable[1];
        Runnable calls = () -> {
            worker.schedule(() -> order.add("a"));
            periodic[0] = worker.schedulePeriodically(() -> order.add("p@" + clock.nanoTime() / 1_000_000), 0, 1,
                    TimeUnit.SECONDS);
            worker.schedule(() -> order.add("b"));
        };
        if (from.equals("another thread")) {
            calls.run();
        } else {
            loop.execute(calls);
        }
        loop.runUntilIdle();
        assertThat(order).containsExactly("a", "p@0", "b");
        clock.advanceBy(Duration.ofMillis(3500));
        assertThat(order).containsExactly("a", "p@0", "b", "p@1000", "p@2000", "p@3000");
        periodic[0].dispose();
        assertThat(periodic[0].isDisposed()).isTrue();
        clock.advanceBy(Duration.ofSeconds(5));
        assertThat(order).hasSize(6);
        assertThat(loop.pendingTimers()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aFixedRateTaskDueAtOnceAndDisposedInItsFirstRunNeverArmsTheRest() {
        Disposable[] periodic = new Disposable[1];
        AtomicInteger runs = new AtomicInteger();
        periodic[0] = scheduler.schedulePeriodically(() -> {
            runs.incrementAndGet();
            periodic[0].dispose();
        }, 0, 1, TimeUnit.SECONDS);
        loop.runUntilIdle();
        clock.advanceBy(Duration.ofSeconds(5));
        assertThat(runs).hasValue(1);
        assertThat(loop.pendingTimers()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void workerTasksNeverOverlapUnderConcurrentProducers() throws Exception {
        LoopScheduler threaded = LoopScheduler.newLoopThread("no-overlap");
        try {
            Scheduler.Worker a = threaded.createWorker();
            Scheduler.Worker b = threaded.createWorker();
            AtomicInteger active = new AtomicInteger();
            AtomicInteger maxActive = new AtomicInteger();
            int perProducer = 2000;
            CountDownLatch done = new CountDownLatch(4 * perProducer);
            List<List<Integer>> seenByProducer = new ArrayList<>();
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                Scheduler.Worker w = p % 2 == 0 ? a : b;
                List<Integer> seen = new ArrayList<>(); // written on the loop thread only
                seenByProducer.add(seen);
                producers.add(new Thread(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        int n = i;
                        w.schedule(() -> {
                            maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                            seen.add(n);
                            active.decrementAndGet();
                            done.countDown();
                        });
                    }
                }));
            }
            producers.forEach(Thread::start);
            for (Thread t : producers) {
                t.join();
            }
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(maxActive).hasValue(1);
            CountDownLatch read = new CountDownLatch(1); // read the lists on the loop thread: happens-before
            List<List<Integer>> copies = new ArrayList<>();
            threaded.schedule(() -> {
                seenByProducer.forEach(l -> copies.add(new ArrayList<>(l)));
                read.countDown();
            });
            assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
            for (List<Integer> seen : copies) {
                assertThat(seen).hasSize(perProducer).isSorted(); // FIFO per producer
            }
        } finally {
            threaded.dispose();
        }
    }

    @Test
    void disposingAWorkerCancelsOnlyItsTasks() {
        Scheduler.Worker a = scheduler.createWorker();
        Scheduler.Worker b = scheduler.createWorker();
        List<String> ran = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            a.schedule(() -> ran.add("a"), 1, TimeUnit.SECONDS);
            b.schedule(() -> ran.add("b"), 1, TimeUnit.SECONDS);
        }
        a.schedulePeriodically(() -> ran.add("a-tick"), 1, 1, TimeUnit.SECONDS);
        a.schedule(() -> ran.add("a-now"));
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).isEqualTo(21);
        ran.clear();
        a.schedule(() -> ran.add("a-queued"));

        a.dispose();
        assertThat(a.isDisposed()).isTrue();
        assertThat(b.isDisposed()).isFalse();
        loop.runUntilIdle(); // a cross-thread cancel is applied at the loop's next step
        assertThat(loop.pendingTimers()).isEqualTo(10);
        clock.advanceBy(Duration.ofSeconds(2));
        assertThat(ran).hasSize(10).containsOnly("b");
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aScheduleDisposableReadsDisposedOnceItsTaskRanOrWasCancelledAndAPeriodicOneOnlyOnceCancelled() {
        Scheduler.Worker worker = scheduler.createWorker();
        AtomicInteger ran = new AtomicInteger();
        Disposable now = scheduler.schedule(ran::incrementAndGet);
        Disposable later = worker.schedule(ran::incrementAndGet, 1, TimeUnit.SECONDS);
        Disposable cancelled = worker.schedule(ran::incrementAndGet, 1, TimeUnit.SECONDS);
        Disposable ticking = worker.schedulePeriodically(ran::incrementAndGet, 1, 1, TimeUnit.SECONDS);
        assertThat(List.of(now, later, cancelled, ticking)).noneMatch(Disposable::isDisposed);
        cancelled.dispose();
        assertThat(cancelled.isDisposed()).isTrue();
        loop.runUntilIdle();
        assertThat(now.isDisposed()).as("ran").isTrue();
        assertThat(later.isDisposed()).isFalse();
        clock.advanceBy(Duration.ofSeconds(2));
        assertThat(ran).hasValue(1 + 1 + 2);
        assertThat(later.isDisposed()).as("ran").isTrue();
        assertThat(ticking.isDisposed()).as("a periodic task lives on").isFalse();
        ticking.dispose();
        assertThat(ticking.isDisposed()).isTrue();
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aFixedRateTaskRunsAtItsDeadlinesWithoutDriftAndStopsWhenItDisposesItself() {
        Scheduler.Worker worker = scheduler.createWorker();
        List<Long> at = new ArrayList<>();
        Disposable[] self = new Disposable[1];
        self[0] = worker.schedulePeriodically(() -> {
            at.add(scheduler.now(TimeUnit.MILLISECONDS));
            if (at.size() == 4) {
                self[0].dispose(); // from inside its own run: this run is the last
            }
        }, 5, 10, TimeUnit.MILLISECONDS);
        clock.advanceBy(Duration.ofMillis(7));
        clock.advanceBy(Duration.ofMillis(21)); // one advance past two deadlines: each runs at its own
        assertThat(at).containsExactly(5L, 15L, 25L);
        clock.advanceBy(Duration.ofSeconds(1));
        assertThat(at).containsExactly(5L, 15L, 25L, 35L);
        assertThat(self[0].isDisposed()).isTrue();
        assertThat(loop.pendingTimers()).as("its timer left the wheel").isZero();
        assertThat(loop.stats().cancelled()).isEqualTo(1);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aWorkerDisposedByOneOfItsOwnTasksCancelsItsOtherTasksAndTimers() {
        Scheduler.Worker worker = scheduler.createWorker();
        List<String> ran = new ArrayList<>();
        worker.schedule(() -> ran.add("delayed"), 1, TimeUnit.SECONDS);
        Disposable ticking = worker.schedulePeriodically(() -> ran.add("tick"), 1, 1, TimeUnit.SECONDS);
        Disposable self = worker.schedule(() -> {
            ran.add("self");
            worker.dispose();
        });
        Disposable queued = worker.schedule(() -> ran.add("queued"));
        loop.runUntilIdle();
        clock.advanceBy(Duration.ofSeconds(5));
        assertThat(ran).containsExactly("self");
        assertThat(List.of(ticking, self, queued)).allMatch(Disposable::isDisposed);
        assertThat(worker.isDisposed()).isTrue();
        assertThat(loop.pendingTimers()).isZero();
        assertThat(loop.stats().cancelled()).isEqualTo(3);
        assertThat(loop.stats().isBalanced()).isTrue();
        assertThatThrownBy(() -> worker.schedule(NOOP)).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void cancellingOneOf100kPendingWorkerTimersIsConstantTime() {
        Scheduler.Worker worker = scheduler.createWorker();
        int n = 100_000;
        Disposable[] tasks = new Disposable[n];
        // on the loop's thread, as operators do: straight into the wheel, no inbox in between
        scheduler.schedule(() -> {
            for (int i = 0; i < n; i++) {
                tasks[i] = worker.schedule(NOOP, 1 + i, TimeUnit.MILLISECONDS);
            }
        });
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).isEqualTo(n);

        tasks[n / 2].dispose(); // from the test thread: unlinked at the loop's next step
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).isEqualTo(n - 1);
        assertThat(tasks[n / 2].isDisposed()).isTrue();

        // a list scan per cancel would make this quadratic (about 5 * 10^9 steps); O(1) cancels take milliseconds
        long[] elapsed = new long[1];
        scheduler.schedule(() -> {
            long start = System.nanoTime();
            for (int i = 0; i < n; i += 2) {
                tasks[i].dispose(); // front to back, every other one
            }
            for (int i = n - 1; i > 0; i -= 2) {
                tasks[i].dispose(); // back to front
            }
            elapsed[0] = System.nanoTime() - start;
        });
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).isZero();
        assertThat(Duration.ofNanos(elapsed[0])).isLessThan(Duration.ofSeconds(5));
        assertThat(loop.stats().cancelled()).isEqualTo(n);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aThrowingTaskIsReportedAndTheSchedulerKeepsWorking() {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        Schedulers.onHandleError("contract-test", (t, e) -> reported.add(e));
        List<Throwable> failures = new ArrayList<>();
        Loop hooked = Loop.builder().clock(new VirtualClock()).listener(new LoopListener() {
            @Override
            public void onFailure(TaskHandle<?> task, Throwable error) {
                failures.add(error);
            }
        }).build();
        LoopScheduler s = LoopScheduler.create(hooked);
        Thread.UncaughtExceptionHandler previous = Thread.currentThread().getUncaughtExceptionHandler();
        Thread.currentThread().setUncaughtExceptionHandler((t, e) -> { }); // Reactor reports here first: keep quiet
        try {
            IllegalStateException boom = new IllegalStateException("boom");
            AtomicInteger after = new AtomicInteger();
            s.schedule(() -> {
                throw boom;
            });
            Scheduler.Worker worker = s.createWorker();
            worker.schedule(() -> {
                throw boom;
            });
            s.schedule(after::incrementAndGet);
            worker.schedule(after::incrementAndGet); // the worker keeps going too
            hooked.runUntilIdle();
            assertThat(reported).containsExactly(boom, boom);
            assertThat(failures).containsExactly(boom, boom);
            assertThat(after).hasValue(2);
            assertThat(worker.isDisposed()).isFalse();
            LoopStats stats = hooked.stats();
            assertThat(stats.failed()).isEqualTo(2);
            assertThat(stats.completed()).isEqualTo(2);
        } finally {
            Thread.currentThread().setUncaughtExceptionHandler(previous);
        }
    }

    @Test
    void aThrowingPeriodicTaskKeepsTicking() {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        Schedulers.onHandleError("contract-test", (t, e) -> reported.add(e));
        // even on a loop that would end a failing periodic task, the scheduler's periodic task keeps ticking
        VirtualClock c = new VirtualClock();
        Loop strict = Loop.builder().clock(c).stopPeriodicOnFailure(true).build();
        LoopScheduler s = LoopScheduler.create(strict);
        Thread.UncaughtExceptionHandler previous = Thread.currentThread().getUncaughtExceptionHandler();
        Thread.currentThread().setUncaughtExceptionHandler((t, e) -> { });
        try {
            AtomicInteger ticks = new AtomicInteger();
            s.schedulePeriodically(() -> {
                if (ticks.incrementAndGet() % 2 == 1) {
                    throw new IllegalStateException("odd tick");
                }
            }, 1, 1, TimeUnit.SECONDS);
            c.advanceBy(Duration.ofSeconds(10));
            assertThat(ticks).hasValue(10);
            assertThat(reported).hasSize(5);
            assertThat(strict.pendingTimers()).isEqualTo(1);
        } finally {
            Thread.currentThread().setUncaughtExceptionHandler(previous);
        }
    }

    @Test
    void nowReadsTheLoopsClock() {
        assertThat(scheduler.now(TimeUnit.NANOSECONDS)).isZero();
        clock.advanceBy(Duration.ofMillis(1500));
        assertThat(scheduler.now(TimeUnit.MILLISECONDS)).isEqualTo(1500);
        assertThat(scheduler.now(TimeUnit.SECONDS)).isEqualTo(1);
    }

    @Test
    void onASystemClockLoopNowInMillisecondsOrCoarserIsTheWallClockAsOnReactorsSchedulers() {
        Loop real = Loop.create();
        LoopScheduler s = LoopScheduler.create(real);
        try {
            long before = System.currentTimeMillis();
            long millis = s.now(TimeUnit.MILLISECONDS);
            long seconds = s.now(TimeUnit.SECONDS);
            Long stamped = Mono.just(1).timestamp(s).map(t -> t.getT1()).block();
            long after = System.currentTimeMillis();
            assertThat(millis).isBetween(before, after);
            assertThat(seconds).isBetween(before / 1000, after / 1000);
            assertThat(stamped).as("timestamp(): the epoch time, as on Reactor's schedulers").isBetween(before, after);
            long n0 = real.now();
            long nanos = s.now(TimeUnit.NANOSECONDS);
            long n1 = real.now();
            assertThat(nanos).as("finer units: the loop's clock").isBetween(n0, n1);
        } finally {
            real.close();
        }
    }

    @Test
    void workerTasksAreLabelledForTraces() {
        List<String> labels = new ArrayList<>();
        Loop hooked = Loop.builder().listener(new LoopListener() {
            @Override
            public void onStart(TaskHandle<?> task) {
                labels.add(task.label());
            }
        }).build();
        LoopScheduler s = LoopScheduler.create(hooked);
        Scheduler.Worker w1 = s.createWorker();
        Scheduler.Worker w2 = s.createWorker();
        w1.schedule(NOOP);
        w2.schedule(NOOP);
        s.schedule(NOOP);
        hooked.runUntilIdle();
        assertThat(labels).containsExactly("worker-1", "worker-2", "direct");
    }

    @Test
    void theLoopThreadIsNonBlockingSoBlockFailsFast() throws Exception {
        LoopScheduler threaded = LoopScheduler.newLoopThread("non-blocking");
        try {
            AtomicReference<Thread> thread = new AtomicReference<>();
            Throwable error = Mono.fromCallable(() -> {
                        thread.set(Thread.currentThread());
                        return Mono.just(1).hide().block(); // hide(): no scalar shortcut
                    })
                    .subscribeOn(threaded)
                    .flatMap(x -> Mono.<Throwable>empty())
                    .onErrorResume(e -> Mono.just(e))
                    .block(Duration.ofSeconds(10));
            assertThat(thread.get()).isInstanceOf(NonBlocking.class).isInstanceOf(NonBlockingLoopThread.class);
            assertThat(Schedulers.isNonBlockingThread(thread.get())).isTrue();
            assertThat(error).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("block()/blockFirst()/blockLast() are blocking");
        } finally {
            threaded.dispose();
        }
        assertThat(threaded.loop().isTerminated()).isTrue(); // the owned loop is closed with the scheduler
    }

    @Test
    void blockHoundIntegrationIsRegistered() {
        // Installing BlockHound needs its agent attached to the JVM; that is left out of this module's tests. The
        // integration is checked to be discoverable, which is how BlockHound finds it.
        List<Class<?>> found = new ArrayList<>();
        ServiceLoader.load(BlockHoundIntegration.class).forEach(i -> found.add(i.getClass()));
        assertThat(found).contains(LoopBlockHoundIntegration.class);
    }
}
