package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TaskHandleTest {

    @Test
    void idsIncreaseInSubmissionOrderAndStatesProgress() throws Exception {
        VirtualClock clock = new VirtualClock(1_000);
        Loop loop = Loop.builder().clock(clock).build();
        TaskHandle<String> a = loop.submit(() -> "a");
        TaskHandle<String> b = loop.submit(() -> "b");
        assertThat(b.id()).isGreaterThan(a.id());
        assertThat(a.state()).isEqualTo(TaskState.PENDING);
        assertThat(a.isDone()).isFalse();
        assertThat(a.submittedAt()).isEqualTo(1_000);
        assertThat(a.startedAt()).isEqualTo(-1);
        assertThat(a.deadline()).isEqualTo(-1);
        loop.runUntilIdle();
        assertThat(a.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(a.startedAt()).isEqualTo(1_000);
        assertThat(a.future().get()).isEqualTo("a");
        assertThat(a.task()).isInstanceOf(java.util.concurrent.Callable.class);
    }

    @Test
    void aTaskThatFailsWithACancellationExceptionReadsFailedOnItsFutureToo() {
        // a spawned task whose stage was cancelled, a callable that throws one: the task failed (its state, the stats,
        // onFailure say so), it was not cancelled; its future must not say otherwise
        Loop loop = Loop.create();
        CompletableFuture<String> stage = new CompletableFuture<>();
        TaskHandle<String> spawned = loop.spawn(() -> stage);
        CancellationException thrown = new CancellationException("thrown by the task");
        TaskHandle<String> callable = loop.submit(() -> {
            throw thrown;
        });
        loop.runUntilIdle();
        stage.cancel(false);
        loop.runUntilIdle();
        for (TaskHandle<String> h : java.util.List.of(spawned, callable)) {
            assertThat(h.state()).isEqualTo(TaskState.FAILED);
            assertThat(h.future().isCancelled()).as("%s", h).isFalse();
            assertThat(h.future().isDone()).isTrue();
            assertThatThrownBy(() -> h.future().get()).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(CancellationException.class);
            assertThat(h.toCompletionStage().toCompletableFuture()).isCompletedExceptionally();
        }
        assertThatThrownBy(() -> callable.future().get()).cause().isSameAs(thrown);
        assertThat(loop.stats().failed()).isEqualTo(2);
        assertThat(loop.stats().cancelled()).isZero();
    }

    @Test
    void cancellingAQueuedTaskSkipsIt() {
        Loop loop = Loop.create();
        AtomicInteger ran = new AtomicInteger();
        TaskHandle<Integer> h = loop.submit(ran::incrementAndGet);
        loop.submit(ran::incrementAndGet);
        assertThat(h.cancel()).isTrue();
        assertThat(h.cancel()).isFalse();
        assertThat(h.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(loop.runUntilIdle()).isEqualTo(1);
        assertThat(ran).hasValue(1);
        assertThatThrownBy(() -> h.future().get()).isInstanceOf(CancellationException.class);
        LoopStats s = loop.stats();
        assertThat(s.cancelled()).isEqualTo(1);
        assertThat(s.isBalanced()).isTrue();
    }

    @Test
    void cancellingAPendingTimerOnTheLoopUnlinksItAtOnce() {
        VirtualClock clock = new VirtualClock();
        Loop loop = Loop.builder().clock(clock).build();
        TaskHandle<Void> timer = loop.schedule(() -> { }, Duration.ofHours(1));
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).isEqualTo(1);
        TaskHandle<Boolean> canceller = loop.submit(timer::cancel);
        loop.runUntilIdle();
        assertThat(canceller.toCompletionStage().toCompletableFuture().join()).isTrue();
        assertThat(loop.pendingTimers()).isZero();
        assertThat(loop.stats().cancelled()).isEqualTo(1);
    }

    @Test
    void cancellingAPendingTimerFromAnotherThreadUnlinksItAtTheNextStep() throws Exception {
        VirtualClock clock = new VirtualClock();
        Loop loop = Loop.builder().clock(clock).build();
        TaskHandle<Void> timer = loop.schedule(() -> { }, Duration.ofHours(1));
        loop.runUntilIdle();
        Thread t = new Thread(timer::cancel);
        t.start();
        t.join();
        assertThat(timer.state()).isEqualTo(TaskState.CANCELLED);
        loop.runUntilIdle();
        assertThat(loop.pendingTimers()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aRunningTaskCannotBeCancelled() {
        Loop loop = Loop.create();
        TaskHandle<?>[] self = new TaskHandle<?>[1];
        TaskHandle<Boolean> h = loop.submit(() -> self[0].cancel());
        self[0] = h;
        loop.runUntilIdle();
        assertThat(h.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(h.toCompletionStage().toCompletableFuture().join()).isFalse();
    }

    @Test
    void aFailingTaskIsFailedWithItsError() {
        Loop loop = Loop.create();
        TaskHandle<Object> h = loop.submit(() -> {
            throw new IllegalStateException("boom");
        });
        TaskHandle<Object> err = loop.submit(() -> {
            throw new StackOverflowError("deep");
        });
        loop.runUntilIdle();
        assertThat(h.state()).isEqualTo(TaskState.FAILED);
        assertThatThrownBy(() -> h.future().get()).isInstanceOf(ExecutionException.class).hasRootCauseMessage("boom");
        assertThat(err.state()).isEqualTo(TaskState.FAILED);
        assertThat(loop.stats().failed()).isEqualTo(2);
    }

    @Test
    void theFutureCannotBeForgedAndCancelCancelsTheTask() {
        Loop loop = Loop.create();
        TaskHandle<String> h = loop.submit(() -> "real");
        CompletableFuture<String> f = h.toCompletionStage().toCompletableFuture();
        assertThatThrownBy(() -> f.complete("fake")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> f.completeExceptionally(new RuntimeException()))
                .isInstanceOf(UnsupportedOperationException.class);
        // the JDK's own completing methods go around complete(): each must refuse at the call too, not forge a value
        // (completeAsync) or fail unseen on the JDK's delayer thread and never time out (orTimeout, completeOnTimeout)
        assertThatThrownBy(() -> f.completeAsync(() -> "fake", Runnable::run))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> f.completeAsync(() -> "fake")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> f.orTimeout(1, TimeUnit.MILLISECONDS))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> f.completeOnTimeout("fake", 1, TimeUnit.MILLISECONDS))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(f.copy().orTimeout(1, TimeUnit.MILLISECONDS)).failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(TimeoutException.class);
        assertThat(f).isNotDone();
        assertThat(h.future().cancel(true)).isTrue();
        assertThat(h.state()).isEqualTo(TaskState.CANCELLED);
        loop.runUntilIdle();
        assertThat(loop.stats().cancelled()).isEqualTo(1);
    }

    @Test
    void blockingOnATaskFromItsOwnDriverFailsFast() {
        Loop loop = Loop.create();
        TaskHandle<String> later = loop.schedule(() -> "x", Duration.ofHours(1));
        TaskHandle<Object> waiter = loop.submit(() -> later.future().get());
        loop.runUntilIdle();
        assertThat(waiter.state()).isEqualTo(TaskState.FAILED);
        assertThatThrownBy(() -> waiter.future().get()).hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("would wait forever");
    }

    @Test
    void theStageCompletesOnTheLoopThread() {
        Loop loop = Loop.create();
        Thread[] seen = new Thread[1];
        loop.submit(() -> 1).toCompletionStage().thenAccept(v -> seen[0] = Thread.currentThread());
        loop.runUntilIdle();
        assertThat(seen[0]).isSameAs(Thread.currentThread());
    }
}
