package io.github.enzoblain.async.core.queue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built-in run queues against simple reference models over long seeded random sequences of offer and poll:
 * FIFO against an {@link ArrayDeque}, priority classes against one deque per class, bounds against a counter.
 */
class RunQueueModelTest {

    record Job(int id, int priority) implements Runnable, Prioritized {
        @Override
        public void run() {
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 42, 2024, 987654321})
    void boundedFifoBehavesLikeABoundedDeque(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int capacity = 1 + random.nextInt(3000);
        RunQueue queue = RunQueues.boundedFifo(capacity);
        ArrayDeque<Runnable> model = new ArrayDeque<>();
        for (int op = 0; op < 200_000; op++) {
            if (random.nextInt(100) < 55) {
                Job job = new Job(op, 0);
                boolean accepted = queue.offer(job);
                assertThat(accepted).as("seed %d op %d", seed, op).isEqualTo(model.size() < capacity);
                if (accepted) {
                    model.add(job);
                }
            } else {
                Runnable polled = queue.poll();
                assertThat(polled).as("seed %d op %d", seed, op).isSameAs(model.poll());
                if (polled == null) {
                    assertThat(((RingRunQueue) queue).heldSlots()).as("seed %d op %d: held once drained", seed, op)
                            .isZero();
                }
            }
            assertThat(queue.size()).isEqualTo(model.size());
        }
        Runnable polled;
        while ((polled = queue.poll()) != null) {
            assertThat(polled).isSameAs(model.poll());
        }
        assertThat(model).isEmpty();
        assertThat(((RingRunQueue) queue).heldSlots()).as("held once drained").isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 16, 1024})
    void aRingKeepsAtMostItsLengthOfPolledTasksAndNoneOnceDrained(int initial) {
        RingRunQueue queue = new RingRunQueue(initial, Integer.MAX_VALUE);
        SplittableRandom random = new SplittableRandom(initial);
        int live = 0;
        for (int round = 0; round < 2_000; round++) { // busy: never empty, the tail comes round over polled slots
            int offers = 1 + random.nextInt(40);
            for (int i = 0; i < offers; i++) {
                queue.offer(new Job(i, 0));
                live++;
            }
            int polls = random.nextInt(live); // leaves at least one queued
            for (int i = 0; i < polls; i++) {
                assertThat(queue.poll()).isNotNull();
                live--;
            }
            assertThat(queue.heldSlots()).isBetween(live, Math.max(live, queue.capacityOfRing()));
        }
        while (queue.poll() != null) {
            live--;
        }
        assertThat(live).isZero();
        assertThat(queue.heldSlots()).as("a drained ring keeps no task reachable").isZero();
    }

    @ParameterizedTest
    @ValueSource(longs = {7, 99, 31337})
    void priorityQueueRunsLowestClassFirstAndFifoInside(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int classes = 1 + random.nextInt(64);
        RunQueue queue = RunQueues.priority(classes);
        List<ArrayDeque<Runnable>> model = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            model.add(new ArrayDeque<>());
        }
        int size = 0;
        for (int op = 0; op < 200_000; op++) {
            if (random.nextInt(100) < 55) {
                int p = random.nextInt(classes + 2) - 1; // -1: default class; classes: clamped to the last
                Runnable job = p == -1 && random.nextBoolean() ? () -> { } : new Job(op, p);
                assertThat(queue.offer(job)).isTrue();
                int c = !(job instanceof Prioritized) || p < 0 ? classes / 2 : Math.min(p, classes - 1);
                model.get(c).add(job);
                size++;
            } else {
                Runnable expected = null;
                for (ArrayDeque<Runnable> q : model) {
                    if (!q.isEmpty()) {
                        expected = q.poll();
                        size--;
                        break;
                    }
                }
                assertThat(queue.poll()).as("seed %d op %d", seed, op).isSameAs(expected);
                if (size == 0) {
                    assertThat(((PriorityRunQueue) queue).heldSlots()).as("seed %d op %d: held once drained", seed, op)
                            .isZero();
                }
            }
            assertThat(queue.size()).isEqualTo(size);
        }
    }
}
