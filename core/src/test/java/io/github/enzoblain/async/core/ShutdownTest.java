package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShutdownTest {

    private final VirtualClock clock = new VirtualClock();

    /** Runs {@code action} on a new thread and waits for it: a submission from outside the loop, made from a task. */
    private static void onAnotherThread(Runnable action) {
        Thread other = new Thread(action, "other");
        other.start();
        try {
            other.join();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void closeFinishesReadyWorkCancelsTimersAndRejectsNewWork() {
        Loop loop = Loop.builder().clock(clock).build();
        List<String> log = new ArrayList<>();
        loop.execute(() -> log.add("ready"));
        TaskHandle<?> timer = loop.schedule(() -> log.add("timer"), Duration.ofSeconds(1));
        TaskHandle<Void> periodic = loop.scheduleAtFixedRate(() -> log.add("tick"), Duration.ofSeconds(1),
                Duration.ofSeconds(1));
        loop.close();
        assertThat(loop.isShutdown()).isTrue();
        assertThat(loop.isTerminated()).isTrue();
        assertThat(log).containsExactly("ready");
        assertThat(timer.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(periodic.state()).isEqualTo(TaskState.CANCELLED);
        assertThatThrownBy(() -> loop.execute(() -> { })).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> loop.submit(() -> 1)).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> loop.schedule(() -> { }, Duration.ZERO)).isInstanceOf(RejectedExecutionException.class);
        LoopStats s = loop.stats();
        assertThat(s.rejected()).isEqualTo(3);
        assertThat(s.isBalanced()).as(s.toString()).isTrue();
    }

    @Test
    void closeCanRunPendingTimersInsteadAndStillStopsPeriodicOnes() {
        Loop loop = Loop.builder().clock(clock).closeRunsTimers(true).build();
        List<String> log = new ArrayList<>();
        loop.schedule(() -> log.add("timer@" + clock.nanoTime()), Duration.ofSeconds(5));
        TaskHandle<Void> periodic = loop.scheduleAtFixedRate(() -> log.add("tick"), Duration.ofSeconds(1),
                Duration.ofSeconds(1));
        loop.runUntilIdle();
        loop.close();
        assertThat(log).containsExactly("timer@5000000000");
        assertThat(periodic.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void closeFromATaskTerminatesAfterTheTask() {
        Loop loop = Loop.builder().clock(clock).build();
        List<String> log = new ArrayList<>();
        loop.execute(() -> {
            loop.close();
            log.add("still running");
        });
        loop.execute(() -> log.add("queued before close"));
        loop.runUntilIdle();
        assertThat(log).containsExactly("still running", "queued before close");
        assertThat(loop.isTerminated()).isTrue();
    }

    @Test
    void shutdownNowReturnsWhatNeverRan() {
        Loop loop = Loop.builder().clock(clock).build();
        Runnable a = () -> { };
        Runnable b = () -> { };
        loop.execute(a);
        TaskHandle<Void> hb = loop.submit(b);
        TaskHandle<Void> timer = loop.schedule(b, Duration.ofSeconds(1));
        loop.runOnce(); // takes everything in, runs a
        List<Runnable> never = loop.shutdownNow();
        assertThat(never).containsExactly(b, b);
        assertThat(hb.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(timer.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void shutdownNowFromAnotherThreadIsHandedOverByTheDriver() throws Exception {
        // repeated: the driver may see the close before, while or after it takes the timer in (a race once lost it)
        for (int round = 0; round < 300; round++) {
            Loop loop = Loop.create();
            TaskHandle<Void> timer = loop.schedule(() -> { }, Duration.ofHours(1));
            LoopThread thread = LoopThread.start(loop);
            List<Runnable> never = loop.shutdownNow();
            if (never.size() != 1) { // say what the loop saw before failing
                thread.join(Duration.ofSeconds(10));
            }
            assertThat(never).as("round %d: timer %s, %s, terminated %s", round, timer.state(), loop.stats(),
                    loop.isTerminated()).hasSize(1);
            assertThat(thread.join(Duration.ofSeconds(10))).isTrue();
            assertThat(thread.crash()).as("round %d: the loop thread ends quietly", round).isNull();
            assertThat(loop.isTerminated()).isTrue();
            assertThat(timer.state()).isEqualTo(TaskState.CANCELLED);
            assertThat(loop.stats().isBalanced()).isTrue();
        }
    }

    @Test
    void closeWaitsForSpawnedWorkInFlight() {
        Loop loop = Loop.builder().clock(clock).build();
        java.util.concurrent.CompletableFuture<String> external = new java.util.concurrent.CompletableFuture<>();
        TaskHandle<String> h = loop.spawn(() -> external);
        loop.runUntilIdle();
        Thread closer = new Thread(loop::close);
        // not terminated while the spawned task awaits its stage
        loop.execute(() -> { }); // still open
        loop.runUntilIdle();
        assertThat(loop.isTerminated()).isFalse();
        external.complete("done");
        loop.close();
        assertThat(h.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(loop.isTerminated()).isTrue();
        assertThat(closer.getState()).isEqualTo(Thread.State.NEW);
    }

    @Test
    void shutdownNowLeavesASpawnedTaskAwaitingItsStageAndTheLoopEndsWhenItCompletes() {
        Loop loop = Loop.builder().clock(clock).build();
        java.util.concurrent.CompletableFuture<String> external = new java.util.concurrent.CompletableFuture<>();
        TaskHandle<String> h = loop.spawn(() -> external);
        loop.runUntilIdle();
        assertThat(loop.shutdownNow()).isEmpty();
        assertThat(h.state()).isEqualTo(TaskState.RUNNING);
        assertThat(loop.isShutdown()).isTrue();
        assertThat(loop.isTerminated()).isFalse();
        external.complete("done"); // handed to the loop through its inbox: nobody drives it yet
        assertThat(loop.isTerminated()).isFalse();
        loop.runUntilIdle();
        assertThat(h.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void onARealClockCloseRunsTheOneShotTimersAndEndsPeriodicOnesAtOnce() throws Exception {
        Loop loop = Loop.builder().closeRunsTimers(true).build();
        TaskHandle<Void> hourly = loop.scheduleAtFixedRate(() -> { }, Duration.ofHours(1), Duration.ofHours(1));
        TaskHandle<String> soon = loop.schedule(() -> "fired", Duration.ofMillis(20));
        LoopThread thread = LoopThread.start(loop, IdleStrategy.parking(), r -> new Thread(r, "closing-driver"));
        thread.close(); // returns once the loop terminated: after `soon`, without waiting an hour
        assertThat(soon.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(hourly.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aPlainTaskAcceptedAsTheLoopTerminatesRunsOrIsReported() throws Exception {
        // a producer races close(): every execute() that returned normally either ran or reached the error handler
        for (int round = 0; round < 300; round++) {
            AtomicInteger accepted = new AtomicInteger();
            AtomicInteger ran = new AtomicInteger();
            AtomicInteger reported = new AtomicInteger();
            Loop loop = Loop.builder().errorHandler(e -> reported.incrementAndGet()).build();
            CountDownLatch started = new CountDownLatch(1);
            Thread producer = new Thread(() -> {
                started.countDown();
                while (true) {
                    try {
                        loop.execute(ran::incrementAndGet);
                    } catch (RejectedExecutionException e) {
                        return;
                    }
                    accepted.incrementAndGet();
                }
            }, "racing-producer");
            producer.start();
            started.await();
            loop.runUntilIdle();
            loop.close();
            producer.join();
            assertThat(ran.get() + reported.get()).as("round %d: %s", round, loop.stats()).isEqualTo(accepted.get());
            assertThat(loop.stats().isBalanced()).isTrue();
        }
    }

    @Test
    void closeDrivesTheRestItselfWhenTheDriverStopsDriving() throws Exception {
        Loop loop = Loop.create();
        CountDownLatch inTask = new CountDownLatch(1);
        AtomicInteger ranAfter = new AtomicInteger();
        loop.execute(() -> {
            inTask.countDown();
            while (!loop.isShutdown()) { // holds the driver until close() has begun
                Thread.onSpinWait();
            }
        });
        loop.execute(ranAfter::incrementAndGet);
        Thread driver = new Thread(loop::runOnce, "one-step-driver"); // drives one step, then stops driving
        driver.start();
        assertThat(inTask.await(10, TimeUnit.SECONDS)).isTrue();
        Thread closer = new Thread(loop::close, "closer");
        closer.setDaemon(true); // were close() to hang, the test fails instead of keeping the JVM alive
        closer.start();
        closer.join(10_000);
        assertThat(closer.isAlive()).as("close() returned").isFalse();
        driver.join(10_000);
        assertThat(loop.isTerminated()).isTrue();
        assertThat(ranAfter.get()).as("ready work finished by the closing thread").isEqualTo(1);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void shutdownNowFromATaskHandsBackWhatOtherThreadsSubmittedBeforeIt() throws Exception {
        Loop loop = Loop.builder().clock(clock).build();
        List<String> log = new ArrayList<>();
        List<Runnable> returned = new ArrayList<>();
        Runnable foreign = () -> log.add("foreign");
        TaskHandle<?>[] handle = new TaskHandle<?>[1];
        loop.execute(() -> {
            onAnotherThread(() -> handle[0] = loop.submit(foreign)); // accepted (in the inbox) before shutdownNow()
            returned.addAll(loop.shutdownNow());
        });
        loop.runUntilIdle();
        assertThat(log).isEmpty();
        assertThat(returned).hasSize(1);
        returned.get(0).run();
        assertThat(log).containsExactly("foreign"); // the user's own task, handed back
        assertThat(handle[0].state()).isEqualTo(TaskState.CANCELLED);
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aForeignShutdownNowServedAfterTheStepsHandsBackWhatWaitsInTheInboxAndRunsNone() throws Exception {
        // the driver has run out of steps (onIdle: just before it looks at the lifecycle); a task from another thread
        // is accepted, then another thread calls shutdownNow(): the task was in the loop before the call, so it is
        // handed back and cancelled, and it never runs
        AtomicInteger ran = new AtomicInteger();
        Runnable foreign = ran::incrementAndGet;
        List<TaskHandle<Void>> handle = new ArrayList<>();
        List<Runnable> returned = new ArrayList<>();
        Thread[] stopper = new Thread[1];
        Loop[] loop = new Loop[1];
        loop[0] = Loop.builder().clock(clock).listener(new LoopListener() {
            @Override
            public void onIdle() {
                if (stopper[0] != null) {
                    return;
                }
                onAnotherThread(() -> handle.add(loop[0].submit(foreign))); // returned: waits in the inbox
                stopper[0] = new Thread(() -> returned.addAll(loop[0].shutdownNow()), "stopper");
                stopper[0].start();
                while (!loop[0].isShutdown()) { // the stopper waits for this driver to serve its request
                    Thread.onSpinWait();
                }
            }
        }).build();
        loop[0].execute(() -> { });
        loop[0].runUntilIdle(); // the idle event, then the driver serves the stopper's request
        stopper[0].join();
        loop[0].runUntilIdle();
        assertThat(returned).containsExactly(foreign);
        assertThat(ran.get()).as("never runs").isZero();
        assertThat(handle.get(0).state()).isEqualTo(TaskState.CANCELLED);
        assertThat(loop[0].isTerminated()).isTrue();
        assertThat(loop[0].stats().cancelled()).isEqualTo(1);
        assertThat(loop[0].stats().isBalanced()).isTrue();
    }

    @Test
    void twoShutdownNowCallsAtOnceBothReturnWhileASpawnedTaskStillAwaitsItsStage() throws Exception {
        // both calls ask before the driver serves either: the one served returns the queued task, the other nothing,
        // and neither waits for the loop to terminate (it cannot yet: a spawned task awaits its stage)
        Loop loop = Loop.create();
        CompletableFuture<String> stage = new CompletableFuture<>();
        CountDownLatch inTask = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TaskHandle<String> spawned = loop.spawn(() -> stage);
        loop.execute(() -> {
            inTask.countDown();
            awaitQuietly(release); // holds the driver while both calls ask
        });
        Runnable queued = () -> { };
        TaskHandle<Void> handle = loop.submit(queued);
        LoopThread thread = LoopThread.start(loop, IdleStrategy.parking(), r -> {
            Thread t = new Thread(r, "driver");
            t.setDaemon(true);
            return t;
        });
        assertThat(inTask.await(10, TimeUnit.SECONDS)).isTrue();
        List<List<Runnable>> returned = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> stoppers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Thread t = new Thread(() -> returned.add(loop.shutdownNow()), "stopper-" + i);
            t.setDaemon(true); // were a call to hang, the test fails instead of keeping the JVM alive
            t.start();
            stoppers.add(t);
            while (t.getState() != Thread.State.TIMED_WAITING) { // asked, now waiting for the driver to serve it
                Thread.onSpinWait();
            }
        }
        release.countDown();
        for (Thread t : stoppers) {
            t.join(10_000);
            assertThat(t.isAlive()).as("%s returned before the loop could terminate", t.getName()).isFalse();
        }
        assertThat(returned).hasSize(2);
        assertThat(returned.stream().flatMap(List::stream)).containsExactly(queued);
        assertThat(handle.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(loop.isTerminated()).isFalse();
        stage.complete("done");
        assertThat(thread.join(Duration.ofSeconds(10))).isTrue();
        assertThat(spawned.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    /**
     * What a submission from another thread does if it found the loop open and was then preempted until the loop had
     * been stopped: its offer lands in the inbox (Loop.offerFromOutside past its check). Reached through reflection, as
     * the interleaving cannot be forced through the API; the loop's own tasks are made as its submission methods do.
     */
    private static void arriveLate(Loop loop, Object task) throws ReflectiveOperationException {
        java.lang.reflect.Field inbox = Loop.class.getDeclaredField("inbox");
        inbox.setAccessible(true);
        assertThat(((Inbox) inbox.get(loop)).offer(task)).isNotNegative();
    }

    /** A task that records what happened to it. */
    private static final class Late implements Runnable, DropAware {
        final List<String> log;
        final String name;

        Late(List<String> log, String name) {
            this.log = log;
            this.name = name;
        }

        @Override
        public void run() {
            log.add(name + " ran");
        }

        @Override
        public void rejected(RejectedExecutionException reason) {
            log.add(name + " rejected");
        }

        @Override
        public void cancelledByLoop() {
            log.add(name + " cancelled");
        }
    }

    @Test
    void whatArrivesAfterAShutdownNowWasServedIsRefusedNotRun() throws Exception {
        // the loop cannot terminate yet (a spawned task awaits its stage); a submission that checked the loop open
        // before the stop arrives after it was served: the stop said none runs, so it is refused, and told
        List<String> log = new ArrayList<>();
        Loop loop = Loop.builder().clock(clock).build();
        CompletableFuture<String> stage = new CompletableFuture<>();
        TaskHandle<String> spawned = loop.spawn(() -> stage);
        loop.runUntilIdle();
        assertThat(loop.shutdownNow()).isEmpty();
        LoopTask<Void> tracked = new LoopTask<>(loop, 1_000, new Late(log, "tracked"), Loop.DEFAULT_PRIORITY, false);
        LoopTask<Void> timer = new LoopTask<>(loop, 1_001, new Late(log, "timer"), Loop.DEFAULT_PRIORITY, true);
        timer.requestDeadline(0);
        arriveLate(loop, tracked);
        arriveLate(loop, timer);
        arriveLate(loop, new LoopTimer(loop, new Late(log, "light"), 0));
        arriveLate(loop, new Late(log, "plain"));
        loop.runUntilIdle();
        assertThat(log).containsExactly("tracked rejected", "timer rejected", "light rejected", "plain rejected");
        assertThat(tracked.state()).isEqualTo(TaskState.REJECTED);
        assertThat(timer.state()).isEqualTo(TaskState.REJECTED);
        stage.complete("done");
        loop.runUntilIdle();
        assertThat(spawned.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.stats().rejected()).isEqualTo(4);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void whatATerminatedLoopsDriverFindsInTheInboxIsRefusedNotTakenIn() throws Exception {
        // the producer's own clean-up (rejectLeftovers) found the slot taken by a runOnce() on the terminated loop:
        // that driver refuses what it finds, instead of arming a timer nobody will ever fire
        List<String> log = new ArrayList<>();
        Loop loop = Loop.builder().clock(clock).build();
        loop.close();
        LoopTask<Void> timer = new LoopTask<>(loop, 1_000, new Late(log, "timer"), Loop.DEFAULT_PRIORITY, true);
        timer.requestDeadline(1_000_000);
        arriveLate(loop, timer);
        arriveLate(loop, new LoopTimer(loop, new Late(log, "light"), 1_000_000));
        arriveLate(loop, new Late(log, "plain"));
        assertThat(loop.runOnce()).isFalse();
        assertThat(log).containsExactly("timer rejected", "light rejected", "plain rejected");
        assertThat(timer.state()).isEqualTo(TaskState.REJECTED);
        assertThat(loop.pendingTimers()).isZero();
        assertThat(loop.stats().rejected()).isEqualTo(3);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void whatArrivesWhileTheDriverTakesInTheInboxAfterAListenerStoppedTheLoopIsRefused() throws Exception {
        // a listener stops the loop while the driver takes its inbox in (onSubmit of a task from another thread); the
        // loop terminates there; a submission that raced the stop arrives before that drain ends: it is refused, not
        // armed in the terminated loop (where, as the loop runs the timers it closes with, nothing would end it)
        List<String> log = new ArrayList<>();
        List<Runnable> returned = new ArrayList<>();
        Loop[] loop = new Loop[1];
        loop[0] = Loop.builder().clock(clock).closeRunsTimers(true).listener(new LoopListener() {
            @Override
            public void onSubmit(TaskHandle<?> task) {
                if (returned.isEmpty() && !loop[0].isShutdown()) {
                    returned.addAll(loop[0].shutdownNow());
                    try {
                        arriveLate(loop[0], new LoopTimer(loop[0], new Late(log, "light"), 1_000_000));
                    } catch (ReflectiveOperationException e) {
                        throw new AssertionError(e);
                    }
                }
            }
        }).build();
        Runnable first = () -> log.add("first ran");
        loop[0].submit(first); // from this thread, not driving: taken in by the driver, which tells the listener
        loop[0].runUntilIdle();
        assertThat(returned).containsExactly(first);
        assertThat(log).containsExactly("light rejected");
        assertThat(loop[0].isTerminated()).isTrue();
        assertThat(loop[0].pendingTimers()).isZero();
        assertThat(loop[0].stats().isBalanced()).isTrue();
    }

    @Test
    void aCancellationSignalThatReachesATerminatedLoopDoesNotStayInItsInbox() {
        // a cancel from another thread wins its CAS just before the loop terminates and offers its signal just after:
        // nobody would ever take it in (the loop shows it in stats().inbox() for ever, and keeps the timer reachable)
        Loop loop = Loop.builder().clock(clock).build();
        loop.close();
        LoopTimer timer = new LoopTimer(loop, () -> { }); // as armed by the driver, before the loop ended it
        assertThat(timer.cancel()).isTrue(); // from this thread, not driving: its signal goes to the inbox
        LoopTask<Void> task = new LoopTask<>(loop, 1_000, () -> { }, Loop.DEFAULT_PRIORITY, true);
        task.where = LoopTask.ARMED;
        assertThat(task.cancel()).isTrue();
        assertThat(loop.stats().inbox()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void shutdownNowFromALowWatermarkListenerAlsoReturnsTheTaskJustTakenOut() {
        List<String> log = new ArrayList<>();
        List<Runnable> returned = new ArrayList<>();
        Loop[] loop = new Loop[1];
        loop[0] = Loop.builder().clock(clock).watermarks(2, 1).listener(new LoopListener() {
            @Override
            public void onWatermark(Watermark mark, int depth) {
                if (mark == Watermark.LOW) { // heard between the poll of "a" and its start
                    returned.addAll(loop[0].shutdownNow());
                }
            }
        }).build();
        Runnable a = () -> log.add("a");
        Runnable b = () -> log.add("b");
        loop[0].execute(a);
        loop[0].execute(b);
        loop[0].runUntilIdle();
        assertThat(log).as("none runs").isEmpty();
        assertThat(returned).containsExactly(a, b);
        assertThat(loop[0].isTerminated()).isTrue();
        assertThat(loop[0].stats().cancelled()).isEqualTo(2);
        assertThat(loop[0].stats().isBalanced()).isTrue();
    }

    @Test
    void aPeriodicTaskTakenInAfterTheCloseWasHandledEndsAtOnceToo() throws Exception {
        Loop loop = Loop.builder().clock(clock).closeRunsTimers(true).build();
        TaskHandle<?>[] periodic = new TaskHandle<?>[1];
        loop.execute(() -> {
            onAnotherThread(() -> periodic[0] = loop.scheduleAtFixedRate(() -> { }, Duration.ofHours(1),
                    Duration.ofHours(1))); // accepted while open: it waits in the inbox
            loop.close(); // from the task: returns at once
        });
        loop.runOnce(); // the task, then the close is handled: the periodic task is still in the inbox
        loop.runUntilIdle(); // takes it in
        assertThat(periodic[0].state()).as("periodic tasks end at close, whenever they arrive")
                .isEqualTo(TaskState.CANCELLED);
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.stats().isBalanced()).isTrue();
    }
    @Test
    void awaitTerminationFromTheDrivingThreadFailsFastInsteadOfStallingTheLoop() {
        Loop loop = Loop.create();
        List<Throwable> thrown = new ArrayList<>();
        loop.execute(() -> {
            try {
                loop.awaitTermination(Duration.ofHours(1));
            } catch (IllegalStateException | InterruptedException e) {
                thrown.add(e);
            }
        });
        loop.runUntilIdle();
        assertThat(thrown).singleElement().isInstanceOf(IllegalStateException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains("awaitTermination", "driving"));
        loop.close();
        assertThat(loop.isTerminated()).isTrue();
    }

    @Test
    void awaitTerminationOfATerminatedLoopSaysTrueFromAnyThread() throws InterruptedException {
        Loop loop = Loop.create();
        loop.close();
        assertThat(loop.awaitTermination(Duration.ZERO)).isTrue();
    }
}

