/**
 * Time for the loop: the {@link io.github.enzoblain.async.core.time.Clock} abstraction and the hierarchical
 * {@link io.github.enzoblain.async.core.time.TimerWheel} that keeps pending timers with O(1) arm and cancel and fires
 * them in exact (deadline, sequence) order.
 */
package io.github.enzoblain.async.core.time;
