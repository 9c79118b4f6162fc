package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.queue.RunQueues;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ListenerTest {

    /**
     * Records every event as "event:n", n the task's rank among the tasks this recorder has seen (0 for the first one
     * it meets, usually at its submission): the order is checkable without depending on how the loop numbers tasks.
     */
    static class Recorder implements LoopListener {
        final List<String> events = new ArrayList<>();
        final Map<Long, Integer> ranks = new HashMap<>();
        final String prefix;

        Recorder(String prefix) {
            this.prefix = prefix;
        }

        private void add(String e) {
            events.add(prefix + e);
        }

        /** @return the rank of {@code t}: see the class comment */
        int rank(TaskHandle<?> t) {
            return ranks.computeIfAbsent(t.id(), id -> ranks.size());
        }

        @Override
        public void onSubmit(TaskHandle<?> t) {
            add("submit:" + rank(t));
        }

        @Override
        public void onStart(TaskHandle<?> t) {
            add("start:" + rank(t));
        }

        @Override
        public void onSuccess(TaskHandle<?> t) {
            add("success:" + rank(t));
        }

        @Override
        public void onFailure(TaskHandle<?> t, Throwable e) {
            add("failure:" + rank(t) + ":" + e.getMessage());
        }

        @Override
        public void onCancel(TaskHandle<?> t) {
            add("cancel:" + rank(t));
        }

        @Override
        public void onReject(TaskHandle<?> t, RejectedExecutionException e) {
            add("reject:" + rank(t));
        }

        @Override
        public void onTimerFired(TaskHandle<?> t) {
            add("timer:" + rank(t));
        }

        @Override
        public void onIdle() {
            add("idle");
        }

        @Override
        public void onWatermark(Watermark mark, int depth) {
            add("watermark:" + mark);
        }
    }

    @Test
    void everyLifecycleEventReachesTheListenersInOrder() {
        Recorder first = new Recorder("");
        Recorder second = new Recorder("");
        VirtualClock clock = new VirtualClock();
        Loop loop = Loop.builder().clock(clock).runQueue(RunQueues.boundedFifo(3)).watermarks(3, 0)
                .listener(first).listener(second).build();
        loop.execute(() -> { });                                                    // 0
        loop.submit(() -> {                                                         // 1
            throw new IllegalStateException("x");
        });
        loop.submit(() -> 2).cancel();                                              // 2
        loop.schedule(() -> { }, Duration.ofSeconds(1));                            // 3
        loop.submit(() -> 4);                                                       // 4 -> queue full (3)
        loop.runUntilIdle();
        clock.advanceBy(Duration.ofSeconds(1));
        assertThat(first.events).containsExactly(
                "submit:0", "submit:1", "submit:2", "cancel:2", "submit:3", "submit:4", "watermark:HIGH",
                "start:0", "success:0", "start:1", "failure:1:x", "watermark:LOW", "start:4", "success:4", "idle",
                "timer:3", "start:3", "success:3", "idle");
        assertThat(second.events).isEqualTo(first.events);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aRejectionIsAnEvent() {
        Recorder r = new Recorder("");
        Loop loop = Loop.builder().runQueue(RunQueues.boundedFifo(1)).listener(r).build();
        loop.submit(() -> 0);
        loop.submit(() -> 1);
        loop.runUntilIdle();
        assertThat(r.events).contains("reject:1");
    }

    @Test
    void aRefusalAtTheCallOfAClosedLoopIsNoEvent() {
        Recorder r = new Recorder("");
        Loop loop = Loop.builder().listener(r).build();
        loop.close();
        List<String> before = new ArrayList<>(r.events);
        assertThatThrownBy(() -> loop.submit(() -> 1)).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> loop.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        assertThat(r.events).isEqualTo(before); // the caller heard of it; the listeners did not
        assertThat(loop.stats().rejected()).isEqualTo(2);
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void aThrowingListenerIsIsolatedCountedAndReported() {
        List<Throwable> reported = new ArrayList<>();
        Recorder after = new Recorder("");
        LoopListener broken = new LoopListener() {
            @Override
            public void onStart(TaskHandle<?> task) {
                throw new IllegalStateException("listener bug");
            }
        };
        Loop loop = Loop.builder().listener(broken).listener(after).errorHandler(reported::add).build();
        TaskHandle<String> h = loop.submit(() -> "fine");
        loop.runUntilIdle();
        assertThat(h.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(after.events).contains("start:" + after.rank(h), "success:" + after.rank(h));
        assertThat(loop.stats().listenerErrors()).isEqualTo(1);
        assertThat(reported).singleElement().extracting(Throwable::getMessage).isEqualTo("listener bug");
        assertThat(loop.stats().isBalanced()).isTrue();
    }

    @Test
    void withListenersPlainTasksGetHandlesSoEveryEventHasATask() {
        Recorder r = new Recorder("");
        Loop loop = Loop.builder().listener(r).build();
        loop.execute(() -> { });
        loop.runUntilIdle();
        assertThat(r.events).containsExactly("submit:0", "start:0", "success:0", "idle");
    }

    @Test
    void untrackedFailuresGoToTheErrorHandler() {
        List<Throwable> reported = new ArrayList<>();
        Loop loop = Loop.builder().errorHandler(reported::add).build();
        loop.execute(() -> {
            throw new IllegalArgumentException("plain");
        });
        loop.execute(() -> { });
        loop.runUntilIdle();
        assertThat(reported).extracting(Throwable::getMessage).containsExactly("plain");
        assertThat(loop.stats().failed()).isEqualTo(1);
        assertThat(loop.stats().completed()).isEqualTo(1);
    }

    @Test
    void aListenerCanAskForASampleOfPlainTasks() {
        Recorder sampled = new Recorder("") {
            @Override
            public int trackingInterval() {
                return 3;
            }
        };
        Loop loop = Loop.builder().listener(sampled).build();
        List<Integer> ran = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            int n = i;
            loop.execute(() -> ran.add(n));
        }
        TaskHandle<String> tracked = loop.submit(() -> "always");
        loop.runUntilIdle();
        assertThat(ran).containsExactly(0, 1, 2, 3, 4, 5, 6);
        assertThat(sampled.events).filteredOn(e -> e.startsWith("submit:")).hasSize(4); // plain 0, 3, 6 + the handle
        assertThat(sampled.events).contains("success:" + sampled.rank(tracked));
        LoopStats s = loop.stats();
        assertThat(s.submitted()).isEqualTo(8);
        assertThat(s.completed()).isEqualTo(8);
        assertThat(s.isBalanced()).isTrue();
    }

    @Test
    void theLoopTracksAsOftenAsItsMostDemandingListenerAsks() {
        Recorder sampled = new Recorder("") {
            @Override
            public int trackingInterval() {
                return 100;
            }
        };
        Recorder everything = new Recorder("");
        Loop loop = Loop.builder().listener(sampled).listener(everything).build();
        for (int i = 0; i < 5; i++) {
            loop.execute(() -> { });
        }
        loop.runUntilIdle();
        assertThat(everything.events).filteredOn(e -> e.startsWith("success:")).hasSize(5);
        assertThat(sampled.events).isEqualTo(everything.events);
    }

    @Test
    void aTrackingIntervalBelowOneIsRefusedAtBuild() {
        LoopListener bad = new LoopListener() {
            @Override
            public int trackingInterval() {
                return 0;
            }
        };
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Loop.builder().listener(bad).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tracking interval");
    }

    @Test
    void whatAListenerSubmitsFromOnSubmitComesAfterTheTaskItHeardOf() {
        VirtualClock clock = new VirtualClock();
        List<String> ran = new ArrayList<>();
        Loop[] loop = new Loop[1];
        loop[0] = Loop.builder().clock(clock).listener(new LoopListener() {
            private int heard;

            @Override
            public void onSubmit(TaskHandle<?> task) {
                heard++;
                if (heard == 1) { // a queued task was accepted: the listener's own task queues behind it
                    loop[0].submit(() -> ran.add("from onSubmit"));
                } else if (heard == 3) { // a timer was armed: the listener's timer, same deadline, fires after it
                    loop[0].schedule(() -> ran.add("timer from onSubmit"), Duration.ofSeconds(1));
                }
            }
        }).build();
        loop[0].submit(() -> ran.add("first"));
        loop[0].runUntilIdle();
        loop[0].schedule(() -> ran.add("timer"), Duration.ofSeconds(1));
        clock.advanceBy(Duration.ofSeconds(1));
        assertThat(ran).containsExactly("first", "from onSubmit", "timer", "timer from onSubmit");
        assertThat(loop[0].stats().isBalanced()).isTrue();
    }
}
