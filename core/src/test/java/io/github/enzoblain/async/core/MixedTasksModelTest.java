package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.queue.AdmissionPolicy;
import io.github.enzoblain.async.core.queue.RunQueues;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Plain tasks ({@code execute}) and tracked ones ({@code submit}, a handle each) queued together, against a plain model
 * (a deque): the run order, every handle's end and the stats, over seeded random rounds of submissions from another
 * thread, cancellations, and tasks that submit more from inside the loop; unbounded, and bounded with either admission
 * policy. The loop's batches tell the two kinds apart only while tracked entries may be queued, so this holds the batch
 * to the same order and fates as one task per step.
 */
class MixedTasksModelTest {

    /** One task of the model: its id, its kind, whether it was cancelled while queued. */
    static final class Item {
        final int id;
        final boolean tracked;
        boolean cancelled;

        Item(int id, boolean tracked) {
            this.id = id;
            this.tracked = tracked;
        }
    }

    /** The reference: a FIFO deque with the queue's bound; cancelled entries keep their place until polled. */
    static final class Model {
        final ArrayDeque<Item> queue = new ArrayDeque<>();
        final int capacity;
        final boolean dropOldest;
        final List<Integer> ran = new ArrayList<>();
        final Map<Integer, TaskState> end = new HashMap<>();
        int nextId;
        long rejected;
        long cancelled;
        long cancelledBeforeTakeIn;

        Model(int capacity, boolean dropOldest) {
            this.capacity = capacity;
            this.dropOldest = dropOldest;
        }

        void accept(Item item) {
            if (capacity > 0 && queue.size() == capacity) {
                if (!dropOldest) {
                    end(item, TaskState.REJECTED);
                    return;
                }
                Item victim = queue.poll();
                end(victim, victim.cancelled ? TaskState.CANCELLED : TaskState.REJECTED);
            }
            queue.add(item);
        }

        void runAll() {
            Item item;
            while ((item = queue.poll()) != null) {
                if (item.cancelled) {
                    end(item, TaskState.CANCELLED);
                    continue;
                }
                ran.add(item.id);
                end(item, TaskState.COMPLETED);
                if (cancelsAhead(item.id)) {
                    for (Item queued : queue) {
                        if (queued.id == item.id + CANCEL_AHEAD && queued.tracked) {
                            queued.cancelled = true;
                        }
                    }
                }
                for (int k = 0; k < children(item.id); k++) {
                    accept(new Item(nextId++, childTracked(item.id, k)));
                }
            }
        }

        void end(Item item, TaskState state) {
            end.put(item.id, state);
            if (state == TaskState.REJECTED) {
                rejected++;
            } else if (state == TaskState.CANCELLED) {
                cancelled++;
            }
        }
    }

    /** How many tasks task {@code id} submits when it runs: a fixed function of the id, the same for loop and model. */
    static int children(int id) {
        long h = (id + 1) * 0x9E3779B97F4A7C15L;
        return (int) ((h >>> 40) % 5) == 0 ? 1 + (int) ((h >>> 20) & 1) : 0;
    }

    static boolean childTracked(int id, int k) {
        return (((id * 31L + k) * 0xBF58476D1CE4E5B9L) >>> 61) < 3; // about 3 in 8
    }

    /** Task {@code id} cancels task {@code id + CANCEL_AHEAD} when it runs if {@code id} is a multiple of 11. */
    static final int CANCEL_AHEAD = 5;

    static boolean cancelsAhead(int id) {
        return id % 11 == 0;
    }

