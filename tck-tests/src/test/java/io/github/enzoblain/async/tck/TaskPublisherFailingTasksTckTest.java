package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.reactive.TaskPublisher;
import io.github.enzoblain.async.reactive.TaskResult;
import org.reactivestreams.Publisher;

/** TaskPublisher where every third task throws: the failures are results, the stream goes on. */
public class TaskPublisherFailingTasksTckTest extends TaskPublisherTckBase {

    @Override
    public Publisher<TaskResult<Long>> createPublisher(long elements) {
        return TaskPublisher.<Long>builder(loop, Tck.failingEveryThird(elements)).build();
    }

    @Override
    public Publisher<TaskResult<Long>> createFailedPublisher() {
        return TaskPublisher.<Long>builder(loop, Tck.failed()).build();
    }
}
