package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopThread;
import io.github.enzoblain.async.reactive.FlowIngest;
import org.reactivestreams.tck.flow.FlowSubscriberBlackboxVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

import java.util.concurrent.Flow;

/** The java.util.concurrent.Flow view of LoopIngestSubscriber, blackbox. */
public class FlowIngestBlackboxTckTest extends FlowSubscriberBlackboxVerification<Integer> {

    private Loop loop;
    private LoopThread thread;

    public FlowIngestBlackboxTckTest() {
        super(Tck.environment());
    }

    @BeforeClass
    public void startLoop() {
        loop = Loop.builder().name("flow-ingest-blackbox").build();
        thread = Tck.start(loop);
    }

    @AfterClass(alwaysRun = true)
    public void stopLoop() {
        thread.close();
    }

    @Override
    public Flow.Subscriber<Integer> createFlowSubscriber() {
        return FlowIngest.subscriber(loop, (Integer i) -> { });
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