    @ParameterizedTest(name = "seed {0}, capacity {1}, dropOldest {2}")
    @CsvSource({"1, 0, false", "2, 0, false", "3, 64, false", "4, 64, true", "5, 7, true", "6, 150, true",
            "7, 150, false", "8, 1, true"})
    void runOrderHandlesAndStatsMatchTheModel(long seed, int capacity, boolean dropOldest) {
        SplittableRandom random = new SplittableRandom(seed);
        Loop.Builder builder = Loop.builder().name("mixed-" + seed).errorHandler(e -> { });
        if (capacity > 0) {
            builder.runQueue(RunQueues.boundedFifo(capacity))
                    .admission(dropOldest ? AdmissionPolicy.dropOldest() : AdmissionPolicy.reject());
        }
        Loop loop = builder.build();
        Model model = new Model(capacity, dropOldest);
        Script script = new Script(loop);

        for (int round = 0; round < 60; round++) {
            // from this thread, which is not driving: through the inbox, taken in, in order, at the next step
            int count = random.nextInt(200);
            List<Item> submitted = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int id = model.nextId++;
                boolean tracked = random.nextInt(100) < 30 + round % 3 * 30;
                script.submit(id, tracked);
                submitted.add(new Item(id, tracked));
            }
            // some tracked ones cancelled before the loop takes them in: they never take a place in the queue
            for (Item item : submitted) {
                if (item.tracked && random.nextInt(100) < 10) {
                    assertThat(script.handles.get(item.id).cancel()).isTrue();
                    model.end(item, TaskState.CANCELLED);
                    model.cancelledBeforeTakeIn++;
                } else {
                    model.accept(item);
                }
            }
            script.nextId = model.nextId;
            model.runAll();
            loop.runUntilIdle();
            assertThat(script.ran).as("seed %d round %d: run order", seed, round).isEqualTo(model.ran);
            assertThat(loop.stats().isBalanced()).as("balanced: %s", loop.stats()).isTrue();
        }

        for (Map.Entry<Integer, TaskHandle<Void>> e : script.handles.entrySet()) {
            assertThat(e.getValue().state()).as("seed %d task %d", seed, e.getKey())
                    .isEqualTo(model.end.get(e.getKey()));
        }
        LoopStats stats = loop.stats();
        assertThat(stats.submitted()).isEqualTo(model.nextId);
        assertThat(stats.completed()).isEqualTo(model.ran.size());
        assertThat(stats.rejected()).isEqualTo(model.rejected);
        assertThat(stats.cancelled()).isEqualTo(model.cancelled);
        assertThat(stats.queued() + stats.running() + stats.failed()).isZero();
        assertThat(model.ran.size()).as("the script ran tasks").isGreaterThan(capacity == 0 ? 5_000 : 60);
        if (capacity == 0 || capacity > CANCEL_AHEAD) { // room for a task to wait behind the one that cancels it
            assertThat(model.cancelled).as("queued tasks were cancelled").isGreaterThan(model.cancelledBeforeTakeIn);
        }
        if (capacity > 0) {
            assertThat(model.rejected).as("the bound was reached").isPositive();
        }
    }

    /** The loop's side: tasks that record their run, cancel ahead and submit their children, as the model does. */
    static final class Script {
        final Loop loop;
        final List<Integer> ran = new ArrayList<>();
        final Map<Integer, TaskHandle<Void>> handles = new HashMap<>();
        int nextId; // children's ids, handed out in run order

        Script(Loop loop) {
            this.loop = loop;
        }

        void submit(int id, boolean tracked) {
            Runnable body = () -> run(id);
            if (tracked) {
                handles.put(id, loop.submit(body));
            } else {
                loop.execute(body);
            }
        }

        private void run(int id) {
            ran.add(id);
            if (cancelsAhead(id)) {
                TaskHandle<Void> target = handles.get(id + CANCEL_AHEAD);
                if (target != null) {
                    target.cancel(); // on the driver: a queued task is skipped when polled
                }
            }
            for (int k = 0; k < children(id); k++) {
                try {
                    submit(nextId++, childTracked(id, k));
                } catch (RejectedExecutionException e) {
                    // the reject policy, on the driver: thrown at the call (the model counts it rejected)
                }
            }
        }
    }
}
