/**
 * Observability built on {@link io.github.enzoblain.async.core.LoopListener}, with the JDK alone:
 * {@link io.github.enzoblain.async.core.trace.LoopMetrics} (counters and latency distributions),
 * {@link io.github.enzoblain.async.core.trace.TraceRecorder} (a bounded event trace exported as Chrome Trace Event
 * Format JSON, for Perfetto) and {@link io.github.enzoblain.async.core.trace.JfrLoopListener} (JDK Flight Recorder
 * events). Each is a listener installed at build time ({@code Loop.builder().listener(...)}); a loop with none of them
 * installed pays nothing for them.
 */
package io.github.enzoblain.async.core.trace;
