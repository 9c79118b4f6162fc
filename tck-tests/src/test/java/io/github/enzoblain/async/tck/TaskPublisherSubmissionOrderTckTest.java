package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.reactive.TaskPublisher;
import io.github.enzoblain.async.reactive.TaskResult;
import org.reactivestreams.Publisher;

/** TaskPublisher in submission order ({@code ordered(true)}), prefetch 4. */
public class TaskPublisherSubmissionOrderTckTest extends TaskPublisherTckBase {

    @Override
    public Publisher<TaskResult<Long>> createPublisher(long elements) {
        return TaskPublisher.<Long>builder(loop, Tck.callables(elements)).ordered(true).prefetch(4).build();
    }

    @Override
    public Publisher<TaskResult<Long>> createFailedPublisher() {
        return TaskPublisher.<Long>builder(loop, Tck.failed()).ordered(true).build();
    }
}
