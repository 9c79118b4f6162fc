package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.reactive.TaskPublisher;
import io.github.enzoblain.async.reactive.TaskResult;
import org.reactivestreams.Publisher;

/** TaskPublisher, default options: results in completion order, prefetch 16. */
public class TaskPublisherCompletionOrderTckTest extends TaskPublisherTckBase {

    @Override
    public Publisher<TaskResult<Long>> createPublisher(long elements) {
        return TaskPublisher.<Long>builder(loop, Tck.callables(elements)).build();
    }

    @Override
    public Publisher<TaskResult<Long>> createFailedPublisher() {
        return TaskPublisher.<Long>builder(loop, Tck.failed()).build();
    }
}
