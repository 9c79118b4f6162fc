package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Loop#executeAfter}: the light timer (no handle) keeps every promise a {@code schedule} timer keeps: exact
 * order among all timers, O(1) cancel from any thread, one terminal state counted in the stats, the close policies.
 *
 * <p><b>Concurrency.</b> Virtual time on the test thread; "another thread" is a thread the test starts and joins.
 */
class LightTimerTest {

    private final VirtualClock clock = new VirtualClock();
    private final List<Throwable> reported = new ArrayList<>();
    private final Loop loop = Loop.builder().clock(clock).errorHandler(reported::add).build();
    private final List<String> log = new ArrayList<>();

    private Runnable record(String name) {
        return record(name, clock);
    }

    private Runnable record(String name, VirtualClock on) {
        return () -> log.add(name + "@" + on.nanoTime());
    }

    /** Runs {@code r} as a task, on the loop's thread. */
    private void onTheLoop(Runnable r) {
        loop.execute(r);
        loop.runUntilIdle();
    }

    private static void onAnotherThread(Runnable r) throws InterruptedException {
        Thread t = new Thread(r, "other");
        t.start();
        t.join();
    }

    @Test
    void lightAndHandledTimersFireTogetherInDeadlineThenSubmissionOrder() {
        loop.executeAfter(record("light-200"), 200, TimeUnit.NANOSECONDS);
        loop.schedule(record("handle-100"), 100, TimeUnit.NANOSECONDS);
        loop.schedule(record("handle-200"), 200, TimeUnit.NANOSECONDS);
        loop.executeAfter(record("light-100"), Duration.ofNanos(100));
        loop.executeAfter(record("light-2ms"), Duration.ofMillis(2));
        clock.advanceBy(Duration.ofMillis(5));
        assertThat(log).containsExactly("handle-100@100", "light-100@100", "light-200@200", "handle-200@200",
                "light-2ms@2000000");
        LoopStats s = loop.stats();
        assertThat(s.submitted()).isEqualTo(5);
        assertThat(s.completed()).isEqualTo(5);
        assertThat(s.pendingTimers()).isZero();
        assertThat(s.isBalanced()).isTrue();
    }

    @Test
    void aCancelOnTheLoopThreadUnlinksAtOnce() {
        Cancellable[] c = new Cancellable[1];
        int[] pending = new int[3];
        boolean[] answers = new boolean[4];
        onTheLoop(() -> {
            c[0] = loop.executeAfter(record("never"), Duration.ofSeconds(1));
            pending[0] = loop.pendingTimers();
            answers[0] = c[0].isDone();
            answers[1] = c[0].cancel();
            pending[1] = loop.pendingTimers();
            answers[2] = c[0].cancel();
            answers[3] = c[0].isDone();
        });
        assertThat(pending[0]).isEqualTo(1);
        assertThat(pending[1]).isZero(); // unlinked within the cancel call
        assertThat(answers).containsExactly(false, true, false, true);
        LoopStats s = loop.stats();
        assertThat(s.pendingTimers()).isZero();
        assertThat(s.cancelled()).isEqualTo(1);
        assertThat(s.isBalanced()).isTrue();
        clock.advanceBy(Duration.ofSeconds(2));
        assertThat(log).isEmpty();
    }

    @Test
    void aCancelFromAnotherThreadIsUnlinkedAtTheLoopsNextStep() throws Exception {
        Cancellable c = loop.executeAfter(record("never"), Duration.ofSeconds(1));
        loop.runUntilIdle(); // taken in and armed
        assertThat(loop.stats().pendingTimers()).isEqualTo(1);
        boolean[] cancelled = new boolean[1];
        onAnotherThread(() -> cancelled[0] = c.cancel());
        assertThat(cancelled[0]).isTrue();
        assertThat(c.isDone()).isTrue();
        assertThat(loop.stats().pendingTimers()).isEqualTo(1); // still linked: only the driver touches the wheel
        assertThat(loop.stats().isBalanced()).isTrue();
        loop.runUntilIdle();
        assertThat(loop.stats().pendingTimers()).isZero();
        assertThat(loop.stats().cancelled()).isEqualTo(1);
        clock.advanceBy(Duration.ofSeconds(2));
        assertThat(log).isEmpty();
        assertThat(loop.stats().cancelled()).isEqualTo(1); // counted once
    }

