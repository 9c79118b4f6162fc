package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopThread;
import io.github.enzoblain.async.reactive.FlowTaskPublisher;
import io.github.enzoblain.async.reactive.TaskPublisher;
import io.github.enzoblain.async.reactive.TaskResult;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

import java.util.concurrent.Flow;

/** The java.util.concurrent.Flow view of TaskPublisher (default options), on a loop driven by a LoopThread. */
public class FlowTaskPublisherTckTest extends FlowPublisherVerification<TaskResult<Long>> {

    private Loop loop;
    private LoopThread thread;

    public FlowTaskPublisherTckTest() {
        super(Tck.environment(), Tck.GC_TIMEOUT_MILLIS);
    }

    @BeforeClass
    public void startLoop() {
        loop = Loop.builder().name("flow-publisher").build();
        thread = Tck.start(loop);
    }

    @AfterClass(alwaysRun = true)
    public void stopLoop() {
        thread.close();
    }

    @Override
    public Flow.Publisher<TaskResult<Long>> createFlowPublisher(long elements) {
        return FlowTaskPublisher.from(TaskPublisher.<Long>builder(loop, Tck.callables(elements)).build());
    }

    @Override
    public Flow.Publisher<TaskResult<Long>> createFailedFlowPublisher() {
        return FlowTaskPublisher.from(TaskPublisher.<Long>builder(loop, Tck.failed()).build());
    }
}
