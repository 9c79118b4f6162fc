/**
 * The loop: {@link io.github.enzoblain.async.core.Loop}, its task handles, lifecycle hooks, stats, idle strategies,
 * the virtual clock and the explicit {@link io.github.enzoblain.async.core.LoopThread}. Depends on the JDK only.
 */
package io.github.enzoblain.async.core;
