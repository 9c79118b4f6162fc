package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.core.IdleStrategy;
import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopThread;
import io.github.enzoblain.async.reactive.TaskPublisher;
import io.github.enzoblain.async.reactive.TaskResult;
import org.reactivestreams.Publisher;

/**
 * TaskPublisher on a loop on the system clock driven by a LoopThread that parks when idle (so every cross-thread
 * request must wake it), with no prefetch: a task is admitted only against outstanding demand.
 */
public class TaskPublisherParkingLoopThreadTckTest extends TaskPublisherTckBase {

    @Override
    LoopThread newThread(Loop loop) {
        return LoopThread.start(loop, IdleStrategy.parking(), r -> {
            Thread t = new Thread(r, "parking-loop");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public Publisher<TaskResult<Long>> createPublisher(long elements) {
        return TaskPublisher.<Long>builder(loop, Tck.callables(elements)).prefetch(0).build();
    }

    @Override
    public Publisher<TaskResult<Long>> createFailedPublisher() {
        return TaskPublisher.<Long>builder(loop, Tck.failed()).prefetch(0).build();
    }
}
