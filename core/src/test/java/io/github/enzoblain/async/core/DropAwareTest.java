package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.queue.AdmissionPolicy;
import io.github.enzoblain.async.core.queue.RunQueues;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link DropAware}: a task refused after its submission returned is told, once, with the exception its handle
 * carries; a refusal at the call throws there and tells nobody.
 */
class DropAwareTest {

    private final List<Throwable> reported = new ArrayList<>();
    private final List<String> told = new ArrayList<>();

    /** A plain task that records its refusal. */
    private final class Plain implements Runnable, DropAware {
        final String name;
        RejectedExecutionException reason;

        Plain(String name) {
            this.name = name;
        }

        @Override
        public void run() {
        }

        @Override
        public void rejected(RejectedExecutionException why) {
            told.add(name);
            reason = why;
        }
    }

    /** A task with a value, and a handle, that records its refusal. */
    private final class Valued implements Callable<Integer>, DropAware {
        RejectedExecutionException reason;

        @Override
        public Integer call() {
            return 7;
        }

        @Override
        public void rejected(RejectedExecutionException why) {
            told.add("valued");
            reason = why;
        }
    }

    /** A task that records what the loop does with it: run, refused, or cancelled by the loop (its bare name). */
    private final class Pending implements Runnable, DropAware {
        final String name;

        Pending(String name) {
            this.name = name;
        }

        @Override
        public void run() {
            told.add(name + " ran");
        }

        @Override
        public void rejected(RejectedExecutionException reason) {
            told.add(name + " rejected");
        }

        @Override
        public void cancelledByLoop() {
            told.add(name);
        }
    }

    private Loop boundedLoop(AdmissionPolicy policy) {
        return Loop.builder().runQueue(RunQueues.boundedFifo(1)).admission(policy).errorHandler(reported::add).build();
    }

