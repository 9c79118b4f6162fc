package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopThread;
import io.github.enzoblain.async.reactive.LoopIngestSubscriber;
import org.reactivestreams.Subscriber;
import org.reactivestreams.tck.SubscriberBlackboxVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/** LoopIngestSubscriber, blackbox (it requests on its own), on a loop driven by a LoopThread. */
public class IngestSubscriberBlackboxTckTest extends SubscriberBlackboxVerification<Integer> {

    private Loop loop;
    private LoopThread thread;

    public IngestSubscriberBlackboxTckTest() {
        super(Tck.environment());
    }

    @BeforeClass
    public void startLoop() {
        loop = Loop.builder().name("ingest-blackbox").build();
        thread = Tck.start(loop);
    }

    @AfterClass(alwaysRun = true)
    public void stopLoop() {
        thread.close();
    }

    @Override
    public Subscriber<Integer> createSubscriber() {
        return LoopIngestSubscriber.create(loop, i -> { });
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
