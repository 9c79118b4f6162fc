package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Loop#onTermination(Runnable)}: who runs the callbacks, when, what they see, and how they are taken off. */
class TerminationCallbackTest {

    /** What a callback saw when it ran. */
    private static final class Seen implements Runnable {
        final Loop loop;
        volatile Thread thread;
        volatile boolean terminated;
        volatile boolean inLoop;
        volatile String written; // what a task of the loop wrote, read by the callback (plain field below)
        String fromTask;
        final AtomicInteger runs = new AtomicInteger();

        Seen(Loop loop) {
            this.loop = loop;
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            terminated = loop.isTerminated();
            inLoop = loop.inLoop();
            written = fromTask;
            runs.incrementAndGet();
        }
    }

    @Test
    void closeOfALoopThreadDrivenLoopRunsTheCallbackOnTheLoopThreadBeforeCloseReturns() throws Exception {
        Loop loop = Loop.create();
        Seen seen = new Seen(loop);
        Cancellable registration = loop.onTermination(seen);
        LoopThread driver = LoopThread.start(loop);
        CountDownLatch ran = new CountDownLatch(1);
        loop.execute(() -> {
            seen.fromTask = "written by a task"; // plain write: the termination must publish it to the callback
            ran.countDown();
        });
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(registration.isDone()).isFalse();

        loop.close(); // from the test thread, while the LoopThread drives

        assertThat(seen.runs.get()).as("run before close() returned").isEqualTo(1);
        assertThat(seen.thread).isSameAs(driver.thread());
        assertThat(seen.terminated).isTrue();
        assertThat(seen.inLoop).isTrue();
        assertThat(seen.written).isEqualTo("written by a task");
        assertThat(registration.isDone()).isTrue();
        assertThat(registration.cancel()).isFalse();
        assertThat(driver.join(Duration.ofSeconds(10))).isTrue();
        assertThat(driver.crash()).isNull();
        assertThat(seen.runs.get()).isEqualTo(1);
    }

    @Test
    void closeOfAnUndrivenLoopRunsTheCallbacksOnTheClosingThreadInRegistrationOrder() {
        Loop loop = Loop.create();
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Thread> on = new AtomicReference<>();
        loop.onTermination(() -> order.add("first"));
        loop.onTermination(() -> {
            on.set(Thread.currentThread());
            order.add("second");
        });
        loop.onTermination(() -> order.add("third"));
        loop.execute(() -> order.add("task"));
        assertThat(order).isEmpty();
        loop.close();
        assertThat(order).containsExactly("task", "first", "second", "third");
        assertThat(on.get()).isSameAs(Thread.currentThread());
        assertThat(loop.pendingTerminationCallbacks()).isZero();
    }

    @Test
    void shutdownNowFromAnotherThreadOfAnUndrivenLoopRunsTheCallbackThere() throws Exception {
        Loop loop = Loop.create();
        Seen seen = new Seen(loop);
        loop.onTermination(seen);
        loop.execute(() -> { });
        Thread stopper = new Thread(loop::shutdownNow, "stopper");
        stopper.start();
        stopper.join();
        assertThat(seen.runs.get()).isEqualTo(1);
        assertThat(seen.thread).isSameAs(stopper);
        assertThat(seen.terminated).isTrue();
        assertThat(seen.inLoop).isTrue();
    }

