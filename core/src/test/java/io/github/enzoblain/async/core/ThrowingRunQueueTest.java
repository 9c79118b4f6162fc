package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.queue.RunQueue;
import io.github.enzoblain.async.core.queue.RunQueues;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A user run queue that throws (RunQueue's contract): no task is lost, the stats stay balanced, the error is told. */
class ThrowingRunQueueTest {

    /** A bounded FIFO whose methods throw {@code bug} while their switch is on; a throwing call changes nothing. */
    static final class Faulty implements RunQueue {
        final RunQueue inner;
        final RuntimeException bug = new IllegalArgumentException("queue bug");
        boolean offerThrows, pollThrows, sizeThrows, capacityThrows;
        int pollFailures; // this many next polls throw

        Faulty(int capacity) {
            inner = RunQueues.boundedFifo(capacity);
        }

        @Override
        public boolean offer(Runnable task) {
            if (offerThrows) {
                throw bug;
            }
            return inner.offer(task);
        }

        @Override
        public Runnable poll() {
            if (pollThrows) {
                throw bug;
            }
            if (pollFailures > 0) {
                pollFailures--;
                throw bug;
            }
            return inner.poll();
        }

        @Override
        public int size() {
            if (sizeThrows) {
                throw bug;
            }
            return inner.size();
        }

        @Override
        public int capacity() {
            if (capacityThrows) {
                throw bug;
            }
            return inner.capacity();
        }

        @Override
        public String toString() {
            return "Faulty";
        }
    }

    @Test
    void anOfferThatThrowsRejectsTheIncomingTaskWithTheQueuesErrorAsCauseAndTheLoopGoesOn() {
        Faulty q = new Faulty(16);
        List<Throwable> errors = new ArrayList<>();
        Loop loop = Loop.builder().name("faulty").runQueue(q).errorHandler(errors::add).build();
        List<Throwable> atCall = new ArrayList<>();
        List<String> ran = new ArrayList<>();
        loop.execute(() -> {
            q.offerThrows = true;
            try {
                loop.execute(() -> ran.add("plain"));
            } catch (RejectedExecutionException e) {
                atCall.add(e);
            }
            try {
                loop.submit(() -> ran.add("tracked"));
            } catch (RejectedExecutionException e) {
                atCall.add(e);
            }
        });
        loop.runUntilIdle();
        assertThat(atCall).as("on the driver thread: thrown to the submitter, as for a full queue").hasSize(2)
                .allSatisfy(e -> assertThat(e.getCause()).isSameAs(q.bug));
        assertThat(errors).hasSize(2).allSatisfy(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("faulty").hasMessageContaining("Faulty").hasMessageContaining("offer()")
                .cause().isSameAs(q.bug));
        errors.clear();

        // from another thread: accepted into the inbox, rejected when taken in
        TaskHandle<Integer> h = loop.submit(() -> 1);
        loop.execute(() -> ran.add("foreign plain"));
        loop.runUntilIdle(); // the driver is not thrown out
        assertThat(h.state()).isEqualTo(TaskState.REJECTED);
        assertThatThrownBy(() -> h.toCompletionStage().toCompletableFuture().join()).cause()
                .isInstanceOf(RejectedExecutionException.class).cause().isSameAs(q.bug);
        assertThat(errors).as("each queue error, and the plain task dropped (no handle to carry it)").hasSize(3);
        assertThat(errors.get(2)).isInstanceOf(RejectedExecutionException.class).hasMessageContaining("dropped");

        q.offerThrows = false;
        TaskHandle<Integer> after = loop.submit(() -> 2);
        loop.runUntilIdle();
        assertThat(after.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(ran).isEmpty();
        LoopStats s = loop.stats();
        assertThat(s.rejected()).isEqualTo(4);
        assertThat(s.completed()).isEqualTo(2);
        assertThat(s.isBalanced()).as(s.toString()).isTrue();
    }

    @Test
    void aPollThatThrowsStopsTheLoopWithAClearErrorAndCancelsWhatItCanStillReach() {
        Faulty q = new Faulty(16);
        List<Throwable> errors = new ArrayList<>();
        Loop loop = Loop.builder().name("faulty").clock(new VirtualClock()).runQueue(q).errorHandler(errors::add)
                .build();
        TaskHandle<Integer> a = loop.submit(() -> 1);
        TaskHandle<Integer> b = loop.submit(() -> 2);
        TaskHandle<Void> timer = loop.schedule(() -> { }, Duration.ofHours(1));
        Cancellable light = loop.executeAfter(() -> { }, Duration.ofHours(1));
        q.pollFailures = 1; // the next poll throws, the ones after it work
        assertThatThrownBy(loop::runUntilIdle).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("faulty").hasMessageContaining("Faulty").hasMessageContaining("poll()")
                .cause().isSameAs(q.bug);
        assertThat(loop.isTerminated()).isTrue();
        assertThat(a.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(b.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(timer.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(light.isDone()).isTrue();
        assertThat(errors).singleElement().isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> loop.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        assertThat(loop.runOnce()).as("thrown once, by the call that saw it").isFalse();
        LoopStats s = loop.stats();
        assertThat(s.cancelled()).isEqualTo(4);
        assertThat(s.queued()).isZero();
        assertThat(s.isBalanced()).as(s.toString()).isTrue();
    }

    @Test
    void tasksAQueueNoLongerGivesAreCountedCancelledSoTheStatsBalanceAndCloseReturns() {
        Faulty q = new Faulty(16);
        List<Throwable> errors = new ArrayList<>();
        Loop loop = Loop.builder().runQueue(q).errorHandler(errors::add).build();
        List<TaskHandle<Integer>> handles = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int v = i;
            handles.add(loop.submit(() -> v));
        }
        loop.runOnce(); // takes the three in, runs the first
        q.pollThrows = true; // for good
        loop.close(); // drives the shutdown itself: must terminate, and not throw
        assertThat(loop.isTerminated()).isTrue();
        assertThat(handles.get(0).state()).isEqualTo(TaskState.COMPLETED);
        assertThat(errors).singleElement().isInstanceOf(IllegalStateException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains("0 of its 2 queued tasks"));
        LoopStats s = loop.stats();
        assertThat(s.cancelled()).isEqualTo(2);
        assertThat(s.queued()).isZero();
        assertThat(s.isBalanced()).as(s.toString()).isTrue();
    }

    @Test
    void aSizeThatThrowsStopsTheLoopAndShutdownNowStillAccountsForEverything() {
        Faulty q = new Faulty(16);
        List<Throwable> errors = new ArrayList<>();
        Loop loop = Loop.builder().runQueue(q).errorHandler(errors::add).build();
        TaskHandle<Integer> a = loop.submit(() -> 1);
        TaskHandle<Integer> b = loop.submit(() -> 2);
        loop.runOnce(); // a ran, b is queued
        q.sizeThrows = true;
        List<Throwable> inTask = new ArrayList<>();
        loop.execute(() -> {
            try {
                loop.stats(); // the live stats read the queue's size
            } catch (Throwable e) {
                inTask.add(e);
            }
        });
        assertThatThrownBy(loop::runUntilIdle).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("size()").cause().isSameAs(q.bug);
        assertThat(inTask).isEmpty();
        assertThat(loop.shutdownNow()).isEmpty();
        assertThat(loop.isTerminated()).isTrue();
        assertThat(a.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(b.state()).isIn(TaskState.COMPLETED, TaskState.CANCELLED);
        assertThat(errors).singleElement().isInstanceOf(IllegalStateException.class);
        LoopStats s = loop.stats();
        assertThat(s.isBalanced()).as(s.toString()).isTrue();
        assertThat(s.submitted()).isEqualTo(3);
    }

    @Test
    void aLoopThreadWhoseQueueBreaksTerminatesTheLoopAndEndsWithTheError() throws Exception {
        Faulty q = new Faulty(16);
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        Loop loop = Loop.builder().name("faulty").runQueue(q).errorHandler(errors::add).build();
        List<TaskHandle<Integer>> queued = new ArrayList<>();
        LoopThread thread = LoopThread.start(loop, IdleStrategy.backoff(100, 10), r -> {
            Thread t = new Thread(r, "faulty-loop");
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> { }); // the crash is read from the LoopThread below
            return t;
        });
        TaskHandle<Integer> first = loop.submit(() -> {
            queued.add(loop.submit(() -> 2)); // on the loop's thread: straight into the queue
            queued.add(loop.submit(() -> 3));
            q.pollFailures = 1; // the loop's next poll throws
            return 1;
        });
        assertThat(loop.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(thread.join(Duration.ofSeconds(10))).isTrue();
        assertThat(thread.crash()).isInstanceOf(IllegalStateException.class).hasMessageContaining("faulty")
                .hasMessageContaining("poll()").cause().isSameAs(q.bug);
        assertThat(first.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(queued).extracting(TaskHandle::state).containsExactly(TaskState.CANCELLED, TaskState.CANCELLED);
        assertThat(errors).singleElement().isSameAs(thread.crash());
        LoopStats s = loop.stats();
        assertThat(s.isBalanced()).as(s.toString()).isTrue();
        assertThat(s.cancelled()).isEqualTo(2);
    }

    @Test
    void aCapacityThatThrowsStillLetsAFullQueueRejectTheIncomingTask() {
        Faulty q = new Faulty(1);
        q.capacityThrows = true;
        Loop loop = Loop.builder().runQueue(q).build();
        List<Throwable> atCall = new ArrayList<>();
        loop.execute(() -> {
            loop.execute(() -> { });
            try {
                loop.execute(() -> { });
            } catch (RejectedExecutionException e) {
                atCall.add(e);
            }
        });
        loop.runUntilIdle();
        assertThat(atCall).singleElement().satisfies(e -> {
            assertThat(e).hasMessageContaining("capacity unknown");
            assertThat(e.getSuppressed()).containsExactly(q.bug);
        });
        LoopStats s = loop.stats();
        assertThat(s.completed()).isEqualTo(2);
        assertThat(s.rejected()).isEqualTo(1);
        assertThat(s.isBalanced()).as(s.toString()).isTrue();
    }
}
