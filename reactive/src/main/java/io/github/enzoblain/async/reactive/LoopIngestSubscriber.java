package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Cancellable;
import io.github.enzoblain.async.core.DropAware;
import io.github.enzoblain.async.core.Loop;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * A {@link Subscriber} that pulls items from any {@link Publisher} into a {@link Loop}, running a handler for each item
 * on the loop, with demand bounded by the loop's run queue: a fast producer never grows memory.
 *
 * <p><b>Flow control.</b> The items of this subscriber that are in the loop (handed over, not yet handled) plus those it
 * has requested and not yet received never exceed its window: {@code min(maxInFlight, run-queue capacity, high
 * watermark)}, so on its own it never pushes the queue past its high watermark. It asks
 * for no more than the run queue's free room either (its own items handed over from another thread and maybe not yet
 * taken in count as taking a place), asks nothing while the loop is
 * {@linkplain Loop#isAboveHighWatermark() above its high watermark}, and asks again from the loop as its items are
 * handled, in batches of a quarter of the window, so the run queue stays under its bound and nothing is rejected.
 *
 * <p><b>Concurrency and visibility.</b> The handler runs on the loop's thread, one item at a time, in arrival order;
 * everything the producer did before {@code onNext(item)} happens-before the handler sees {@code item}. The subscriber
 * is for one subscription (§2.5: a second one is cancelled). {@link #completion()} completes on the thread that ends
 * the stream: the loop's thread after the last item is handled, the producer's thread when nothing is in the loop, or
 * the thread that terminates the loop (see below).
 *
 * <p><b>Failures.</b> A handler that throws, an item the loop refuses, or an upstream error ends the ingestion:
 * the subscription is cancelled (if still active), items not yet handled are dropped, and {@link #completion()} fails
 * with that error; so does, with an {@link IllegalStateException}, an item the upstream sends without demand for it
 * (§1.1). So do, with a {@link RejectedExecutionException}, an item the loop refuses after it was handed over
 * (taken in from another thread while a bounded run queue is full) and the retry timer (see below) when the loop's
 * close or {@code shutdownNow()} cancels it: that item, or that request for more, would never come, and the completion
 * would wait for it forever. So do, the same way, items still queued when {@code shutdownNow()} is called: they come
 * back unhandled in the list it returns, and the loop tells this subscriber of them. And so does the loop's
 * termination ({@link Loop#onTermination(Runnable)}) before the upstream completed, with the
 * {@code RejectedExecutionException} the loop's refusal of the next item would carry: an upstream that is quiet, with
 * nothing of this subscriber in the loop, would otherwise keep the ingestion, and its subscription, open for ever.
 * (The subscriber takes its registration with the loop off when the ingestion ends otherwise.)
 *
 * @param <T> the item type
 */
public final class LoopIngestSubscriber<T> implements Subscriber<T> {

    /*
     * Implementation notes.
     *
     * - Hand-over without allocation: items go into a single-producer single-consumer ring (the producer is the
     *   upstream, serial by §1.3; the consumer is the loop), and the loop gets this object's one `Runnable` per item;
     *   each run takes the next item from the ring, so the k-th run handles the k-th item.
     * - Accounting: `inLoop` = items handed over and not yet handled; `owed` = requested and not yet received. The
     *   window bounds inLoop + owed (an item is added to inLoop before it leaves owed, and the sum is read owed first,
     *   so a reader racing the producer never undercounts), and the ring is as large as the window (rounded up to a power of two), so a
     *   well-behaved upstream (§1.1) always finds room; one that sends an item with nothing owed is cancelled, even
     *   when the ring's rounding would have room for it (an item over the demand would make `owed` negative and
     *   overstate the free room the next request is computed from).
     * - Requesting is serialised by a work-in-progress counter: the producer's thread (onSubscribe) and the loop (after
     *   each handled item) both call `replenish()`.
     * - A request made from the loop's thread lets a synchronous producer call onNext right there: its items go straight
     *   into the run queue, so the run queue's depth is exact when the next request is computed. Items handed over
     *   from another thread go through the inbox, outside that depth until the loop takes them in: the free room
     *   counts every unhandled item up to the last one handed over that way as taking a place (`lastViaInbox`), or
     *   those and other work would overfill a bounded run queue and have our items refused.
     * - If nothing of ours is in the loop, nothing is owed, and the loop is above its high watermark or full with other
     *   work, a one-millisecond timer retries: otherwise nobody would ever ask again.
     * - The loop's termination is a signal too (Loop.onTermination, registered in onSubscribe and taken off when the
     *   completion completes): it sets `loopTerminated` and replenishes, so the failure and the cancel it makes are
     *   serialised with the requests (§2.7).
     * - Both tasks we hand the loop are DropAware: a run the loop drops (an item refused at intake, a retry timer
     *   cancelled by a close or shutdownNow, an item's run that shutdownNow hands back) is never coming, so the
     *   ingestion fails rather than wait for it.
     */

    /** The window when none is configured. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1024;

    private static final Duration RETRY = Duration.ofMillis(1);

    private final Loop loop;
    private final Consumer<? super T> handler;
    private final int window;
    private final int batch;
    private final AtomicReferenceArray<T> ring;
    private final int mask;
    private final Runnable handleNext = new HandleNext();
    private final Runnable retry = new Retry();

    private final AtomicReference<Subscription> subscription = new AtomicReference<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicLong inLoop = new AtomicLong();
    private final AtomicLong owed = new AtomicLong();
    private final AtomicLong handled = new AtomicLong();
    private final AtomicBoolean retryArmed = new AtomicBoolean();
    private final CompletableFuture<Void> completion = new CompletableFuture<>();
    private volatile boolean upstreamDone;
    private volatile boolean stopped; // no more items wanted: cancelled or failed
    private volatile boolean failed; // items still in the loop are dropped: only after a failure, not a cancel
    private volatile boolean loopTerminated;

    private long produced; // producer-owned ring index
    private long consumed; // loop-owned ring index

    private LoopIngestSubscriber(Loop loop, Consumer<? super T> handler, int maxInFlight) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.handler = Objects.requireNonNull(handler, "handler");
        if (maxInFlight <= 0) {
            throw new IllegalArgumentException("maxInFlight must be > 0, was " + maxInFlight);
        }
        this.window = Math.min(Math.min(maxInFlight, loop.queueCapacity()), loop.highWatermark());
        this.batch = Math.max(1, window / 4);
        int size = Integer.highestOneBit(window);
        if (size < window) {
            size <<= 1;
        }
        this.ring = new AtomicReferenceArray<>(size);
        this.mask = size - 1;
    }

    /** @return a subscriber running {@code handler} on {@code loop} for every item, with the default window */
    public static <T> LoopIngestSubscriber<T> create(Loop loop, Consumer<? super T> handler) {
        return new LoopIngestSubscriber<>(loop, handler, DEFAULT_MAX_IN_FLIGHT);
    }

    /**
     * @param maxInFlight the most items in the loop or requested at once (further bounded by the run queue's capacity)
     * @return a subscriber running {@code handler} on {@code loop} for every item
     * @throws IllegalArgumentException if {@code maxInFlight <= 0}
     */
    public static <T> LoopIngestSubscriber<T> create(Loop loop, Consumer<? super T> handler, int maxInFlight) {
        return new LoopIngestSubscriber<>(loop, handler, maxInFlight);
    }

    // ================================================================================================ signals

    @Override
    public void onSubscribe(Subscription s) {
        Objects.requireNonNull(s, "subscription"); // §2.13
        if (!subscription.compareAndSet(null, s)) {
            s.cancel(); // §2.5: one subscription only
            return;
        }
        Cancellable termination = loop.onTermination(this::onLoopTerminated); // a terminated loop's: at once
        completion.whenComplete((ignored, error) -> termination.cancel()); // however it ends: nothing kept
        replenish(); // §2.1: signal demand to receive anything
    }

    @Override
    public void onNext(T item) {
        Objects.requireNonNull(item, "item"); // §2.13
        if (stopped) {
            return; // §2.8: items may still arrive after cancel
        }
        long p = produced;
        int i = (int) p & mask;
        if (owed.get() <= 0 || p - consumedVolatile() >= ring.length()) { // §1.1: nothing owed, nothing accepted
            fail(new IllegalStateException("§1.1 violated: more items than requested (window " + window + ")"));
            return;
        }
        inLoop.incrementAndGet(); // before owed--: inLoop + owed never dips below the truth (see requestMore)
        if (!loop.inLoop()) {
            lastViaInbox = p; // before owed--: a request that sees the item received sees it may be in the inbox
        }
        owed.decrementAndGet();
        ring.lazySet(i, item);
        produced = p + 1;
        try {
            loop.execute(handleNext); // happens-before the run: the run sees the item
        } catch (RejectedExecutionException e) {
            ring.lazySet(i, null);
            produced = p;
            inLoop.decrementAndGet();
            fail(e);
        }
    }

    @Override
    public void onError(Throwable error) {
        Objects.requireNonNull(error, "error"); // §2.13
        failed = true;
        stopped = true;
        completion.completeExceptionally(error); // §2.4: the subscription is over; nothing to cancel
    }

    @Override
    public void onComplete() {
        upstreamDone = true; // §2.4
        if (inLoop.get() == 0) {
            completion.complete(null);
        }
    }

    // ============================================================================================= observation

    /** @return a stage that completes once the upstream completed and every item was handled, or fails */
    public CompletionStage<Void> completion() {
        return completion;
    }

    /** @return how many items the handler has run for */
    public long handled() {
        return handled.get();
    }

    /** @return the window: the most items in the loop or requested at once */
    public int window() {
        return window;
    }

    /** Stops the ingestion: cancels the subscription (§3.12); items already in the loop are still handled. */
    public void cancel() {
        stopped = true;
        Subscription s = subscription.getAndSet(CancelledSubscription.INSTANCE);
        if (s != null) {
            s.cancel();
        }
        completion.cancel(false);
    }

    // ================================================================================================ internals

    private volatile long consumedVolatile; // `consumed`, published for the producer's overflow check
    private volatile long lastViaInbox = -1; // ring index of the last item handed over from a thread not driving

    private long consumedVolatile() {
        return consumedVolatile;
    }

    /** One run per item, on the loop. */
    private void handleNext() {
        long c = consumed;
        int i = (int) c & mask;
        T item = ring.get(i);
        ring.lazySet(i, null);
        consumed = c + 1;
        consumedVolatile = c + 1;
        if (!failed) { // a cancel stops the ingestion, not the handling of what is already in the loop
            try {
                handler.accept(item);
                handled.incrementAndGet();
            } catch (Throwable e) {
                fail(e);
            }
        }
        long left = inLoop.decrementAndGet();
        if (left == 0 && upstreamDone) {
            completion.complete(null);
        } else if (!stopped && !upstreamDone) {
            replenish();
        }
    }

    /** The loop terminated: nothing of ours is in it any more, and no item can be handed over again. */
    private void onLoopTerminated() {
        loopTerminated = true;
        replenish();
    }

    private void replenish() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            requestMore();
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void requestMore() {
        retryArmed.set(false);
        Subscription s = subscription.get();
        if (s == null || stopped || upstreamDone) {
            return;
        }
        if (loopTerminated) { // the next item would be refused: fail now, not at an item that may never come
            fail(new RejectedExecutionException("loop '" + loop.name() + "' is closed"));
            return;
        }
        // owed first, then inLoop: onNext moves an item from owed to inLoop in the opposite order, so a concurrent
        // move can only make `mine` look larger than it is, never smaller (which would over-request by one)
        long owedNow = owed.get();
        long mine = inLoop.get() + owedNow;
        long credit = window - mine;
        // our items handed over from another thread may still be in the inbox, not yet in queueDepth: count every
        // unhandled one up to the last such item as taking a place (read after owed, see onNext)
        long intake = Math.max(0, lastViaInbox + 1 - consumedVolatile);
        long free = (long) loop.queueCapacity() - loop.queueDepth() - owedNow - intake;
        long n = Math.min(credit, free);
        if (loop.isAboveHighWatermark()) {
            n = 0; // wait for the loop to drain to its low watermark
        }
        if (n >= batch || (n > 0 && mine == 0)) {
            owed.addAndGet(n);
            s.request(n); // §3.17 not at stake: n <= window
        } else if (mine == 0 && retryArmed.compareAndSet(false, true)) {
            try {
                loop.schedule(retry, RETRY); // nothing of ours will trigger a retry: a timer will
            } catch (RejectedExecutionException e) {
                fail(e);
            }
        }
    }

    private void fail(Throwable error) {
        failed = true;
        stopped = true;
        Subscription s = subscription.getAndSet(CancelledSubscription.INSTANCE);
        if (s != null && s != CancelledSubscription.INSTANCE) {
            s.cancel(); // §2.6, §3.12: the ingestion is over
        }
        completion.completeExceptionally(error);
    }

    private RejectedExecutionException shutDown(String what) {
        return new RejectedExecutionException("loop '" + loop.name() + "' shut down with " + what);
    }

    /** A run of this subscriber on the loop: one the loop drops means the ingestion cannot finish. */
    private abstract class LoopRun implements Runnable, DropAware {
        @Override
        public final void rejected(RejectedExecutionException reason) {
            fail(reason); // never run, and it never will
        }
    }

    /** One run per item handed over (see handleNext). */
    private final class HandleNext extends LoopRun {
        @Override
        public void run() {
            handleNext();
        }

        /** A shutdownNow() handed this run back unrun. */
        @Override
        public void cancelledByLoop() {
            fail(shutDown("items of this subscriber not yet handled"));
        }
    }

    /** The retry timer (see requestMore). */
    private final class Retry extends LoopRun {
        @Override
        public void run() {
            replenish();
        }

        @Override
        public void cancelledByLoop() {
            fail(shutDown("this subscriber waiting to request more"));
        }
    }

    /** Stands for a subscription given up. */
    private enum CancelledSubscription implements Subscription {
        INSTANCE;

        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    }
}
