/**
 * Metrics and backpressure signals of a loop for Reactor users: {@link
 * io.github.enzoblain.async.reactive.metrics.LoopMeterBinder} (Micrometer, an optional dependency) and {@link
 * io.github.enzoblain.async.reactive.metrics.LoopSignals} (watermark crossings as a {@code Flux}). Both are built on the
 * core's {@code LoopListener} hooks.
 */
package io.github.enzoblain.async.reactive.metrics;
