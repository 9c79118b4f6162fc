package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.queue.RunQueues;
import io.github.enzoblain.async.reactive.TaskPublisher;
import io.github.enzoblain.async.reactive.TaskResult;
import org.reactivestreams.Publisher;

/**
 * TaskPublisher on a loop whose run queue is bounded (8 tasks, watermarks 6/2) with a prefetch of 32: each
 * subscription's admission is capped by the queue's capacity. Several subscriptions sharing the loop (the TCK runs
 * some at once) can still fill it: a task the loop rejects is then a result carrying the RejectedExecutionException.
 */
public class TaskPublisherBoundedRunQueueTckTest extends TaskPublisherTckBase {

    @Override
    Loop newLoop() {
        return Loop.builder().name("bounded").runQueue(RunQueues.boundedFifo(8)).watermarks(6, 2).build();
    }

    @Override
    public Publisher<TaskResult<Long>> createPublisher(long elements) {
        return TaskPublisher.<Long>builder(loop, Tck.callables(elements)).prefetch(32).build();
    }

    @Override
    public Publisher<TaskResult<Long>> createFailedPublisher() {
        return TaskPublisher.<Long>builder(loop, Tck.failed()).build();
    }
}