    @Test
    void aTaskRefusedWhenTheDriverTakesItInIsToldWithTheExceptionItsHandleCarries() {
        Loop loop = boundedLoop(AdmissionPolicy.reject());
        loop.submit(() -> 1); // from this thread, not driving: both wait in the inbox
        Valued valued = new Valued();
        TaskHandle<Integer> handle = loop.submit(valued);
        Plain plain = new Plain("plain");
        loop.execute(plain);
        loop.runUntilIdle();
        assertThat(handle.state()).isEqualTo(TaskState.REJECTED);
        assertThat(told).containsExactly("valued", "plain");
        assertThatThrownBy(() -> handle.toCompletionStage().toCompletableFuture().join())
                .isInstanceOf(CompletionException.class).cause().isSameAs(valued.reason);
        assertThat(plain.reason).hasMessageContaining("run queue full");
        assertThat(reported).as("told: nobody else needs telling").isEmpty();
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aTaskEvictedToMakeRoomIsTold() {
        Loop loop = boundedLoop(AdmissionPolicy.dropOldest());
        Plain oldest = new Plain("oldest");
        loop.execute(() -> {
            loop.execute(oldest);
            loop.execute(() -> { }); // takes the oldest one's place
        });
        loop.runUntilIdle();
        assertThat(told).containsExactly("oldest");
        assertThat(reported).isEmpty();
        assertThat(loop.stats().rejected()).isEqualTo(1);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aRefusalAtTheCallThrowsThereAndTellsNobody() {
        Loop loop = boundedLoop(AdmissionPolicy.reject());
        loop.execute(() -> {
            loop.execute(() -> { });
            assertThatThrownBy(() -> loop.execute(new Plain("at-call"))).isInstanceOf(RejectedExecutionException.class);
            assertThatThrownBy(() -> loop.submit(new Valued())).isInstanceOf(RejectedExecutionException.class);
        });
        loop.runUntilIdle();
        loop.close();
        assertThatThrownBy(() -> loop.execute(new Plain("closed"))).isInstanceOf(RejectedExecutionException.class);
        assertThat(told).isEmpty();
        assertThat(reported).isEmpty();
    }

    @Test
    void aThrowingDropAwareTaskIsReportedAndChangesNothingElse() {
        Loop loop = boundedLoop(AdmissionPolicy.reject());
        IllegalStateException boom = new IllegalStateException("boom");
        class Throwing implements Runnable, DropAware {
            @Override
            public void run() {
            }

            @Override
            public void rejected(RejectedExecutionException reason) {
                throw boom;
            }
        }
        loop.execute(() -> { });
        loop.execute(new Throwing());
        loop.runUntilIdle();
        assertThat(reported).containsExactly(boom);
        assertThat(loop.stats().rejected()).isEqualTo(1);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aPlainTaskTrackedForAListenerIsReportedLikeAnUntrackedOneItsCallerHasNoHandle() {
        List<String> heard = new ArrayList<>();
        Loop loop = Loop.builder().runQueue(RunQueues.boundedFifo(1)).errorHandler(reported::add)
                .listener(new LoopListener() { // tracks every plain task: each gets a handle nobody holds
                    @Override
                    public void onReject(TaskHandle<?> task, RejectedExecutionException reason) {
                        heard.add("reject");
                    }
                }).build();
        Runnable second = () -> { };
        loop.execute(() -> { }); // from this thread (not driving): both are taken in later, the second refused
        loop.execute(second);
        loop.runUntilIdle();
        assertThat(heard).containsExactly("reject");
        assertThat(reported).singleElement().isInstanceOf(RejectedExecutionException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains("task dropped", second.toString()));
        Loop evicting = Loop.builder().runQueue(RunQueues.boundedFifo(1)).admission(AdmissionPolicy.dropOldest())
                .errorHandler(reported::add).listener(new LoopListener() { }).build();
        Runnable oldest = () -> { };
        evicting.execute(() -> {
            evicting.execute(oldest);
            evicting.execute(() -> { });
        });
        evicting.runUntilIdle();
        assertThat(reported).hasSize(2).last().satisfies(e -> assertThat(e.getMessage()).contains(oldest.toString()));
        assertThat(loop.stats().isBalanced()).isTrue();
        assertThat(evicting.stats().isBalanced()).isTrue();
    }

    @Test
    void aTaskTheLoopCancelsItselfIsToldAndOneItsCallerCancelsIsNot() {
        Loop closing = Loop.builder().clock(new VirtualClock()).errorHandler(reported::add).build();
        closing.schedule(new Pending("timer"), Duration.ofHours(1));
        closing.executeAfter(new Pending("light"), Duration.ofHours(1));
        closing.scheduleAtFixedRate(new Pending("periodic"), Duration.ofHours(1), Duration.ofHours(1));
        closing.schedule(new Pending("by-caller"), Duration.ofHours(1)).cancel();
        closing.close(); // the default policy cancels pending timers
        assertThat(told).containsExactly("timer", "light", "periodic");
        told.clear();
        Loop stopping = Loop.builder().errorHandler(reported::add).build();
        stopping.submit(new Pending("queued"));
        assertThat(stopping.shutdownNow()).hasSize(1);
        assertThat(told).containsExactly("queued");
        assertThat(reported).isEmpty();
        assertThat(closing.stats().isBalanced()).isTrue();
        assertThat(stopping.stats().isBalanced()).isTrue();
    }

    @Test
    void aPlainTaskThatShutdownNowHandsBackIsToldLikeOneWithAHandle() {
        // with or without a listener (which tracks plain tasks, giving them a handle nobody holds), the same telling
        for (boolean tracked : new boolean[] {false, true}) {
            told.clear();
            Loop.Builder b = Loop.builder().errorHandler(reported::add);
            if (tracked) {
                b.listener(new LoopListener() { });
            }
            Loop loop = b.build();
            Pending queued = new Pending("queued");
            Pending inInbox = new Pending("in the inbox");
            loop.execute(() -> loop.execute(queued));
            loop.runOnce(); // takes the outer task in and runs it: `queued` is in the run queue
            loop.execute(inInbox); // from this thread, not driving: waits in the inbox
            assertThat(loop.shutdownNow()).as("tracked: %s", tracked).containsExactly(queued, inInbox);
            assertThat(told).as("tracked: %s", tracked).containsExactly("queued", "in the inbox");
            assertThat(loop.stats().cancelled()).isEqualTo(2);
            assertThat(loop.stats().isBalanced()).isTrue();
        }
        assertThat(reported).isEmpty();
    }

    @Test
    void aPlainTaskThatIsNotDropAwareStillReachesTheErrorHandler() {
        Loop loop = boundedLoop(AdmissionPolicy.reject());
        loop.execute(() -> { });
        loop.execute(() -> { });
        loop.runUntilIdle();
        assertThat(reported).singleElement().isInstanceOf(RejectedExecutionException.class);
        assertThat(told).isEmpty();
    }
}
