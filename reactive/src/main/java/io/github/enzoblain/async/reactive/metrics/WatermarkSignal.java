package io.github.enzoblain.async.reactive.metrics;

import io.github.enzoblain.async.core.Watermark;

import java.util.Objects;

/**
 * A crossing of a loop's run-queue watermarks, as emitted by {@link LoopSignals#signals()}.
 *
 * @param mark       {@link Watermark#HIGH}: producers should pause; {@link Watermark#LOW}: they may resume
 * @param queueDepth the run-queue depth at the crossing
 * @param sequence   the crossing's number on this loop, from 0 (HIGH crossings are even, LOW ones odd)
 */
public record WatermarkSignal(Watermark mark, int queueDepth, long sequence) {

    /** Checks the mark. */
    public WatermarkSignal {
        Objects.requireNonNull(mark, "mark");
    }

    /** @return whether producers should pause */
    public boolean isHigh() {
        return mark == Watermark.HIGH;
    }
}
