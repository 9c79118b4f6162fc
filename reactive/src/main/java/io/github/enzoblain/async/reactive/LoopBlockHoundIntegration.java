package io.github.enzoblain.async.reactive;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Tells BlockHound that a {@link NonBlockingLoopThread} must not block, except where the loop itself waits for work:
 * its idle phase ({@code Loop.idle}: the idle strategy's spinning, yielding or parking, and {@code Loop.park}) and the
 * inbox's brief spin on a slot a producer is still writing ({@code Inbox.poll}). No task runs inside any of these, so a
 * task that blocks is still reported. (A spawned task's completion no longer waits for room in a full inbox: it needs
 * no exemption.) The names are core's own private methods: {@code LoopBlockHoundTest} parks a loop thread under
 * BlockHound, so a rename in core fails that test rather than this exemption going quietly stale. Loaded by BlockHound through
 * {@link java.util.ServiceLoader} ({@code META-INF/services/reactor.blockhound.integration.BlockHoundIntegration});
 * BlockHound is an optional dependency, so this class is inert unless the application installs BlockHound.
 *
 * <p>reactor-core's own integration already marks every {@link reactor.core.scheduler.NonBlocking} thread; this one
 * keeps the loop thread covered whatever integrations are present or in which order they apply.
 *
 * <p><b>Concurrency.</b> Stateless.
 */
public final class LoopBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.nonBlockingThreadPredicate(p -> p.or(t -> t instanceof NonBlockingLoopThread));
        builder.allowBlockingCallsInside("io.github.enzoblain.async.core.Loop", "idle");
        builder.allowBlockingCallsInside("io.github.enzoblain.async.core.Loop", "park");
        builder.allowBlockingCallsInside("io.github.enzoblain.async.core.Inbox", "poll");
    }
}
