package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class SpawnTest {

    @Test
    void aSpawnedTaskCompletesWhenItsStageCompletesAndHopsBackOntoTheLoop() throws Exception {
        Loop loop = Loop.create();
        CompletableFuture<String> remote = new CompletableFuture<>();
        TaskHandle<String> h = loop.spawn(() -> remote);
        Thread[] continuation = new Thread[1];
        h.toCompletionStage().thenAccept(v -> continuation[0] = Thread.currentThread());
        loop.runUntilIdle();
        assertThat(h.state()).isEqualTo(TaskState.RUNNING);
        assertThat(loop.stats().running()).isEqualTo(1);
        Thread completer = new Thread(() -> remote.complete("value"), "completer");
        completer.start();
        completer.join();
        assertThat(h.state()).isEqualTo(TaskState.RUNNING); // not until the loop takes the completion in
        loop.runUntilIdle();
        assertThat(h.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(h.future().get(1, TimeUnit.SECONDS)).isEqualTo("value");
        assertThat(continuation[0]).isSameAs(Thread.currentThread());
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void shutdownNowHandsBackEachKindOfTaskAsARunnableThatRunsIt() throws Exception {
        // each handed-back task runs the user's own work the way it was submitted: a Runnable is run, a Callable called
        // (its value dropped), a spawn's supplier asked for its stage
        Loop loop = Loop.create();
        java.util.List<String> ran = new java.util.ArrayList<>();
        TaskHandle<Void> runnable = loop.submit(() -> {
            ran.add("runnable");
        });
        TaskHandle<String> callable = loop.submit(() -> {
            ran.add("callable");
            return "value";
        });
        TaskHandle<String> spawned = loop.spawn(() -> {
            ran.add("spawned");
            return CompletableFuture.completedFuture("stage");
        });
        java.util.List<Runnable> never = loop.shutdownNow();
        assertThat(never).hasSize(3);
        assertThat(ran).isEmpty();
        never.forEach(Runnable::run);
        assertThat(ran).containsExactly("runnable", "callable", "spawned");
        assertThat(runnable.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(callable.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(spawned.state()).isEqualTo(TaskState.CANCELLED);
    }

    @Test
    void anAlreadyCompletedStageStillCompletesOnTheLoop() {
        Loop loop = Loop.create();
        TaskHandle<Integer> h = loop.spawn(() -> CompletableFuture.completedFuture(7));
        loop.runUntilIdle();
        assertThat(h.toCompletionStage().toCompletableFuture().join()).isEqualTo(7);
    }

    @Test
    void aFailedStageOrSupplierFailsTheTask() {
        Loop loop = Loop.create();
        TaskHandle<Object> stageFailed = loop.spawn(() -> CompletableFuture.failedFuture(new IllegalStateException("s")));
        TaskHandle<Object> supplierThrew = loop.spawn(() -> {
            throw new IllegalArgumentException("t");
        });
        TaskHandle<Object> nullStage = loop.spawn(() -> null);
        loop.runUntilIdle();
        assertThat(stageFailed.state()).isEqualTo(TaskState.FAILED);
        assertThatThrownBy(() -> stageFailed.future().get()).hasRootCauseMessage("s");
        assertThat(supplierThrew.state()).isEqualTo(TaskState.FAILED);
        assertThat(nullStage.state()).isEqualTo(TaskState.FAILED);
        assertThat(loop.stats().failed()).isEqualTo(3);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    /** A listener that completes {@code stage} when the loop goes idle: on the driver thread, outside any task. */
    private static LoopListener completingOnIdle(CompletableFuture<String> stage) {
        return new LoopListener() {
            @Override
            public void onIdle() {
                stage.complete("late");
            }
        };
    }

    @Test
    void aStageCompletedOnTheDriverOutsideATaskDoesNotLetAParkedDriverSleepOnIt() throws Exception {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Loop loop = Loop.builder().listener(completingOnIdle(stage)).build();
        try (LoopThread thread = LoopThread.start(loop, IdleStrategy.parking(), r -> {
            Thread t = new Thread(r, "parking-driver");
            t.setDaemon(true);
            return t;
        })) {
            TaskHandle<String> h = loop.spawn(() -> stage);
            assertThat(h.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo("late");
        }
    }

    @Test
    void closeFinishesASpawnedTaskWhoseStageCompletesOnTheDriverOutsideATask() throws Exception {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Loop loop = Loop.builder().listener(completingOnIdle(stage)).build();
        TaskHandle<String> h = loop.spawn(() -> stage);
        Thread closer = new Thread(loop::close, "closer");
        closer.setDaemon(true); // were close() to hang, the test fails instead of keeping the JVM alive
        closer.start();
        closer.join(10_000);
        assertThat(closer.isAlive()).as("close() returned").isFalse();
        assertThat(h.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void shutdownNowFromASpawnsSupplierLetsThatTaskFinishBeforeTheLoopTerminates() {
        Loop loop = Loop.create();
        CompletableFuture<String> stage = new CompletableFuture<>();
        TaskHandle<String> h = loop.spawn(() -> {
            loop.shutdownNow(); // from inside the task: the loop stops after it, and it ends when its stage does
            return stage;
        });
        loop.runUntilIdle();
        assertThat(loop.isTerminated()).as("not while its own task is still running").isFalse();
        assertThat(h.state()).isEqualTo(TaskState.RUNNING);
        stage.complete("done");
        loop.runUntilIdle();
        assertThat(h.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.stats().isBalanced()).isTrue();
        assertThat(loop.stats().running()).isZero();
    }
    @Test
    void aStageCompletingWhileTheInboxIsFullNeitherWaitsForTheDriverNorIsLost() {
        // the completing thread is not the loop's: it hands the completion over without waiting for room in the inbox
        // (it used to spin until a driver made room, for ever if none came)
        Loop loop = Loop.builder().inboxCapacity(2).build();
        CompletableFuture<Integer> stage = new CompletableFuture<>();
        TaskHandle<Integer> spawned = loop.spawn(() -> stage);
        loop.runUntilIdle(); // the supplier ran: the task awaits its stage
        List<String> ran = new ArrayList<>();
        loop.execute(() -> ran.add("first")); // from this thread, not driving: into the inbox, which is full after two
        loop.execute(() -> ran.add("second"));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> stage.complete(42));
        assertThat(spawned.state()).isEqualTo(TaskState.RUNNING);
        loop.runUntilIdle();
        assertThat(spawned.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(spawned.toCompletionStage().toCompletableFuture().getNow(null)).isEqualTo(42);
        assertThat(ran).containsExactly("first", "second");
        assertThat(loop.stats().isBalanced()).isTrue();
    }
}

