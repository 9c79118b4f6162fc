package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.queue.AdmissionPolicy;
import io.github.enzoblain.async.core.queue.RunQueues;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The promise under an ending from another thread: while producer threads submit every kind of task and cancel some,
 * another thread calls {@code close()}, {@code shutdownNow()}, or both at once, with the loop driven either by a
 * {@link LoopThread} or by a test thread calling {@code runOnce()}/{@code runUntilIdle()} (which keeps driving after
 * the loop terminated, while producers still race it). Bounded queues with each admission policy, and a listener that
 * throws a {@code RuntimeException} or an {@code Error} from every third callback. Afterwards: the loop terminated and
 * its stats balance and match what the producers saw; every task ended exactly once (ran, was cancelled by its caller,
 * refused, or cancelled by the loop), a {@link DropAware} task was told at most once and only when dropped after its
 * call returned, what {@code shutdownNow()} returned adds up with the rest, and nothing it returned ever ran.
 *
 * <p><b>Concurrency.</b> Bodies count into atomics; each producer's records are read after it was joined; the listener's
 * counters after the loop terminated (its driver's last write happens-before the termination the test waits for).
 * Coordination is by latches; every loop (rounds, operations) is bounded by counts, never by time.
 */
class ShutdownRaceTest {

    private static final int ROUNDS = 8;
    private static final int PRODUCERS = 3;
    private static final int OPS = 400;
    private static final int INBOX = 64;
    private static final int BOUNDED = 16;

    enum Driver { LOOP_THREAD, TEST_THREAD }

    enum Ending { CLOSE, SHUTDOWN_NOW, SHUTDOWN_NOW_TWICE_AND_CLOSE }

    enum Queue { FIFO, BOUNDED_REJECT, BOUNDED_DROP_OLDEST, PRIORITY_DROP_OLDEST, BOUNDED_CUSTOM }

    enum Variant {
        LOOP_THREAD_CLOSE(Driver.LOOP_THREAD, Ending.CLOSE, Queue.FIFO, true),
        LOOP_THREAD_SHUTDOWN_NOW(Driver.LOOP_THREAD, Ending.SHUTDOWN_NOW, Queue.BOUNDED_DROP_OLDEST, true),
        LOOP_THREAD_ALL_AT_ONCE(Driver.LOOP_THREAD, Ending.SHUTDOWN_NOW_TWICE_AND_CLOSE, Queue.PRIORITY_DROP_OLDEST,
                false),
        TEST_THREAD_CLOSE(Driver.TEST_THREAD, Ending.CLOSE, Queue.BOUNDED_REJECT, true),
        TEST_THREAD_SHUTDOWN_NOW(Driver.TEST_THREAD, Ending.SHUTDOWN_NOW, Queue.BOUNDED_CUSTOM, false),
        TEST_THREAD_ALL_AT_ONCE(Driver.TEST_THREAD, Ending.SHUTDOWN_NOW_TWICE_AND_CLOSE, Queue.PRIORITY_DROP_OLDEST,
                true);

        final Driver driver;
        final Ending ending;
        final Queue queue;
        final boolean listener;

        Variant(Driver driver, Ending ending, Queue queue, boolean listener) {
            this.driver = driver;
            this.ending = ending;
            this.queue = queue;
            this.listener = listener;
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void everyTaskEndsOnceAndWhatShutdownNowReturnsAddsUp(Variant variant) {
        long[] heard = new long[ThrowingListener.EVENTS];
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int round = 0; round < ROUNDS; round++) {
                Round r = new Round(variant, round,
                        new SplittableRandom(0x5D0A11L * 31 + variant.ordinal() * 1_000 + round));
                r.run();
                if (r.listener != null) {
                    for (int e = 0; e < heard.length; e++) {
                        heard[e] += r.listener.heard[e];
                    }
                }
            }
        });
        if (variant.listener) { // every callback was reached, and so threw some of the time
            if (variant.queue == Queue.FIFO) {
                heard[5]++; // an unbounded queue rejects nothing
            }
            assertThat(heard).as("submit, start, success, failure, cancel, reject, timer, idle, watermark")
                    .doesNotContain(0L);
        }
    }

    /** Marks the thread that runs what {@code shutdownNow()} returned: a body run there is handed back, not run. */
    private static final ThreadLocal<Boolean> HANDING_BACK = ThreadLocal.withInitial(() -> false);

    /** A submitted task's body: counts its runs and what it was told. */
    static final class Body implements Runnable, Callable<Object>, DropAware, Supplier<CompletionStage<String>> {
        final boolean fail;
        final AtomicInteger runs = new AtomicInteger();
        final AtomicInteger rejected = new AtomicInteger();
        final AtomicInteger cancelled = new AtomicInteger();
        final AtomicInteger handedBack = new AtomicInteger();
        final AtomicInteger ranAfterHandedBack = new AtomicInteger();
        final Supplier<CompletionStage<String>> stage; // for spawn

        Body(boolean fail, Supplier<CompletionStage<String>> stage) {
            this.fail = fail;
            this.stage = stage;
        }

        private boolean handingBack() {
            if (HANDING_BACK.get()) {
                handedBack.incrementAndGet();
                return true;
            }
            if (handedBack.get() > 0) {
                ranAfterHandedBack.incrementAndGet();
            }
            runs.incrementAndGet();
            return false;
        }

        @Override
        public void run() {
            if (!handingBack() && fail) {
                throw new IllegalStateException("body failure");
            }
        }

        @Override
        public Object call() {
            run();
            return "value";
        }

        @Override
        public CompletionStage<String> get() {
            return handingBack() ? null : stage.get();
        }

        @Override
        public void rejected(RejectedExecutionException reason) {
            rejected.incrementAndGet();
        }

        @Override
        public void cancelledByLoop() {
            cancelled.incrementAndGet();
        }
    }

    enum Kind { EXECUTE, SUBMIT, PRIORITY, SCHEDULE, LIGHT, PERIODIC, SPAWN }

    /** One submission as its producer saw it. */
    static final class Record {
        final Kind kind;
        final Body body;
        boolean rejectedAtCall;
        Cancellable handle; // a TaskHandle, a light timer, or null (execute)
        boolean cancelledByCaller; // a cancel() that returned true

        Record(Kind kind, Body body) {
            this.kind = kind;
            this.body = body;
        }
    }

    /** Throws from every third callback, a RuntimeException or an Error in turn. Driver-only counters. */
    static final class ThrowingListener implements LoopListener {
        static final int EVENTS = 9;
        final long[] heard = new long[EVENTS];
        long calls;
        long thrown;

        private void call(int event) {
            heard[event]++;
            if (++calls % 3 == 0) {
                thrown++;
                if (thrown % 2 == 0) {
                    throw new IllegalStateException("listener failure " + calls);
                }
                throw new Error("listener error " + calls);
            }
        }

        @Override
        public void onSubmit(TaskHandle<?> task) {
            call(0);
        }

        @Override
        public void onStart(TaskHandle<?> task) {
            call(1);
        }

        @Override
        public void onSuccess(TaskHandle<?> task) {
            call(2);
        }

        @Override
        public void onFailure(TaskHandle<?> task, Throwable error) {
            call(3);
        }

        @Override
        public void onCancel(TaskHandle<?> task) {
            call(4);
        }

        @Override
        public void onReject(TaskHandle<?> task, RejectedExecutionException reason) {
            call(5);
        }

        @Override
        public void onTimerFired(TaskHandle<?> task) {
            call(6);
        }

        @Override
        public void onIdle() {
            call(7);
        }

        @Override
        public void onWatermark(Watermark mark, int queueDepth) {
            call(8);
        }

        @Override
        public int trackingInterval() {
            return 3; // plain tasks tracked and not
        }
    }

    /** One loop, its producers, its ending. */
    static final class Round {
        final Variant variant;
        final int round;
        final SplittableRandom random;
        final Loop loop;
        final ThrowingListener listener;
        final AtomicLong reported = new AtomicLong();
        final CountDownLatch halfway = new CountDownLatch(PRODUCERS);
        final CountDownLatch producersDone = new CountDownLatch(PRODUCERS);
        final ConcurrentLinkedQueue<List<Runnable>> returned = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Throwable> threadFailures = new ConcurrentLinkedQueue<>();

        Round(Variant variant, int round, SplittableRandom random) {
            this.variant = variant;
            this.round = round;
            this.random = random;
            Loop.Builder b = Loop.builder().name("race-" + variant + "-" + round).inboxCapacity(INBOX)
                    .closeRunsTimers(random.nextBoolean()).stopPeriodicOnFailure(random.nextBoolean())
                    .errorHandler(e -> reported.incrementAndGet());
            int[] turn = {0};
            switch (variant.queue) {
                case BOUNDED_REJECT -> b.runQueue(RunQueues.boundedFifo(BOUNDED)).watermarks(BOUNDED - 4, 2);
                case BOUNDED_DROP_OLDEST -> b.runQueue(RunQueues.boundedFifo(BOUNDED))
                        .admission(AdmissionPolicy.dropOldest()).watermarks(BOUNDED - 2, 4);
                case PRIORITY_DROP_OLDEST -> b.runQueue(RunQueues.boundedPriority(4, BOUNDED))
                        .admission(AdmissionPolicy.dropOldest()).watermarks(BOUNDED / 2, 1);
                case BOUNDED_CUSTOM -> b.runQueue(RunQueues.boundedFifo(BOUNDED)).admission((incoming, queue) ->
                        turn[0]++ % 2 == 0 ? incoming : AdmissionPolicy.dropOldest().onFull(incoming, queue));
                default -> b.watermarks(BOUNDED, 2);
            }
            this.listener = variant.listener ? new ThrowingListener() : null;
            if (listener != null) {
                b.listener(listener);
            }
            this.loop = b.build();
        }

        private Thread thread(String name, Runnable body) {
            Thread t = new Thread(() -> {
                try {
                    body.run();
                } catch (Throwable e) {
                    threadFailures.add(e);
                }
            }, name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        void run() throws Exception {
            LoopThread loopThread = null;
            Thread testDriver = null;
            if (variant.driver == Driver.LOOP_THREAD) {
                loopThread = LoopThread.start(loop, IdleStrategy.backoff(20, 5), r -> {
                    Thread t = new Thread(r, "race-loop-thread");
                    t.setDaemon(true);
                    return t;
                });
            } else {
                SplittableRandom driving = random.split();
                testDriver = thread("race-test-driver", () -> drive(driving));
            }
            List<List<Record>> records = new ArrayList<>();
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                List<Record> mine = new ArrayList<>();
                records.add(mine);
                SplittableRandom r = random.split();
                producers.add(thread("race-producer-" + p, () -> produce(mine, r)));
            }
            List<Thread> enders = new ArrayList<>();
            switch (variant.ending) {
                case CLOSE -> enders.add(thread("race-closer", this::closeHalfway));
                case SHUTDOWN_NOW -> enders.add(thread("race-stopper", this::shutdownNowHalfway));
                default -> {
                    enders.add(thread("race-stopper-1", this::shutdownNowHalfway));
                    enders.add(thread("race-stopper-2", this::shutdownNowHalfway));
                    enders.add(thread("race-closer", this::closeHalfway));
                }
            }
            for (Thread t : producers) {
                t.join();
            }
            for (Thread t : enders) {
                t.join();
            }
            if (loopThread != null) {
                loopThread.close();
                assertThat(loopThread.crash()).isNull();
            } else {
                testDriver.join();
            }
            assertThat(threadFailures).as(context()).isEmpty();
            check(records);
        }

        private String context() {
            return variant + " round " + round + " " + loop.stats();
        }

        /** The test thread's way of driving: runOnce or runUntilIdle, until the producers are done and it ended. */
        private void drive(SplittableRandom r) {
            while (true) {
                boolean done = producersDone.getCount() == 0;
                try {
                    if (r.nextInt(4) == 0) {
                        loop.runUntilIdle();
                    } else {
                        loop.runOnce();
                    }
                } catch (IllegalStateException othersDriving) { // a closing or stopping thread took the slot
                    Thread.yield();
                }
                if (done && loop.isTerminated()) {
                    return;
                }
            }
        }

        private void closeHalfway() {
            await(halfway);
            loop.close();
        }

        private void shutdownNowHalfway() {
            await(halfway);
            List<Runnable> never = loop.shutdownNow();
            HANDING_BACK.set(true);
            try {
                for (Runnable r : never) {
                    r.run();
                }
            } finally {
                HANDING_BACK.set(false);
            }
            returned.add(never);
        }

        private void produce(List<Record> mine, SplittableRandom r) {
            ArrayDeque<CompletableFuture<String>> stages = new ArrayDeque<>();
            for (int op = 0; op < OPS; op++) {
                if (op == OPS / 2) {
                    halfway.countDown();
                }
                int dice = r.nextInt(100);
                if (dice < 14) {
                    cancelOne(mine, r);
                    continue;
                }
                if (dice < 20 && !stages.isEmpty()) {
                    CompletableFuture<String> s = stages.poll();
                    if (r.nextInt(3) == 0) {
                        s.completeExceptionally(new IllegalStateException("stage failure"));
                    } else {
                        s.complete("later");
                    }
                    continue;
                }
                Kind kind = dice < 36 ? Kind.EXECUTE : dice < 50 ? Kind.SUBMIT : dice < 58 ? Kind.PRIORITY
                        : dice < 68 ? Kind.SCHEDULE : dice < 78 ? Kind.LIGHT : dice < 81 ? Kind.PERIODIC : Kind.SPAWN;
                boolean fail = r.nextInt(10) == 0;
                Body body;
                if (kind == Kind.SPAWN) {
                    int how = r.nextInt(3);
                    CompletableFuture<String> later = new CompletableFuture<>();
                    if (how == 2) {
                        stages.add(later);
                    }
                    body = new Body(false, () -> how == 0 ? CompletableFuture.completedFuture("now")
                            : how == 1 ? CompletableFuture.failedFuture(new IllegalStateException("failed stage"))
                            : later);
                } else {
                    body = new Body(fail, null);
                }
                Record rec = new Record(kind, body);
                mine.add(rec);
                long micros = r.nextInt(300);
                try {
                    switch (kind) {
                        case EXECUTE -> loop.execute(body);
                        case SUBMIT -> rec.handle = loop.submit((Runnable) body);
                        case PRIORITY -> rec.handle = loop.submit((Callable<Object>) body, r.nextInt(4));
                        case SCHEDULE -> rec.handle = loop.schedule((Runnable) body, micros, TimeUnit.MICROSECONDS);
                        case LIGHT -> rec.handle = loop.executeAfter(body, micros, TimeUnit.MICROSECONDS);
                        case PERIODIC -> rec.handle = r.nextBoolean()
                                ? loop.scheduleAtFixedRate(body, Duration.ofNanos(micros * 1_000),
                                Duration.ofNanos((100 + micros) * 1_000))
                                : loop.scheduleWithFixedDelay(body, Duration.ofNanos(micros * 1_000),
                                Duration.ofNanos((100 + micros) * 1_000));
                        default -> rec.handle = loop.spawn(body);
                    }
                } catch (RejectedExecutionException e) {
                    rec.rejectedAtCall = true;
                    Thread.yield(); // the inbox may be full: let the driver catch up (2 cores, several threads)
                }
            }
            CompletableFuture<String> s;
            while ((s = stages.poll()) != null) {
                s.complete("end");
            }
            producersDone.countDown();
        }

        private static void cancelOne(List<Record> mine, SplittableRandom r) {
            if (mine.isEmpty()) {
                return;
            }
            Record rec = mine.get(mine.size() - 1 - r.nextInt(Math.min(mine.size(), 16)));
            if (rec.handle != null && rec.handle.cancel()) {
                assertThat(rec.cancelledByCaller).as("cancel() answered true twice").isFalse();
                rec.cancelledByCaller = true;
            }
        }

        // ------------------------------------------------------------------------------------------------ checks

        private void check(List<List<Record>> all) {
            String ctx = context();
            assertThat(loop.isTerminated()).as(ctx).isTrue();
            LoopStats s = loop.stats();
            assertThat(s.isBalanced()).as(ctx).isTrue();
            assertThat(s.queued()).as(ctx).isZero();
            assertThat(s.running()).as(ctx).isZero();
            assertThat(s.pendingTimers()).as(ctx).isZero();
            long attempts = 0, atCall = 0, ended = 0, cancelled = 0, refused = 0, handedBack = 0;
            for (List<Record> mine : all) {
                for (Record rec : mine) {
                    attempts++;
                    Body b = rec.body;
                    String what = ctx + " " + rec.kind + " " + rec.handle + " runs=" + b.runs + " rejected="
                            + b.rejected + " cancelled=" + b.cancelled + " handedBack=" + b.handedBack
                            + " cancelledByCaller=" + rec.cancelledByCaller;
                    assertThat(b.ranAfterHandedBack.get()).as("ran after shutdownNow() returned it: " + what).isZero();
                    assertThat(b.rejected.get()).as("told once at most: " + what).isLessThanOrEqualTo(1);
                    assertThat(b.cancelled.get()).as("told once at most: " + what).isLessThanOrEqualTo(1);
                    assertThat(b.handedBack.get()).as("handed back once at most: " + what).isLessThanOrEqualTo(1);
                    handedBack += b.handedBack.get();
                    if (rec.rejectedAtCall) {
                        atCall++;
                        assertThat(b.runs.get() + b.rejected.get() + b.cancelled.get() + b.handedBack.get())
                                .as("refused at the call: nothing else happens to it: " + what).isZero();
                        continue;
                    }
                    if (b.handedBack.get() == 1) {
                        assertThat(b.cancelled.get()).as("handed back: told it was cancelled: " + what).isEqualTo(1);
                    }
                    boolean periodic = rec.kind == Kind.PERIODIC;
                    if (!periodic) {
                        assertThat(b.runs.get()).as(what).isLessThanOrEqualTo(1);
                        int fates = b.runs.get() + b.rejected.get() + b.cancelled.get()
                                + (rec.cancelledByCaller ? 1 : 0);
                        assertThat(fates).as("exactly one fate: " + what).isEqualTo(1);
                    } else {
                        assertThat(b.rejected.get() + b.cancelled.get()).as(what).isLessThanOrEqualTo(1);
                    }
                    TaskState state = stateOf(rec, what);
                    switch (state) {
                        case COMPLETED, FAILED -> {
                            ended++;
                            if (!periodic) {
                                assertThat(b.runs.get()).as(what).isEqualTo(1);
                            }
                        }
                        case CANCELLED -> {
                            cancelled++;
                            assertThat(rec.cancelledByCaller || b.cancelled.get() == 1).as(what).isTrue();
                        }
                        case REJECTED -> {
                            refused++;
                            assertThat(b.rejected.get()).as("refused after the call: told: " + what).isEqualTo(1);
                        }
                        default -> throw new AssertionError("not terminal: " + what);
                    }
                }
            }
            long returnedCount = returned.stream().mapToLong(List::size).sum();
            assertThat(handedBack).as(ctx).isEqualTo(returnedCount);
            assertThat(s.submitted()).as(ctx).isEqualTo(attempts);
            assertThat(s.completed() + s.failed()).as(ctx).isEqualTo(ended);
            assertThat(s.cancelled()).as(ctx).isEqualTo(cancelled);
            assertThat(s.rejected()).as(ctx).isEqualTo(refused + atCall);
            if (listener != null) {
                assertThat(s.listenerErrors()).as(ctx).isEqualTo(listener.thrown);
                assertThat(reported.get()).as(ctx).isGreaterThanOrEqualTo(listener.thrown);
            }
        }

        /** The terminal state of a record: its handle's, a light timer's, or what a plain task's body saw. */
        private static TaskState stateOf(Record rec, String what) {
            if (rec.handle instanceof TaskHandle) {
                TaskHandle<?> h = (TaskHandle<?>) rec.handle;
                CompletableFuture<?> f = h.toCompletionStage().toCompletableFuture();
                assertThat(f.isDone()).as("stage done: " + what).isTrue();
                return h.state();
            }
            Body b = rec.body;
            if (rec.handle instanceof LoopTimer) {
                LoopTimer t = (LoopTimer) rec.handle;
                assertThat(t.isDone()).as(what).isTrue();
                return switch (t.state) {
                    case LoopTimer.FIRED -> b.fail ? TaskState.FAILED : TaskState.COMPLETED;
                    case LoopTimer.REJECTED -> TaskState.REJECTED;
                    default -> TaskState.CANCELLED;
                };
            }
            assertThat(rec.handle).as(what).isNull(); // execute: no handle
            return b.runs.get() == 1 ? (b.fail ? TaskState.FAILED : TaskState.COMPLETED)
                    : b.rejected.get() == 1 ? TaskState.REJECTED
                    : b.cancelled.get() == 1 ? TaskState.CANCELLED : TaskState.PENDING;
        }

        private static void await(CountDownLatch latch) {
            try {
                if (!latch.await(60, TimeUnit.SECONDS)) {
                    throw new AssertionError("timed out waiting for " + latch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