    @Test
    void shutdownNowFromAnotherThreadUnderALoopThreadRunsTheCallbackOnTheLoopThread() throws Exception {
        Loop loop = Loop.create();
        Seen seen = new Seen(loop);
        CountDownLatch called = new CountDownLatch(1);
        loop.onTermination(seen);
        loop.onTermination(called::countDown);
        LoopThread driver = LoopThread.start(loop);
        CountDownLatch driving = new CountDownLatch(1);
        loop.execute(driving::countDown);
        assertThat(driving.await(10, TimeUnit.SECONDS)).isTrue(); // the LoopThread holds the loop: it serves the stop
        loop.schedule(() -> { }, Duration.ofHours(1)); // something for the stop to hand back
        assertThat(loop.shutdownNow()).hasSize(1);
        assertThat(called.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(driver.join(Duration.ofSeconds(10))).isTrue();
        assertThat(seen.runs.get()).isEqualTo(1);
        assertThat(seen.thread).isSameAs(driver.thread());
        assertThat(seen.terminated).isTrue();
        assertThat(loop.awaitTermination(Duration.ZERO)).isTrue();
    }

    @Test
    void aCloseFromATaskTerminatesAfterItAndRunsTheCallbackOnTheDriver() {
        VirtualClock clock = new VirtualClock();
        Loop loop = Loop.builder().clock(clock).build();
        Seen seen = new Seen(loop);
        loop.onTermination(seen);
        loop.schedule(loop::close, Duration.ofSeconds(5));
        clock.advanceBy(Duration.ofSeconds(4));
        assertThat(seen.runs.get()).isZero();
        clock.advanceBy(Duration.ofSeconds(1)); // the advance drives the close's task, then the termination
        assertThat(seen.runs.get()).isEqualTo(1);
        assertThat(seen.thread).isSameAs(Thread.currentThread());
        assertThat(seen.inLoop).isTrue();
    }

    @Test
    void aCallbackRegisteredAfterTheTerminationRunsAtOnceOnTheCaller() throws Exception {
        Loop loop = Loop.create();
        loop.execute(() -> { });
        loop.close();
        AtomicReference<Thread> on = new AtomicReference<>();
        AtomicReference<Boolean> terminated = new AtomicReference<>();
        Thread late = new Thread(() -> {
            Cancellable r = loop.onTermination(() -> {
                on.set(Thread.currentThread());
                terminated.set(loop.isTerminated());
            });
            assertThat(on.get()).as("ran before onTermination returned").isSameAs(Thread.currentThread());
            assertThat(r.isDone()).isTrue();
            assertThat(r.cancel()).isFalse();
        }, "late");
        AtomicReference<Throwable> failed = new AtomicReference<>();
        late.setUncaughtExceptionHandler((t, e) -> failed.set(e));
        late.start();
        late.join();
        assertThat(failed.get()).isNull();
        assertThat(on.get()).isSameAs(late);
        assertThat(terminated.get()).isTrue();
        assertThat(loop.pendingTerminationCallbacks()).isZero();
    }

    @Test
    void aCancelledCallbackNeverRunsAndIsNotKept() {
        Loop loop = Loop.create();
        AtomicInteger runs = new AtomicInteger();
        Cancellable kept = loop.onTermination(runs::incrementAndGet);
        for (int i = 0; i < 10_000; i++) { // short-lived users: each registers, then ends first and takes it off
            Cancellable r = loop.onTermination(() -> runs.addAndGet(1_000_000));
            assertThat(r.isDone()).isFalse();
            assertThat(r.cancel()).isTrue();
            assertThat(r.isDone()).isTrue();
            assertThat(r.cancel()).isFalse();
        }
        Cancellable middle = loop.onTermination(() -> runs.addAndGet(1_000_000));
        Cancellable last = loop.onTermination(runs::incrementAndGet);
        assertThat(loop.pendingTerminationCallbacks()).isEqualTo(3);
        assertThat(middle.cancel()).isTrue(); // unlinked between two others: both still run
        assertThat(loop.pendingTerminationCallbacks()).isEqualTo(2);
        loop.close();
        assertThat(runs.get()).isEqualTo(2);
        assertThat(kept.isDone()).isTrue();
        assertThat(last.cancel()).isFalse();
        assertThat(loop.pendingTerminationCallbacks()).isZero();
    }

    @Test
    void aThrowingCallbackIsReportedAndCountedAndNeitherStopsTheTerminationNorTheOthers() throws Exception {
        List<Throwable> reported = Collections.synchronizedList(new ArrayList<>());
        Loop loop = Loop.builder().errorHandler(reported::add).build();
        IllegalStateException boom = new IllegalStateException("boom");
        AtomicInteger after = new AtomicInteger();
        loop.onTermination(() -> {
            throw boom;
        });
        loop.onTermination(after::incrementAndGet);
        LoopThread driver = LoopThread.start(loop);
        loop.close();
        assertThat(loop.isTerminated()).isTrue();
        assertThat(after.get()).isEqualTo(1);
        assertThat(reported).containsExactly(boom);
        assertThat(driver.join(Duration.ofSeconds(10))).isTrue();
        assertThat(driver.crash()).isNull();
        assertThat(loop.stats().listenerErrors()).isEqualTo(1);

        IllegalStateException late = new IllegalStateException("late");
        Cancellable r = loop.onTermination(() -> { // run at once on this thread: reported the same way, not thrown
            throw late;
        });
        assertThat(r.isDone()).isTrue();
        assertThat(reported).containsExactly(boom, late);
        assertThat(loop.stats().listenerErrors()).isEqualTo(2);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void closeAndAwaitTerminationOnAnotherThreadWaitForTheCallbacksWhichCallThemWithoutBlocking() throws Exception {
        Loop loop = Loop.create();
        CountDownLatch inCallback = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Boolean> awaitedInside = new AtomicReference<>();
        AtomicInteger done = new AtomicInteger();
        loop.onTermination(() -> {
            loop.close(); // returns at once here: the loop has terminated under the callback
            try {
                awaitedInside.set(loop.awaitTermination(Duration.ofHours(1)));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            inCallback.countDown();
            awaitQuietly(release);
            done.incrementAndGet();
        });
        LoopThread driver = LoopThread.start(loop);
        CountDownLatch driving = new CountDownLatch(1);
        loop.execute(driving::countDown);
        assertThat(driving.await(10, TimeUnit.SECONDS)).isTrue();
        loop.shutdownNow(); // returns once served, perhaps before the callback
        assertThat(inCallback.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(awaitedInside.get()).isTrue();
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.awaitTermination(Duration.ZERO)).as("the callback still runs").isFalse();
        AtomicInteger doneWhenCloseReturned = new AtomicInteger(-1);
        Thread closer = new Thread(() -> {
            loop.close();
            doneWhenCloseReturned.set(done.get());
        }, "closer");
        closer.start();
        release.countDown();
        closer.join();
        assertThat(doneWhenCloseReturned.get()).as("close() returned after the callback").isEqualTo(1);
        assertThat(loop.awaitTermination(Duration.ZERO)).isTrue();
        assertThat(driver.join(Duration.ofSeconds(10))).isTrue();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aCallbackRegisteredWhileTheCallbacksRunRunsAtOnceOnTheTerminatingThread() {
        Loop loop = Loop.create();
        List<String> order = new ArrayList<>();
        loop.onTermination(() -> {
            order.add("outer");
            loop.onTermination(() -> order.add("nested"));
            order.add("outer again");
        });
        loop.onTermination(() -> order.add("second"));
        loop.close();
        assertThat(order).containsExactly("outer", "nested", "outer again", "second");
    }

    @Test
    void registrationsRacingTheTerminationEachRunExactlyOnce() throws Exception {
        for (int round = 0; round < 20; round++) {
            Loop loop = Loop.create();
            LoopThread driver = LoopThread.start(loop);
            int count = 2_000;
            AtomicInteger[] runs = new AtomicInteger[count];
            CountDownLatch halfway = new CountDownLatch(1);
            Thread registrar = new Thread(() -> {
                for (int i = 0; i < count; i++) {
                    AtomicInteger r = runs[i] = new AtomicInteger();
                    loop.onTermination(r::incrementAndGet);
                    if (i == count / 2) {
                        halfway.countDown();
                    }
                }
            }, "registrar");
            registrar.start();
            assertThat(halfway.await(10, TimeUnit.SECONDS)).isTrue();
            loop.close();
            registrar.join();
            assertThat(driver.join(Duration.ofSeconds(10))).isTrue();
            for (int i = 0; i < count; i++) {
                assertThat(runs[i].get()).as("round %d, callback %d", round, i).isEqualTo(1);
            }
            assertThat(loop.pendingTerminationCallbacks()).isZero();
        }
    }
}
