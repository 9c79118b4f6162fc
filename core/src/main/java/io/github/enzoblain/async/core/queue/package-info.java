/**
 * Run queues: the pluggable {@link io.github.enzoblain.async.core.queue.RunQueue} that orders a loop's ready work
 * (FIFO, priority classes, bounded), and the {@link io.github.enzoblain.async.core.queue.AdmissionPolicy} applied when
 * a bounded queue is full.
 */
package io.github.enzoblain.async.core.queue;