    @Test
    void aTimerCancelledFromAnotherThreadThatFallsDueBeforeItsSignalIsCountedOnce() throws Exception {
        Cancellable c = loop.executeAfter(record("never"), Duration.ofMillis(1));
        loop.runUntilIdle(); // armed
        onAnotherThread(c::cancel);
        clock.advanceBy(Duration.ofMillis(1)); // the step drains the signal first or meets it cancelled when due
        assertThat(log).isEmpty();
        assertThat(loop.stats().cancelled()).isEqualTo(1);
        assertThat(loop.stats().pendingTimers()).isZero();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void timersCancelledFromAnotherThreadWhileTheInboxIsFullLeaveTheWheelAtTheNextDrainNotAtTheirDeadline()
            throws Exception {
        // the cancel's signal cannot go through the full inbox: it waits on a stack of its own, drained with the
        // inbox, so the one-hour timers give up their wheel slots and memory now, not in an hour
        VirtualClock own = new VirtualClock();
        Loop small = Loop.builder().clock(own).inboxCapacity(2).build();
        Cancellable[] c = new Cancellable[1];
        TaskHandle<?>[] h = new TaskHandle<?>[1];
        small.execute(() -> {
            c[0] = small.executeAfter(record("never", own), Duration.ofHours(1));
            h[0] = small.schedule(record("never either", own), Duration.ofHours(1));
        });
        small.runUntilIdle(); // armed on the loop's thread
        assertThat(small.stats().pendingTimers()).isEqualTo(2);
        boolean[] cancelled = new boolean[2];
        onAnotherThread(() -> {
            small.execute(() -> log.add("filler-1"));
            small.execute(() -> log.add("filler-2")); // the inbox is full: the cancels' signals cannot be offered
            cancelled[0] = c[0].cancel();
            cancelled[1] = h[0].cancel();
        });
        assertThat(cancelled).containsExactly(true, true);
        assertThat(small.stats().inbox()).isEqualTo(2);
        small.runUntilIdle(); // no time passes: the drain takes the fillers and the two cancellations in
        assertThat(log).containsExactly("filler-1", "filler-2");
        assertThat(h[0].state()).isEqualTo(TaskState.CANCELLED);
        LoopStats s = small.stats();
        assertThat(s.cancelled()).isEqualTo(2);
        assertThat(s.pendingTimers()).isZero();
        assertThat(s.inbox()).isZero();
        assertThat(s.isBalanced()).as(s.toString()).isTrue();
        assertThat(own.nanoTime()).isZero();
        own.advanceBy(Duration.ofHours(2)); // nothing left to fire or count
        assertThat(log).containsExactly("filler-1", "filler-2");
        assertThat(small.stats().cancelled()).isEqualTo(2);
        assertThat(small.stats().isBalanced()).isTrue();
    }

    @Test
    void timersFromAnotherThreadFireOrAreCancelledBeforeTheLoopTakesThemIn() throws Exception {
        Cancellable[] cs = new Cancellable[2];
        onAnotherThread(() -> {
            cs[0] = loop.executeAfter(record("from-other"), Duration.ofMillis(1));
            cs[1] = loop.executeAfter(record("cancelled-early"), Duration.ofMillis(1));
            assertThat(cs[1].cancel()).isTrue();
        });
        assertThat(loop.stats().inbox()).isEqualTo(2);
        clock.advanceBy(Duration.ofMillis(1));
        assertThat(log).containsExactly("from-other@1000000");
        assertThat(cs[0].isDone()).isTrue();
        assertThat(cs[1].cancel()).isFalse();
        LoopStats s = loop.stats();
        assertThat(s.submitted()).isEqualTo(2);
        assertThat(s.completed()).isEqualTo(1);
        assertThat(s.cancelled()).isEqualTo(1);
        assertThat(s.isBalanced()).isTrue();
    }

    @Test
    void aLightTimerReadsDoneFromTheMomentItFiresUnlikeAHandle() {
        Cancellable[] light = new Cancellable[1];
        TaskHandle<?>[] handle = new TaskHandle<?>[1];
        light[0] = loop.executeAfter(() -> {
            log.add("light: done=" + light[0].isDone() + ", cancel=" + light[0].cancel());
        }, Duration.ofSeconds(1));
        handle[0] = loop.schedule(() -> {
            log.add("handle: done=" + handle[0].isDone() + ", cancel=" + handle[0].cancel());
        }, Duration.ofSeconds(1));
        clock.advanceBy(Duration.ofSeconds(1));
        assertThat(log).containsExactly("light: done=true, cancel=false", "handle: done=false, cancel=false");
        assertThat(light[0].isDone()).isTrue();
        assertThat(handle[0].isDone()).isTrue();
    }

    @Test
    void aThrowingLightTimerFailsAndTheLoopGoesOn() {
        IllegalStateException boom = new IllegalStateException("boom");
        loop.executeAfter(() -> {
            throw boom;
        }, Duration.ofMillis(1));
        loop.executeAfter(record("after"), Duration.ofMillis(1));
        clock.advanceBy(Duration.ofMillis(1));
        assertThat(log).containsExactly("after@1000000");
        assertThat(reported).containsExactly(boom);
        LoopStats s = loop.stats();
        assertThat(s.failed()).isEqualTo(1);
        assertThat(s.completed()).isEqualTo(1);
        assertThat(s.isBalanced()).isTrue();
    }

    @Test
    void delaysSaturateAndNegativeMeansNow() {
        clock.advanceBy(Duration.ofSeconds(1));
        Cancellable max = loop.executeAfter(record("max"), Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        loop.executeAfter(record("huge"), Duration.ofDays(365L * 1_000_000)); // toNanos would overflow
        loop.executeAfter(record("negative"), -5, TimeUnit.SECONDS);
        loop.runUntilIdle();
        assertThat(log).containsExactly("negative@1000000000");
        clock.advanceTo(Long.MAX_VALUE - 1);
        assertThat(log).containsExactly("negative@1000000000");
        assertThat(loop.pendingTimers()).isEqualTo(2);
        assertThat(max.cancel()).isTrue();
        loop.runUntilIdle(); // a cancel off the loop's thread is unlinked at its next step
        assertThat(loop.pendingTimers()).isEqualTo(1);
        assertThat(loop.stats().cancelled()).isEqualTo(1);
    }

    @Test
    void badInputFailsAtTheCall() {
        assertThatThrownBy(() -> loop.executeAfter(null, Duration.ZERO)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("task");
        assertThatThrownBy(() -> loop.executeAfter(() -> { }, (Duration) null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> loop.executeAfter(() -> { }, 1, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("unit");
        assertThat(loop.stats().submitted()).isZero();
    }

    @Test
    void closeCancelsPendingLightTimersAndRejectsNewOnes() {
        Cancellable c = loop.executeAfter(record("pending"), Duration.ofSeconds(1));
        loop.close();
        assertThat(c.isDone()).isTrue();
        assertThat(c.cancel()).isFalse();
        assertThatThrownBy(() -> loop.executeAfter(record("late"), Duration.ZERO))
                .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("closed");
        LoopStats s = loop.stats();
        assertThat(s.cancelled()).isEqualTo(1);
        assertThat(s.rejected()).isEqualTo(1);
        assertThat(s.isBalanced()).isTrue();
        assertThat(log).isEmpty();
    }

    @Test
    void closeRunsLightTimersWhenThePolicySaysSo() {
        VirtualClock own = new VirtualClock();
        Loop runs = Loop.builder().clock(own).closeRunsTimers(true).build();
        runs.executeAfter(record("kept", own), Duration.ofSeconds(1));
        Cancellable gone = runs.executeAfter(record("gone", own), Duration.ofSeconds(2));
        gone.cancel();
        runs.close(); // drives the virtual clock to the remaining deadlines
        assertThat(log).containsExactly("kept@1000000000");
        assertThat(runs.isTerminated()).isTrue();
        assertThat(runs.stats().isBalanced()).isTrue();
    }

    @Test
    void shutdownNowHandsBackTheBodiesOfLightTimersThatNeverRan() {
        Runnable body = record("never");
        loop.executeAfter(body, Duration.ofSeconds(1));
        List<Runnable> never = loop.shutdownNow();
        assertThat(never).containsExactly(body);
        assertThat(loop.stats().cancelled()).isEqualTo(1);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void listenersSeeTrackedLightTimersAsHandles() {
        List<String> events = new ArrayList<>();
        VirtualClock own = new VirtualClock();
        Loop hooked = Loop.builder().clock(own).listener(new LoopListener() {
            @Override
            public void onSubmit(TaskHandle<?> task) {
                events.add("submit " + task.deadline());
            }

            @Override
            public void onTimerFired(TaskHandle<?> task) {
                events.add("fired");
            }

            @Override
            public int trackingInterval() {
                return 2; // the first, the third, ...
            }
        }).build();
        Cancellable first = hooked.executeAfter(record("a", own), Duration.ofNanos(10));
        Cancellable second = hooked.executeAfter(record("b", own), Duration.ofNanos(20));
        assertThat(first).isInstanceOf(TaskHandle.class);
        assertThat(second).isNotInstanceOf(TaskHandle.class);
        own.advanceBy(Duration.ofNanos(30));
        assertThat(log).containsExactly("a@10", "b@20");
        assertThat(events).containsExactly("submit 10", "fired");
        assertThat(hooked.stats().completed()).isEqualTo(2);
    }
}
