package io.github.enzoblain.async.core;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * A thread that drives one {@link Loop} with {@link Loop#run(IdleStrategy)}: the production driver, created explicitly
 * by its user (core never starts a thread on its own).
 *
 * <pre>{@code
 * Loop loop = Loop.create();
 * try (LoopThread thread = LoopThread.start(loop)) {
 *     loop.submit(() -> "hello").toCompletionStage().thenAccept(System.out::println);
 * } // close(): the loop closes gracefully and the thread ends
 * }</pre>
 */
public final class LoopThread implements AutoCloseable {

    private final Loop loop;
    private final Thread thread;
    private volatile Throwable crash;

    private LoopThread(Loop loop, IdleStrategy idle, ThreadFactory factory) {
        this.loop = loop;
        Runnable body = () -> {
            try {
                loop.run(idle);
            } catch (Throwable t) {
                crash = t;
                throw t;
            }
        };
        this.thread = factory.newThread(body);
        if (thread == null) {
            throw new IllegalStateException("thread factory returned null");
        }
    }

    /** Starts a daemon thread named after the loop, idling with {@code IdleStrategy.backoff(100, 10)}. */
    public static LoopThread start(Loop loop) {
        Objects.requireNonNull(loop, "loop");
        return start(loop, IdleStrategy.backoff(100, 10), r -> {
            Thread t = new Thread(r, loop.name());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts a thread made by {@code factory} that drives {@code loop} with {@code idle}.
     *
     * @throws IllegalStateException if the factory returns null
     */
    public static LoopThread start(Loop loop, IdleStrategy idle, ThreadFactory factory) {
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(idle, "idle");
        Objects.requireNonNull(factory, "factory");
        LoopThread lt = new LoopThread(loop, idle, factory);
        lt.thread.start();
        return lt;
    }

    /** @return the driving thread */
    public Thread thread() {
        return thread;
    }

    /** @return the loop driven */
    public Loop loop() {
        return loop;
    }

    /** @return the error that ended the thread abnormally, or null */
    public Throwable crash() {
        return crash;
    }

    /**
     * Waits until the thread has ended.
     *
     * @return whether it ended within {@code timeout}
     */
    public boolean join(Duration timeout) throws InterruptedException {
        thread.join(Math.max(1, Loop.saturatedNanos(timeout) / 1_000_000)); // any Duration, without overflow
        return !thread.isAlive();
    }

    /** Closes the loop gracefully ({@link Loop#close()}) and waits for the thread to end. */
    @Override
    public void close() {
        loop.close();
        boolean interrupted = false;
        while (thread.isAlive() && thread != Thread.currentThread()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
