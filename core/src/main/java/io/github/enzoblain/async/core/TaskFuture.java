package io.github.enzoblain.async.core;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The stage and future of a {@link LoopTask}: completed only by the task. Its {@code cancel} cancels the task; the
 * completing methods a caller could use to forge a result ({@code complete*}, {@code obtrude*}, and {@code orTimeout},
 * which completes it too) throw {@link UnsupportedOperationException}; a blocking get on the loop's own driver thread
 * fails fast instead of waiting forever.
 */
final class TaskFuture<T> extends CompletableFuture<T> {

    private final LoopTask<T> task;

    TaskFuture(LoopTask<T> task) {
        this.task = task;
    }

    void settleValue(T value) {
        super.complete(value);
    }

    void settleError(Throwable error) {
        // a task that failed with a CancellationException (a spawned task whose stage was cancelled) failed: completed
        // with it bare, the future would read cancelled; wrapped, get() still throws it as the ExecutionException's cause
        super.completeExceptionally(error instanceof CancellationException ? new CompletionException(error) : error);
    }

    void settleCancelled() {
        super.cancel(false);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        task.cancel();
        return isCancelled();
    }

    @Override
    public boolean complete(T value) {
        throw new UnsupportedOperationException("a task's result is set by the task; use thenApply for a derived stage");
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        throw new UnsupportedOperationException("a task's result is set by the task; use cancel() to stop it");
    }

    @Override
    public void obtrudeValue(T value) {
        throw new UnsupportedOperationException("a task's result is set by the task");
    }

    @Override
    public void obtrudeException(Throwable ex) {
        throw new UnsupportedOperationException("a task's result is set by the task");
    }

    // the JDK's completeAsync completes through an internal method, around complete(): it would forge a result;
    // orTimeout and completeOnTimeout call the methods above on the JDK's delayer thread, where the refusal is lost
    // and the stage never times out. All three refuse at the call instead.

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
        throw new UnsupportedOperationException("a task's result is set by the task");
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
        throw new UnsupportedOperationException("a task's result is set by the task");
    }

    @Override
    public CompletableFuture<T> orTimeout(long timeout, TimeUnit unit) {
        throw new UnsupportedOperationException("a task's result is set by the task; use copy().orTimeout(...)");
    }

    @Override
    public CompletableFuture<T> completeOnTimeout(T value, long timeout, TimeUnit unit) {
        throw new UnsupportedOperationException(
                "a task's result is set by the task; use copy().completeOnTimeout(...)");
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        checkNotDriver();
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        checkNotDriver();
        return super.get(timeout, unit);
    }

    @Override
    public T join() {
        checkNotDriver();
        return super.join();
    }

    private void checkNotDriver() {
        if (!isDone() && task.loop.inLoop()) {
            throw new IllegalStateException(
                    "blocking on task " + task.id() + " from its own loop's driver thread would wait forever");
        }
    }
}
