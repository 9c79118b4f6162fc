package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopThread;
import org.reactivestreams.FlowAdapters;
import org.reactivestreams.tck.flow.FlowSubscriberWhiteboxVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

import java.util.concurrent.Flow;

/** The java.util.concurrent.Flow view of LoopIngestSubscriber, whitebox. */
public class FlowIngestWhiteboxTckTest extends FlowSubscriberWhiteboxVerification<Integer> {

    private Loop loop;
    private LoopThread thread;

    public FlowIngestWhiteboxTckTest() {
        super(Tck.environment());
    }

    @BeforeClass
    public void startLoop() {
        loop = Loop.builder().name("flow-ingest-whitebox").build();
        thread = Tck.start(loop);
    }

    @AfterClass(alwaysRun = true)
    public void stopLoop() {
        thread.close();
    }

    @Override
    protected Flow.Subscriber<Integer> createFlowSubscriber(WhiteboxSubscriberProbe<Integer> probe) {
        return FlowAdapters.toFlowSubscriber(new ProbedIngestSubscriber<>(loop, probe));
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
