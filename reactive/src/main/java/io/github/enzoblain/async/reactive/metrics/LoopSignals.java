package io.github.enzoblain.async.reactive.metrics;

import io.github.enzoblain.async.core.LoopListener;
import io.github.enzoblain.async.core.Watermark;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.util.ArrayDeque;

/**
 * A listener that turns a loop's watermark crossings into a hot {@link Flux}, so a pipeline can react to backpressure:
 * pause an upstream at {@link Watermark#HIGH}, resume it at {@link Watermark#LOW}.
 *
 * <pre>{@code
 * LoopSignals signals = new LoopSignals();
 * Loop loop = Loop.builder().watermarks(1024, 256).listener(signals).build();
 * upstream.concatMap(item -> signals.whenAccepting().thenReturn(item), 1)   // waits while the loop is above HIGH
 *         .subscribe(item -> loop.execute(() -> handle(item)));
 * }</pre>
 *
 * <p><b>Concurrency.</b> Crossings are emitted on the loop's driver thread, in the loop's order, from inside the loop's
 * listener callback: subscribers must be quick and must not block. A subscriber that reacts by submitting to the same
 * loop may do so (the loop accepts submissions from its callbacks); a crossing caused by that reaction is emitted after
 * the current one has been delivered (the emissions are trampolined, §1.3: {@code onNext} is never re-entered). To
 * react elsewhere, use {@code publishOn}. Subscribing, cancelling and {@link #whenAccepting()} are safe from any thread.
 *
 * <p><b>Demand.</b> The flux is hot and multicast, best effort per subscriber: a subscriber that has no outstanding
 * demand when a crossing is emitted misses that crossing (it is never buffered, so a stalled subscriber costs
 * nothing); the others still get it. Use {@link #isAboveHighWatermark()} or {@link #whenAccepting()} for the current
 * state rather than the history. The flux completes when {@link #complete()} is called.
 *
 * <p>One instance serves one loop.
 */
public final class LoopSignals implements LoopListener {

    /*
     * Implementation notes.
     *
     * - Sinks.unsafe(): emissions come from one thread at a time (the loop's driver; a change of driver is ordered by
     *   the loop's driver CAS), and re-entrant emissions are queued in `pending` and drained by the outermost call, so
     *   the sink's own serialization check is not needed.
     * - `above` is written before the crossing is emitted, so whenAccepting() cannot miss a LOW: it subscribes to the
     *   crossings first and reads the flag second.
     */

    private final Sinks.Many<WatermarkSignal> sink = Sinks.unsafe().many().multicast().directBestEffort();
    private final ArrayDeque<WatermarkSignal> pending = new ArrayDeque<>();
    private volatile boolean above;
    private boolean emitting;
    private long crossings;

    @Override
    public void onWatermark(Watermark mark, int queueDepth) {
        above = mark == Watermark.HIGH;
        emit(new WatermarkSignal(mark, queueDepth, crossings++));
    }

    private void emit(WatermarkSignal signal) {
        pending.add(signal);
        if (emitting) {
            return; // re-entered from a subscriber: the outer call delivers it next
        }
        emitting = true;
        try {
            WatermarkSignal s;
            while ((s = pending.poll()) != null) {
                sink.tryEmitNext(s); // FAIL_ZERO_SUBSCRIBER / per-subscriber overflow: best effort, dropped
            }
        } finally {
            emitting = false;
        }
    }

    /** @return the crossings, hot: each subscriber sees those emitted while it is subscribed and has demand */
    public Flux<WatermarkSignal> signals() {
        return sink.asFlux();
    }

    /** @return whether the loop's run queue is above its high watermark (it crossed HIGH and not yet LOW) */
    public boolean isAboveHighWatermark() {
        return above;
    }

    /**
     * @return a {@link Mono} that completes at once when the loop is below its high watermark, otherwise at the next
     *     {@link Watermark#LOW} crossing (on the loop's thread); it never misses a crossing that happens while it is
     *     being subscribed
     */
    public Mono<Void> whenAccepting() {
        return Flux.merge(
                        sink.asFlux().filter(s -> !s.isHigh()).map(s -> Boolean.TRUE),
                        Mono.fromSupplier(() -> !above).filter(Boolean::booleanValue))
                .next()
                .then();
    }

    /**
     * Completes {@link #signals()}: call it on the loop's driver thread or once the loop no longer runs (after
     * {@code Loop.close()}); waiting {@link #whenAccepting()} subscribers complete too.
     */
    public void complete() {
        above = false;
        sink.tryEmitComplete();
    }
}
