package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.queue.RunQueues;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Promise (2): the same calls give the same order. Single-threaded: the test thread submits and drives. */
class DeterminismTest {

    @Test
    void installingAListenerDoesNotChangeTheOrderOnAPriorityQueue() {
        // With a listener, plain execute() tasks become tracked tasks; the run order must not depend on that, and a task
        // submitted without a priority runs in the queue's default class, like an untracked one.
        assertEquals(priorityOrder(false), priorityOrder(true));
        assertEquals(List.of("p0", "p1", "exec", "submit", "callable", "p3"), priorityOrder(false));
    }

    private static List<String> priorityOrder(boolean withListener) {
        Loop.Builder b = Loop.builder().clock(new VirtualClock()).runQueue(RunQueues.priority(4)); // default class 2
        if (withListener) {
            b.listener(new LoopListener() {
            });
        }
        Loop loop = b.build();
        List<String> order = new ArrayList<>();
        loop.execute(() -> order.add("exec"));
        loop.submit(() -> {
            order.add("submit"); // a Runnable
        });
        loop.submit(() -> order.add("callable")); // a Callable<Boolean>
        loop.submit(() -> order.add("p3"), 3);
        loop.submit(() -> order.add("p1"), 1);
        loop.submit(() -> order.add("p0"), 0);
        loop.runUntilIdle();
        loop.close();
        return order;
    }
}
