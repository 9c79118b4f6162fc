package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.LoopThread;
import reactor.core.scheduler.NonBlocking;
import reactor.util.Logger;
import reactor.util.Loggers;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * A daemon thread that drives a {@link io.github.enzoblain.async.core.Loop} and tells Reactor it must not block: it is
 * a {@link NonBlocking} thread, so {@code block()}, {@code blockFirst()} and {@code blockLast()} called on it fail fast
 * with {@link IllegalStateException}, as on Reactor's parallel scheduler, and BlockHound (when installed) treats it as
 * non-blocking (see {@link LoopBlockHoundIntegration}).
 *
 * <p>Made by {@link #factory(String)} and given to {@link LoopThread#start(io.github.enzoblain.async.core.Loop,
 * io.github.enzoblain.async.core.IdleStrategy, ThreadFactory)}; {@link LoopScheduler#newLoopThread(String)} does both.
 *
 * <p>Its uncaught-exception handler logs through Reactor's {@link Loggers}, as Reactor's own scheduler threads do, so a
 * task error that {@link LoopScheduler} reports on this thread lands in the application's log.
 *
 * <p><b>Concurrency.</b> A plain {@link Thread}; nothing beyond {@link Thread}'s own guarantees.
 */
public final class NonBlockingLoopThread extends Thread implements NonBlocking {

    private static final Logger LOG = Loggers.getLogger(LoopScheduler.class);

    NonBlockingLoopThread(Runnable body, String name) {
        super(body, name);
        setDaemon(true);
        // as Reactor's own scheduler threads: a task's error reported here goes to Reactor's log, not System.err
        setUncaughtExceptionHandler((t, e) ->
                LOG.error("Scheduler worker in thread '" + t.getName() + "' failed with an uncaught exception", e));
    }

    /** @return a factory of daemon {@link NonBlockingLoopThread}s named {@code name} */
    public static ThreadFactory factory(String name) {
        Objects.requireNonNull(name, "name");
        return body -> new NonBlockingLoopThread(body, name);
    }
}
