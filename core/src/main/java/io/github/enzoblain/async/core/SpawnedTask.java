package io.github.enzoblain.async.core;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A task whose work is asynchronous: it runs its supplier on the loop, then stays RUNNING until the returned stage
 * completes. The completion hops back onto the loop (through the inbox, or a lock-free stack of the loop's own when the
 * inbox is full, or the loop's local signal queue when the stage completes on the loop's own thread), so the task's own
 * stage always completes on the loop's thread.
 */
final class SpawnedTask<T> extends LoopTask<T> {

    Object stageValue;
    Throwable stageError;
    SpawnedTask<?> nextOverflow; // in the loop's overflow stack: a completion that found the inbox full

    SpawnedTask(Loop loop, long id, Supplier<? extends CompletionStage<T>> body) {
        super(loop, id, body, false, Loop.DEFAULT_PRIORITY, false);
    }

    @Override
    @SuppressWarnings("unchecked")
    Object invoke() {
        CompletionStage<T> stage = ((Supplier<? extends CompletionStage<T>>) body).get();
        if (stage == null) {
            throw new NullPointerException("spawn: the supplier returned a null CompletionStage");
        }
        return stage;
    }

    /** For {@link Loop#shutdownNow()}: running it calls the supplier (and drops the stage it returns). */
    @Override
    Runnable userTask() {
        Supplier<?> work = (Supplier<?>) body;
        return work::get;
    }

    @Override
    @SuppressWarnings("unchecked")
    void afterRun(Object value, Throwable error) {
        if (error != null) {
            loop.taskFailed(this, error, true);
            return;
        }
        loop.awaitStage(this);
        ((CompletionStage<T>) value).whenComplete((v, e) -> {
            stageValue = v;
            stageError = e;
            loop.stageCompleted(this); // publishes the fields through the inbox or the local queue
        });
    }
}
