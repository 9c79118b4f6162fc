package io.github.enzoblain.async.reactive;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Tells BlockHound that a {@link NonBlockingLoopThread} must not block. Loaded by BlockHound through
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
    }
}
