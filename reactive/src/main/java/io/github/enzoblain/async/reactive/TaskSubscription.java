package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Cancellable;
import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.TaskHandle;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * One subscription of a {@link TaskPublisher}: the downstream's {@link Subscription} and the upstream's
 * {@link Subscriber} at once.
 *
 * <p><b>Concurrency.</b> Signals arrive from three sides: the downstream ({@code request}, {@code cancel}: any
 * thread), the upstream ({@code onSubscribe}, {@code onNext}, ...: one thread at a time, §1.3) and the loop (task
 * outcomes: the loop's thread, or a cancelling thread; its termination: the thread that terminates it). Each only
 * records what happened in a concurrent structure and calls {@link #drain()}; the drain runs on one thread at a time
 * and owns every other field.
 */
final class TaskSubscription<T> implements Subscription, Subscriber<Object> {

    /*
     * Implementation notes.
     *
     * - Drain: a work-in-progress counter (as in reactive-streams-jvm's AsyncIterablePublisher and Reactor's
     *   operators). Whoever moves it from 0 runs the state machine until no signal was missed; the others return at
     *   once, which also bounds the recursion request -> onNext -> request (§3.3). start() holds the counter while
     *   the downstream's onSubscribe runs, so nothing is signalled before it returns (§1.3), whichever thread requests.
     * - Admission: `inFlight` counts tasks submitted and not yet emitted. Tasks are submitted only while
     *   inFlight < min(demand + prefetch, maxInFlight, run-queue capacity), and the upstream is asked for no more than that window
     *   minus what is in flight and what it still owes, so a well-behaved upstream never makes us buffer (§1.1); an
     *   ill-behaved one is buffered in `arrived`, never admitted beyond the window.
     * - In-flight tasks are Slots in an intrusive doubly-linked list in submission order: O(1) unlink on emission in
     *   completion order, head-only emission in submission order, O(1) cancellation each.
     * - A Slot learns its task's outcome from the handle's stage (whatever the fate: value, failure, cancellation,
     *   rejection by the loop), writes it, then offers itself to `completed`; the queue publishes the writes.
     * - Loop termination: registered with Loop.onTermination for the subscription's life (start() to release()), so
     *   a quiet upstream on a loop that terminates does not leave the stream, and the upstream, open for ever; the
     *   callback only sets `loopTerminated` and drains, like any other signal. release() takes the registration off
     *   (O(1)), so a long-lived loop serving many short subscriptions keeps none of them.
     */

    private static final System.Logger LOG = System.getLogger(TaskPublisher.class.getName());

    private final Loop loop;
    private final boolean specs;
    private final int prefetch;
    private final long maxInFlight;
    private final boolean ordered;
    private final boolean failFast;

    // shared
    private volatile Subscriber<? super TaskResult<T>> downstream; // nulled on termination (§3.13)
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicReference<Subscription> upstream = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Object> arrived = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Slot<T>> completed = new ConcurrentLinkedQueue<>();
    private volatile boolean cancelled;
    private volatile boolean upstreamDone;
    private volatile Throwable upstreamError;
    private volatile Throwable badRequest;
    private volatile boolean loopTerminated;

    // drain-owned
    private Slot<T> head, tail;       // in flight, submission order
    private Slot<T> readyHead, readyTail; // finished, completion order (unordered mode)
    private int inFlight;
    private long upstreamOwed;        // requested from the upstream, not yet taken from `arrived`
    private long nextIndex;
    private boolean terminated;
    private boolean upstreamCancelled;
    private Cancellable termination; // the onTermination registration, until release()

    TaskSubscription(Loop loop, Subscriber<? super TaskResult<T>> downstream, boolean specs, int prefetch,
                     int maxInFlight, boolean ordered, boolean failFast) {
        this.loop = loop;
        this.downstream = downstream;
        this.specs = specs;
        this.prefetch = prefetch;
        this.maxInFlight = Math.min(maxInFlight, loop.queueCapacity());
        this.ordered = ordered;
        this.failFast = failFast;
    }

    void start(Publisher<?> tasks) {
        Subscriber<? super TaskResult<T>> d = downstream;
        wip.set(1); // hold the drain: a request(0) from a thread onSubscribe handed us to must not overtake it (§1.3)
        termination = loop.onTermination(this::onLoopTerminated); // on a terminated loop, at once: served below
        try {
            d.onSubscribe(this); // §1.9: onSubscribe before any other signal
        } catch (Throwable e) { // §2.13: the subscriber broke the contract; treat the subscription as cancelled
            LOG.log(System.Logger.Level.WARNING, "onSubscribe threw; subscription cancelled", e);
            cancelled = true;
        }
        drainLoop(1); // what came during onSubscribe (request, cancel) is served now, on this thread
        if (cancelled) {
            drain();
            return;
        }
        tasks.subscribe(this);
    }

    // ======================================================================================== downstream side

    @Override
    public void request(long n) {
        if (n <= 0) {
            badRequest = new IllegalArgumentException(
                    "§3.9 violated: request must be positive, was " + n); // §3.9
        } else {
            long r, u;
            do {
                r = requested.get();
                if (r == Long.MAX_VALUE) {
                    break; // §3.17: unbounded demand stays unbounded
                }
                u = r + n;
                if (u < 0) {
                    u = Long.MAX_VALUE; // §3.17: demand capped at Long.MAX_VALUE
                }
            } while (!requested.compareAndSet(r, u));
        }
        drain(); // §3.3: a nested call only bumps the counter; the outer drain delivers
    }

    @Override
    public void cancel() {
        cancelled = true; // §3.5, §3.7: idempotent, and request/cancel afterwards are no-ops
        drain();
    }

    // ========================================================================================== upstream side

    @Override
    public void onSubscribe(Subscription s) {
        Objects.requireNonNull(s, "subscription"); // §2.13
        if (!upstream.compareAndSet(null, s)) {
            s.cancel(); // §2.5: a second subscription (or one arriving after the end) is cancelled
            return;
        }
        drain();
    }

    @Override
    public void onNext(Object task) {
        Objects.requireNonNull(task, "task"); // §2.13
        arrived.offer(task);
        drain();
    }

    @Override
    public void onError(Throwable error) {
        Objects.requireNonNull(error, "error"); // §2.13
        upstreamError = error;
        drain();
    }

    @Override
    public void onComplete() {
        upstreamDone = true;
        drain();
    }

    // ============================================================================================== loop side

    /** The loop terminated (on the thread that terminated it, or at registration): no task of ours can run again. */
    private void onLoopTerminated() {
        loopTerminated = true;
        drain(); // §1.3: serialised with every other signal; whoever drains at the moment delivers it
    }

    // ================================================================================================= drain

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        drainLoop(1);
    }

    /** Runs the state machine until no signal was missed; the caller moved {@code wip} from 0. */
    private void drainLoop(int missed) {
        while (true) {
            if (!terminated) {
                step();
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void step() {
        // read first: whatever the loop did before it terminated (the stage completions of our tasks) is then seen
        boolean loopGone = loopTerminated;
        if (cancelled) {
            terminate(); // §3.12: cancel stops signals; the tasks are released too
            return;
        }
        Throwable bad = badRequest;
        if (bad != null) {
            signalError(bad); // §3.9: onError with IllegalArgumentException
            return;
        }
        Slot<T> s;
        while ((s = completed.poll()) != null) {
            s.done = true;
            if (failFast && s.error != null) {
                signalError(s.error);
                return;
            }
            if (!ordered) {
                if (readyTail == null) {
                    readyHead = s;
                } else {
                    readyTail.nextReady = s;
                }
                readyTail = s;
            }
        }
        if (!emit()) {
            return;
        }
        Throwable error = upstreamError;
        if (error != null) {
            signalError(error); // an upstream failure ends the stream at once
            return;
        }
        boolean done = upstreamDone; // read before `arrived`: its onNexts happen-before its onComplete
        if (loopGone && inFlight == 0 && !(done && arrived.isEmpty())) {
            // every result is delivered and the loop can run nothing more: end the stream now (§1.4) and cancel the
            // upstream (§2.6), as a submission refused by the closed loop would, rather than wait, for ever perhaps,
            // for a quiet upstream's next task to be refused
            signalError(new RejectedExecutionException("loop '" + loop.name() + "' is closed"));
            return;
        }
        admit();
        if (terminated) {
            return; // a submission found the loop shut down: the stream has ended (§1.7)
        }
        if (done && inFlight == 0 && arrived.isEmpty()) {
            Subscriber<? super TaskResult<T>> d = downstream;
            release();
            try {
                d.onComplete(); // §1.6, §1.7: terminal, the subscription is over and nothing follows
            } catch (Throwable e) {
                LOG.log(System.Logger.Level.WARNING, "§2.13 violated: onComplete threw", e);
            }
            return;
        }
        if (!loopGone) { // once it has, only the results still to deliver keep the stream open: no more tasks
            requestUpstream();
        }
    }

    /** Emits finished results while there is demand. @return false if the stream ended meanwhile */
    private boolean emit() {
        long r = requested.get();
        long e = 0;
        while (e != r) { // §1.1: never more onNext than requested
            Slot<T> s;
            if (ordered) {
                s = head;
                if (s == null || !s.done) {
                    break;
                }
            } else {
                s = readyHead;
                if (s == null) {
                    break;
                }
                readyHead = s.nextReady;
                if (readyHead == null) {
                    readyTail = null;
                }
            }
            unlink(s);
            inFlight--;
            e++;
            try {
                downstream.onNext(s.result());
            } catch (Throwable x) { // §2.13: the subscriber broke the contract; treat it as cancelled
                LOG.log(System.Logger.Level.WARNING, "§2.13 violated: onNext threw; subscription cancelled", x);
                cancelled = true;
            }
            if (cancelled) {
                terminate(); // §3.12: a cancel from inside onNext stops delivery at once
                return false;
            }
        }
        if (e != 0 && r != Long.MAX_VALUE) {
            requested.addAndGet(-e);
        }
        return true;
    }

    private long window() {
        long demand = requested.get();
        long w = demand + prefetch;
        if (w < 0) {
            w = Long.MAX_VALUE;
        }
        return Math.min(w, maxInFlight); // unbounded demand must not mean unbounded work in the loop
    }

    private void admit() {
        long window = window();
        Object task;
        while (inFlight < window && (task = arrived.poll()) != null) {
            upstreamOwed--;
            submit(task);
            if (terminated) {
                return;
            }
        }
    }

    private void requestUpstream() {
        if (upstreamDone) {
            return;
        }
        Subscription up = upstream.get();
        if (up == null) {
            return;
        }
        long want = window() - inFlight - Math.max(0, upstreamOwed);
        if (want > 0) {
            upstreamOwed += want;
            up.request(want); // §3.17: the window never exceeds Long.MAX_VALUE
        }
    }

    @SuppressWarnings("unchecked")
    private void submit(Object task) {
        Slot<T> s = new Slot<>(this, nextIndex++);
        link(s);
        inFlight++;
        s.queuedAt = loop.now();
        TaskHandle<? extends T> h;
        try {
            if (specs) {
                TaskSpec<? extends T> spec = (TaskSpec<? extends T>) task;
                h = spec.isDelayed() ? loop.schedule(spec.task(), spec.delay()) : loop.submit(spec.task());
            } else {
                h = loop.submit((Callable<? extends T>) task);
            }
        } catch (RejectedExecutionException e) {
            if (loop.isShutdown()) {
                // the loop takes no task ever again: every further submission would be refused the same way, so the
                // stream ends here (§1.4) and the upstream is cancelled (§2.6), rather than an endless upstream
                // becoming an endless run of REJECTED results
                signalError(e);
                return;
            }
            s.accept(null, e); // refused while the loop is open (a full bounded run queue, a full inbox): a result
            return;
        } catch (ClassCastException e) {
            s.accept(null, new IllegalArgumentException("upstream emitted a " + task.getClass().getName()
                    + " where a " + (specs ? "TaskSpec" : "Callable") + " was expected", e));
            return;
        }
        s.handle = h;
        h.toCompletionStage().whenComplete(s); // may run at once if the task already finished
    }

    /** Ends the stream with {@code error} (§1.4: without demand), cancelling the upstream and the tasks in flight. */
    private void signalError(Throwable error) {
        Subscriber<? super TaskResult<T>> d = downstream;
        terminate();
        try {
            d.onError(error);
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.WARNING, "§2.13 violated: onError threw", e);
        }
    }

    /** Cancels the upstream and every task in flight, and forgets the subscriber (§3.13). */
    private void terminate() {
        cancelUpstream();
        for (Slot<T> s = head; s != null; s = s.next) {
            TaskHandle<? extends T> h = s.handle;
            if (h != null) {
                h.cancel(); // O(1): a queued task is skipped, a timer unlinked at the loop's next step
            }
        }
        release();
    }

    private void release() {
        terminated = true;
        Cancellable t = termination;
        if (t != null) {
            termination = null;
            t.cancel(); // O(1); false if the loop has terminated meanwhile, and then its callback finds us ended
        }
        head = tail = readyHead = readyTail = null;
        inFlight = 0;
        arrived.clear();
        completed.clear();
        downstream = null; // §3.13: drop the reference to the subscriber
    }

    private void cancelUpstream() {
        if (!upstreamCancelled) {
            upstreamCancelled = true;
            Subscription up = upstream.getAndSet(CancelledSubscription.INSTANCE); // a late onSubscribe is cancelled
            if (up != null && up != CancelledSubscription.INSTANCE) {
                up.cancel();
            }
        }
    }

    private void link(Slot<T> s) {
        s.prev = tail;
        if (tail == null) {
            head = s;
        } else {
            tail.next = s;
        }
        tail = s;
    }

    private void unlink(Slot<T> s) {
        Slot<T> p = s.prev, n = s.next;
        if (p == null) {
            head = n;
        } else {
            p.next = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.prev = p;
        }
        s.prev = s.next = null;
    }

    /** A task in flight; also the callback its handle's stage completes. */
    static final class Slot<T> implements BiConsumer<Object, Throwable> {
        final TaskSubscription<T> owner;
        final long index;
        TaskHandle<? extends T> handle;
        long queuedAt;
        long startedAt = Long.MIN_VALUE;
        long finishedAt;
        Object value;
        Throwable error;
        boolean done;
        Slot<T> prev, next, nextReady;

        Slot(TaskSubscription<T> owner, long index) {
            this.owner = owner;
            this.index = index;
        }

        @Override
        public void accept(Object value, Throwable error) {
            finishedAt = owner.loop.now();
            TaskHandle<? extends T> h = handle;
            startedAt = h == null ? -1 : h.startedAt();
            this.value = value;
            this.error = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            owner.completed.offer(this);
            owner.drain();
        }

        @SuppressWarnings("unchecked")
        TaskResult<T> result() {
            TaskHandle<? extends T> h = handle;
            return new TaskResult<>(h == null ? -1 : h.id(), index, (T) value, error, queuedAt, startedAt, finishedAt);
        }
    }

    /** Stands for an upstream subscription that arrived after the stream ended. */
    enum CancelledSubscription implements Subscription {
        INSTANCE;

        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    }
}
