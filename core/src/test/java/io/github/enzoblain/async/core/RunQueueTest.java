package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.queue.AdmissionPolicy;
import io.github.enzoblain.async.core.queue.Prioritized;
import io.github.enzoblain.async.core.queue.RunQueue;
import io.github.enzoblain.async.core.queue.RunQueues;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunQueueTest {

    @Test
    void fifoGrowsAndKeepsOrder() {
        RunQueue q = RunQueues.fifo();
        List<Runnable> tasks = new ArrayList<>();
        for (int round = 0; round < 3; round++) { // wrap around and grow past the initial 1024
            for (int i = 0; i < 5000; i++) {
                Runnable r = () -> { };
                tasks.add(r);
                assertThat(q.offer(r)).isTrue();
            }
            for (int i = 0; i < 4000; i++) {
                assertThat(q.poll()).isSameAs(tasks.remove(0));
            }
        }
        assertThat(q.size()).isEqualTo(tasks.size());
        while (!tasks.isEmpty()) {
            assertThat(q.poll()).isSameAs(tasks.remove(0));
        }
        assertThat(q.poll()).isNull();
        assertThat(q.capacity()).isEqualTo(Integer.MAX_VALUE);
    }

    record Job(String name, int priority, List<String> log) implements Runnable, Prioritized {
        @Override
        public void run() {
            log.add(name);
        }
    }

    @Test
    void priorityClassesRunLowestFirstAndFifoInsideAClass() {
        Loop loop = Loop.builder().runQueue(RunQueues.priority(4)).build();
        List<String> log = new ArrayList<>();
        loop.execute(new Job("low-1", 3, log));
        loop.execute(new Job("urgent-1", 0, log));
        loop.execute(new Job("low-2", 3, log));
        loop.execute(new Job("urgent-2", 0, log));
        loop.execute(() -> log.add("default")); // middle class (2)
        loop.submit(() -> log.add("submit-p1"), 1);
        loop.runUntilIdle();
        assertThat(log).containsExactly("urgent-1", "urgent-2", "submit-p1", "default", "low-1", "low-2");
    }

    @Test
    void boundedQueueRejectsTheIncomingTaskAtTheCall() {
        Loop loop = Loop.builder().runQueue(RunQueues.boundedFifo(2)).build();
        TaskHandle<?>[] handles = new TaskHandle<?>[3];
        RejectedExecutionException[] thrown = new RejectedExecutionException[1];
        loop.execute(() -> {
            handles[0] = loop.submit(() -> 0);
            handles[1] = loop.submit(() -> 1);
            try {
                loop.submit(() -> 2);
            } catch (RejectedExecutionException e) {
                thrown[0] = e;
            }
        });
        loop.runUntilIdle();
        assertThat(thrown[0]).hasMessageContaining("run queue full (capacity 2)");
        assertThat(handles[0].state()).isEqualTo(TaskState.COMPLETED);
        LoopStats s = loop.stats();
        assertThat(s.rejected()).isEqualTo(1);
        assertThat(s.completed()).isEqualTo(3);
        assertThat(s.isBalanced()).isTrue();
    }

    @Test
    void foreignTasksOverCapacityAreRejectedOnTheirHandles() {
        Loop loop = Loop.builder().runQueue(RunQueues.boundedFifo(2)).build();
        List<TaskHandle<Integer>> handles = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int v = i;
            handles.add(loop.submit(() -> v)); // test thread is not the driver: via the inbox
        }
        loop.runOnce(); // takes in all five: two fit, three rejected
        assertThat(handles).extracting(TaskHandle::state).containsExactly(TaskState.COMPLETED, TaskState.PENDING, TaskState.REJECTED, TaskState.REJECTED,
                TaskState.REJECTED);
        assertThatThrownBy(() -> handles.get(4).future().get()).hasCauseInstanceOf(RejectedExecutionException.class);
        loop.runUntilIdle();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void dropOldestRejectsTheOldestQueuedTask() {
        Loop loop = Loop.builder().runQueue(RunQueues.boundedFifo(2)).admission(AdmissionPolicy.dropOldest()).build();
        List<TaskHandle<Integer>> handles = new ArrayList<>();
        loop.execute(() -> {
            for (int i = 0; i < 4; i++) {
                int v = i;
                handles.add(loop.submit(() -> v));
            }
        });
        loop.runUntilIdle();
        assertThat(handles).extracting(TaskHandle::state).containsExactly(
                TaskState.REJECTED, TaskState.REJECTED, TaskState.COMPLETED, TaskState.COMPLETED);
        assertThat(loop.stats().rejected()).isEqualTo(2);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void dropOldestOnAPriorityQueueDropsTheOldestOfTheLeastUrgentClass() {
        Loop loop = Loop.builder().runQueue(RunQueues.boundedPriority(4, 2)).admission(AdmissionPolicy.dropOldest())
                .build();
        List<String> ran = new ArrayList<>();
        List<TaskHandle<Boolean>> handles = new ArrayList<>();
        loop.execute(() -> {
            handles.add(loop.submit(() -> ran.add("low-1"), 3));
            handles.add(loop.submit(() -> ran.add("urgent"), 0));
            handles.add(loop.submit(() -> ran.add("low-2"), 3)); // full: the oldest low one makes room
            handles.add(loop.submit(() -> ran.add("normal"), 1)); // full again: the next low one goes
        });
        loop.runUntilIdle();
        assertThat(handles).extracting(TaskHandle::state).containsExactly(
                TaskState.REJECTED, TaskState.COMPLETED, TaskState.REJECTED, TaskState.COMPLETED);
        assertThat(ran).containsExactly("urgent", "normal");
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aPlainTaskDroppedToMakeRoomIsReportedToTheErrorHandler() {
        List<Throwable> errors = new ArrayList<>();
        Runnable first = () -> { };
        Loop loop = Loop.builder().runQueue(RunQueues.boundedFifo(1)).admission(AdmissionPolicy.dropOldest())
                .errorHandler(errors::add).build();
        loop.execute(() -> {
            loop.execute(first);
            loop.execute(() -> { }); // takes the first one's place: it has no handle, so the error handler hears of it
            assertThat(errors).singleElement().isInstanceOf(RejectedExecutionException.class).satisfies(
                    e -> assertThat(e.getMessage()).contains("task dropped", first.toString(), "run queue full"));
        });
        loop.runUntilIdle();
        assertThat(errors).hasSize(1);
        assertThat(loop.stats().rejected()).isEqualTo(1);
        assertThat(loop.stats().completed()).isEqualTo(2); // the submitting task and the one that took the place
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void dropOldestNeverDropsATaskMoreUrgentThanTheOneItWouldMakeRoomFor() {
        Loop loop = Loop.builder().runQueue(RunQueues.boundedPriority(4, 2)).admission(AdmissionPolicy.dropOldest())
                .build();
        List<String> ran = new ArrayList<>();
        List<TaskHandle<Boolean>> handles = new ArrayList<>();
        handles.add(loop.submit(() -> ran.add("urgent"), 0)); // from this thread (not driving): taken in later
        handles.add(loop.submit(() -> ran.add("normal"), 1));
        handles.add(loop.submit(() -> ran.add("low"), 3)); // less urgent than all queued: it is the one dropped
        loop.runUntilIdle();
        assertThat(handles).extracting(TaskHandle::state)
                .containsExactly(TaskState.COMPLETED, TaskState.COMPLETED, TaskState.REJECTED);
        assertThat(ran).containsExactly("urgent", "normal");
        handles.clear();
        loop.execute(() -> {
            handles.add(loop.submit(() -> ran.add("normal-2"), 1));
            handles.add(loop.submit(() -> ran.add("normal-3"), 1));
            handles.add(loop.submit(() -> ran.add("normal-4"), 1)); // as urgent as the least urgent: the oldest goes
        });
        loop.runUntilIdle();
        assertThat(handles).extracting(TaskHandle::state)
                .containsExactly(TaskState.REJECTED, TaskState.COMPLETED, TaskState.COMPLETED);
        assertThat(ran).endsWith("normal-3", "normal-4");
        assertThat(loop.stats().rejected()).isEqualTo(2);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aRejectionAtIntakeReachesTheHandleOnlyAndAPlainTasksTheErrorHandler() throws Exception {
        // submitted from a thread that is not driving: refused when the driver takes them in, past the call
        List<Throwable> errors = new ArrayList<>();
        Loop loop = Loop.builder().runQueue(RunQueues.boundedFifo(1)).errorHandler(errors::add).build();
        TaskHandle<Integer> a = loop.submit(() -> 1);
        TaskHandle<Integer> b = loop.submit(() -> 2);
        loop.runUntilIdle();
        assertThat(a.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(b.state()).isEqualTo(TaskState.REJECTED);
        assertThat(b.toCompletionStage().toCompletableFuture()).isCompletedExceptionally();
        assertThat(errors).as("the handle carries the rejection: nobody else needs telling").isEmpty();
        Runnable plain = () -> { };
        loop.execute(() -> { });
        loop.execute(plain);
        loop.runUntilIdle();
        assertThat(errors).as("a plain task has no handle: the error handler is the one to hear").singleElement()
                .isInstanceOf(RejectedExecutionException.class);
        assertThat(loop.stats().rejected()).isEqualTo(2);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aCustomPolicyChoosesTheVictim() {
        // keeps the queue's head, rejects the newest queued task in favour of the incoming one if it is a Job
        AdmissionPolicy preferJobs = (incoming, queue) -> incoming instanceof Job ? dropNewest(incoming, queue) : incoming;
        Loop loop = Loop.builder().runQueue(RunQueues.boundedFifo(2)).admission(preferJobs).build();
        List<String> log = new ArrayList<>();
        loop.execute(() -> {
            loop.execute(() -> log.add("a"));
            loop.execute(() -> log.add("b"));
            loop.execute(new Job("job", 0, log));
        });
        loop.runUntilIdle();
        assertThat(log).containsExactly("a", "job");
        assertThat(loop.stats().rejected()).isEqualTo(1);
    }

    @Test
    void aPolicyThatLosesATaskIsReportedNotSilent() {
        // a policy that removes a task and neither offers the incoming one nor returns the removed one breaks its
        // contract: the loop cannot find the lost task without a scan, but the queue's size tells it, and it says so
        List<Throwable> errors = new ArrayList<>();
        AdmissionPolicy losing = (incoming, queue) -> {
            queue.poll(); // removed, never returned, never completed
            return incoming;
        };
        Loop loop = Loop.builder().name("lossy").runQueue(RunQueues.boundedFifo(1)).admission(losing)
                .errorHandler(errors::add).build();
        List<Throwable> atCall = new ArrayList<>();
        loop.execute(() -> {
            loop.execute(() -> { });
            try {
                loop.execute(() -> { }); // the queue is full: the policy drops the first one on the floor
            } catch (RejectedExecutionException e) {
                atCall.add(e); // the incoming task, refused as the policy said
            }
        });
        loop.runUntilIdle();
        assertThat(atCall).hasSize(1);
        assertThat(errors).singleElement().isInstanceOf(IllegalStateException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains("admission policy", "1 task", "0 after"));
        AdmissionPolicy fair = AdmissionPolicy.dropOldest();
        Loop fine = Loop.builder().runQueue(RunQueues.boundedFifo(1)).admission(fair).errorHandler(errors::add).build();
        fine.execute(() -> {
            fine.execute(() -> { });
            fine.execute(() -> { }); // drops the first, queues this one
        });
        fine.runUntilIdle();
        assertThat(errors).as("a policy that keeps the contract is not reported: only the task it dropped is")
                .hasSize(2).last().isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void aPolicyThatThrowsRefusesTheIncomingTaskWithItsErrorAsTheCauseAndTheLoopGoesOn() {
        // a broken policy must not lose the task it was asked about, nor stop the driver: the task is refused
        List<Throwable> errors = new ArrayList<>();
        IllegalStateException bug = new IllegalStateException("policy bug");
        StackOverflowError overflow = new StackOverflowError("policy overflow");
        boolean[] asError = {false};
        AdmissionPolicy broken = (incoming, queue) -> {
            if (asError[0]) {
                throw overflow;
            }
            throw bug;
        };
        Loop loop = Loop.builder().runQueue(RunQueues.boundedFifo(1)).admission(broken).errorHandler(errors::add)
                .build();
        TaskHandle<Integer> a = loop.submit(() -> 1); // from this thread, not driving: taken in by the driver
        TaskHandle<Integer> b = loop.submit(() -> 2); // refused at intake
        Runnable plain = () -> { };
        loop.execute(plain); // refused at intake too: its caller has no handle
        loop.runUntilIdle();
        assertThat(a.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(b.state()).isEqualTo(TaskState.REJECTED);
        assertThatThrownBy(() -> b.toCompletionStage().toCompletableFuture().join()).cause()
                .isInstanceOf(RejectedExecutionException.class).cause().isSameAs(bug);
        assertThat(errors).singleElement().isInstanceOf(RejectedExecutionException.class)
                .satisfies(e -> assertThat(e.getCause().getCause()).isSameAs(bug));
        List<Throwable> atCall = new ArrayList<>();
        loop.execute(() -> {
            loop.execute(() -> { });
            asError[0] = true;
            try {
                loop.submit(() -> 3);
            } catch (RejectedExecutionException e) {
                atCall.add(e);
            }
        });
        loop.runUntilIdle();
        assertThat(atCall).singleElement().satisfies(e -> assertThat(e.getCause()).isSameAs(overflow));
        LoopStats s = loop.stats();
        assertThat(s.rejected()).isEqualTo(3);
        assertThat(s.completed()).isEqualTo(3);
        assertThat(s.isBalanced()).as(s.toString()).isTrue();
    }

    private static Runnable dropNewest(Runnable incoming, RunQueue queue) {
        List<Runnable> kept = new ArrayList<>();
        Runnable r;
        while ((r = queue.poll()) != null) {
            kept.add(r);
        }
        Runnable victim = kept.remove(kept.size() - 1);
        kept.forEach(queue::offer);
        queue.offer(incoming);
        return victim;
    }

    @Test
    void watermarksSignalHighThenLow() {
        List<String> signals = new ArrayList<>();
        Loop loop = Loop.builder().watermarks(4, 1).listener(new LoopListener() {
            @Override
            public void onWatermark(Watermark mark, int depth) {
                signals.add(mark + "@" + depth);
            }
        }).build();
        loop.execute(() -> {
            for (int i = 0; i < 6; i++) {
                loop.execute(() -> { });
            }
            assertThat(loop.isAboveHighWatermark()).isTrue();
        });
        loop.runUntilIdle();
        assertThat(signals).containsExactly("HIGH@4", "LOW@1");
        assertThat(loop.isAboveHighWatermark()).isFalse();
        assertThat(loop.stats().peakQueueDepth()).isEqualTo(6);
    }
}
