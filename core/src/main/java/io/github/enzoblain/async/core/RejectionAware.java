package io.github.enzoblain.async.core;

import java.util.concurrent.RejectedExecutionException;

/**
 * A task that is told when its loop refuses it after the call that submitted it has returned: taken in from another
 * thread while a bounded run queue is full, evicted from the queue by the admission policy, or found waiting in the
 * inbox after the loop terminated. A refusal at the call throws there instead and does not call it.
 *
 * <p>The loop checks for this interface only when it refuses a task, never on the way to running one. The object
 * checked is the one the caller submitted (the {@code Runnable} or {@code Callable} behind a handle, too). Adapters use
 * it to free what they hold for the task and to report the refusal where their users look: the reactive module's
 * scheduler reports it through Reactor's error hooks. A task that implements it is not also reported to the loop's
 * {@linkplain Loop.Builder#errorHandler error handler}, since it has been told; a task with a handle is not reported
 * there either way (its handle reads {@link TaskState#REJECTED} and its stage fails with the same exception).
 *
 * <p><b>Concurrency.</b> Called once per refusal, on the thread that refused the task: the loop's driver, or a submitter
 * that found the loop terminated under its submission. A handle, if any, reads REJECTED before the call. It should be
 * short and must not block; an exception it throws goes to the error handler and changes nothing else.
 */
public interface RejectionAware {

    /** @param reason why the loop refused the task: the exception its handle (if any) fails with */
    void rejected(RejectedExecutionException reason);
}
