package io.github.enzoblain.async.core;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

/**
 * A task submitted to a {@link Loop}: its identity, its state, its result, and the way to cancel it.
 *
 * <p><b>Concurrency.</b> Every method is safe from any thread. The state is published with volatile semantics: a thread
 * that sees a terminal state also sees the task's result and everything the task wrote before it ended. The
 * {@linkplain #toCompletionStage() stage} completes on the loop's thread (or on the cancelling thread for a
 * cancellation), so dependent actions registered without an executor run there.
 *
 * @param <T> the result type
 */
public interface TaskHandle<T> extends Cancellable {

    /**
     * @return the task's id: unique within its loop, and larger than the id of every task whose submission
     *         happened-before this one's (so increasing in one thread's submission order); not consecutive
     */
    long id();

    /** @return the current state */
    TaskState state();

    /** @return whether the state is terminal */
    @Override
    default boolean isDone() {
        return state().isTerminal();
    }

    /**
     * Cancels the task if it has not started: O(1) from any thread. A queued task is skipped without a scan; a pending
     * timer is unlinked from the wheel: at once on the loop's thread; from another thread when the loop next takes in
     * its inbox (a parked loop is not woken for it: it does so when it wakes for anything else, at the latest for its
     * next timer), and only then do listeners hear {@code onCancel}.
     * A periodic task is cancelled between runs, or after the run in progress (a call during a run says true, and the
     * task ends cancelled once the run ends, even if the run throws and the loop stops periodic tasks on failure; of
     * several calls, one alone says true).
     *
     * @return whether this call cancelled the task
     */
    @Override
    boolean cancel();

    /**
     * @return the result as a stage; completes exceptionally with the failure, a cancellation or the rejection (a
     *     failure that is itself a {@code CancellationException}, such as a spawned task's cancelled stage, comes
     *     wrapped in a {@code CompletionException}: the stage of a task that failed never reads cancelled). Only
     *     the loop completes it: its {@code toCompletableFuture()}'s completing methods ({@code complete},
     *     {@code completeAsync}, {@code completeExceptionally}, {@code obtrude*}, and {@code orTimeout} and
     *     {@code completeOnTimeout}, which complete it too) throw {@link UnsupportedOperationException}; to bound a
     *     wait, derive a stage first ({@code copy().orTimeout(...)})
     */
    CompletionStage<T> toCompletionStage();

    /**
     * @return the result as a {@link Future} (the same object as the stage). Its {@code cancel} cancels the task; its
     *     {@code get} throws {@link IllegalStateException} when called on the loop's own driver thread before the task is
     *     done, since it would wait forever.
     */
    Future<T> future();

    /** @return the priority class (for priority run queues) */
    int priority();

    /** @return the loop clock's reading when the task was submitted */
    long submittedAt();

    /** @return the loop clock's reading when the task last started, or -1 if it never ran */
    long startedAt();

    /**
     * @return the loop clock's reading when the task is (next) due, for a delayed or periodic task; -1 otherwise.
     *     {@link Long#MAX_VALUE} for a deadline the clock cannot reach (past {@code Long.MAX_VALUE}, e.g. a huge delay,
     *     or a clock started near the end of its range): such a timer never fires, since it would fire early
     */
    long deadline();

    /** @return whether the task is periodic */
    boolean isPeriodic();

    /** @return the task object the caller submitted (a {@code Runnable}, {@code Callable} or {@code Supplier}) */
    Object task();

    /** @return the task's {@link Labelled#label() label} if it has one, otherwise {@code null} */
    default String label() {
        Object t = task();
        return t instanceof Labelled ? ((Labelled) t).label() : null;
    }
}
