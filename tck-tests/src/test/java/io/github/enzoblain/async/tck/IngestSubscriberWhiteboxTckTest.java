package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopThread;
import org.reactivestreams.Subscriber;
import org.reactivestreams.tck.SubscriberWhiteboxVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/** LoopIngestSubscriber, whitebox, on a loop driven by a LoopThread. */
public class IngestSubscriberWhiteboxTckTest extends SubscriberWhiteboxVerification<Integer> {

    private Loop loop;
    private LoopThread thread;

    public IngestSubscriberWhiteboxTckTest() {
        super(Tck.environment());
    }

    @BeforeClass
    public void startLoop() {
        loop = Loop.builder().name("ingest-whitebox").build();
        thread = Tck.start(loop);
    }

    @AfterClass(alwaysRun = true)
    public void stopLoop() {
        thread.close();
    }

    @Override
    public Subscriber<Integer> createSubscriber(WhiteboxSubscriberProbe<Integer> probe) {
        return new ProbedIngestSubscriber<>(loop, probe);
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
