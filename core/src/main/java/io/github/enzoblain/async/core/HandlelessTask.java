package io.github.enzoblain.async.core;

/**
 * A plain {@code execute()} task that the loop tracks for its listeners ({@link LoopListener#trackingInterval()}): a
 * {@link LoopTask} like any other on its way through the loop, but its submitter holds no handle. So a refusal after
 * the call returned, which a handle would carry, goes to the error handler, as it does for an untracked plain task.
 * Adds no field: the class is the mark, checked only when the loop refuses a task.
 */
final class HandlelessTask extends LoopTask<Void> {

    HandlelessTask(Loop loop, long id, Runnable body, int priority) {
        super(loop, id, body, priority, false);
    }
}
