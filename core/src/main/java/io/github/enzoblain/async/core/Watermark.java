package io.github.enzoblain.async.core;

/** A crossing of a loop's run-queue watermarks: the backpressure signal. */
public enum Watermark {
    /** The queue depth rose to the high watermark: producers should slow down. */
    HIGH,
    /** After a {@link #HIGH}, the queue depth fell to the low watermark: producers may resume. */
    LOW
}
