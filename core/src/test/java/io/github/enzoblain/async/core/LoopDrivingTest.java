package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoopDrivingTest {

    @Test
    void runOnceRunsOneTaskAndSaysWhetherItDid() {
        Loop loop = Loop.create();
        List<Integer> ran = new ArrayList<>();
        loop.execute(() -> ran.add(1));
        loop.execute(() -> ran.add(2));
        assertThat(loop.runOnce()).isTrue();
        assertThat(ran).containsExactly(1);
        assertThat(loop.runOnce()).isTrue();
        assertThat(loop.runOnce()).isFalse();
        assertThat(ran).containsExactly(1, 2);
    }

    @Test
    void runUntilIdleRunsWhatTasksSubmitInSubmissionOrder() {
        Loop loop = Loop.create();
        List<String> order = new ArrayList<>();
        loop.execute(() -> {
            order.add("a");
            loop.execute(() -> order.add("c"));
        });
        loop.execute(() -> order.add("b"));
        assertThat(loop.runUntilIdle()).isEqualTo(3);
        assertThat(order).containsExactly("a", "b", "c");
    }

    @Test
    void localSubmissionTakesInEarlierForeignSubmissionsFirst() throws Exception {
        Loop loop = Loop.create();
        List<String> order = new ArrayList<>();
        CountDownLatch foreignDone = new CountDownLatch(1);
        loop.execute(() -> {
            Thread t = new Thread(() -> {
                loop.execute(() -> order.add("foreign"));
                foreignDone.countDown();
            });
            t.start();
            try {
                foreignDone.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            loop.execute(() -> order.add("local"));
        });
        loop.runUntilIdle();
        assertThat(order).containsExactly("foreign", "local");
    }

    @Test
    void aSecondDriverFailsFast() throws Exception {
        Loop loop = Loop.create();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        Thread driver = new Thread(loop::runUntilIdle, "first-driver");
        driver.start();
        inside.await();
        assertThatThrownBy(loop::runOnce).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("first-driver").hasMessageContaining("one driver at a time");
        assertThatThrownBy(loop::runUntilIdle).isInstanceOf(IllegalStateException.class);
        release.countDown();
        driver.join();
        assertThat(loop.runOnce()).isFalse(); // free again
    }

    @Test
    void aTaskCannotDriveItsOwnLoop() {
        Loop loop = Loop.create();
        TaskHandle<Boolean> h = loop.submit(loop::runOnce);
        loop.runUntilIdle();
        assertThat(h.state()).isEqualTo(TaskState.FAILED);
        assertThat(h.toCompletionStage().toCompletableFuture()).isCompletedExceptionally();
        assertThatThrownBy(() -> h.future().get()).hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void inLoopIsTrueOnlyOnTheDriver() {
        Loop loop = Loop.create();
        assertThat(loop.inLoop()).isFalse();
        TaskHandle<Boolean> h = loop.submit(loop::inLoop);
        loop.runUntilIdle();
        assertThat(h.toCompletionStage().toCompletableFuture().join()).isTrue();
    }

    @Test
    void loopThreadDrivesUntilClosedAndWakesForForeignTasks() throws Exception {
        Loop loop = Loop.builder().name("worker-loop").build();
        AtomicReference<String> threadName = new AtomicReference<>();
        try (LoopThread thread = LoopThread.start(loop, IdleStrategy.parking(), r -> new Thread(r, "explicit-driver"))) {
            TaskHandle<String> h = loop.submit(() -> {
                threadName.set(Thread.currentThread().getName());
                return "ok";
            });
            assertThat(h.future().get(10, TimeUnit.SECONDS)).isEqualTo("ok");
            assertThat(threadName.get()).isEqualTo("explicit-driver");
            TaskHandle<Void> timer = loop.schedule(() -> { }, Duration.ofMillis(5));
            timer.future().get(10, TimeUnit.SECONDS); // the parked driver woke for the timer
            assertThat(timer.state()).isEqualTo(TaskState.COMPLETED);
        }
        assertThat(loop.isTerminated()).isTrue();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void runWithEachIdleStrategyReturnsWhenClosed() throws Exception {
        for (IdleStrategy idle : List.of(IdleStrategy.busySpin(), IdleStrategy.backoff(10, 10), IdleStrategy.parking())) {
            Loop loop = Loop.create();
            CountDownLatch ran = new CountDownLatch(1);
            Thread t = new Thread(() -> loop.run(idle));
            t.start();
            loop.execute(ran::countDown);
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
            loop.close();
            t.join(10_000);
            assertThat(t.isAlive()).isFalse();
            assertThat(loop.isTerminated()).isTrue();
        }
    }

    @Test
    void loopIsAnExecutor() {
        Loop loop = Loop.create();
        java.util.concurrent.Executor executor = loop;
        List<String> seen = new ArrayList<>();
        java.util.concurrent.CompletableFuture<String> f =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> "x", executor);
        f.thenAcceptAsync(seen::add, executor);
        loop.runUntilIdle();
        assertThat(seen).containsExactly("x");
    }
}
