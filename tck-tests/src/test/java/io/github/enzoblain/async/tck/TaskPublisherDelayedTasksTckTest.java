package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.reactive.TaskPublisher;
import io.github.enzoblain.async.reactive.TaskResult;
import org.reactivestreams.Publisher;

/** TaskPublisher of delayed tasks (0, 1, 2 ms in turn, real time), in completion order. */
public class TaskPublisherDelayedTasksTckTest extends TaskPublisherTckBase {

    @Override
    public Publisher<TaskResult<Long>> createPublisher(long elements) {
        return TaskPublisher.<Long>ofSpecs(loop, Tck.delayed(elements)).build();
    }

    @Override
    public Publisher<TaskResult<Long>> createFailedPublisher() {
        return TaskPublisher.<Long>ofSpecs(loop, Tck.failed()).build();
    }
}
