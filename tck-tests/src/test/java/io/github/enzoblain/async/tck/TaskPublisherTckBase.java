package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopThread;
import io.github.enzoblain.async.reactive.TaskResult;
import org.reactivestreams.tck.PublisherVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/** One loop, driven by a LoopThread on the system clock, per verified configuration. */
abstract class TaskPublisherTckBase extends PublisherVerification<TaskResult<Long>> {

    Loop loop;
    private LoopThread thread;

    TaskPublisherTckBase() {
        super(Tck.environment(), Tck.GC_TIMEOUT_MILLIS);
    }

    /** @return the loop for this configuration */
    Loop newLoop() {
        return Loop.builder().name(getClass().getSimpleName()).build();
    }

    /** @return the thread driving the loop for this configuration */
    LoopThread newThread(Loop loop) {
        return Tck.start(loop);
    }

    @BeforeClass
    public void startLoop() {
        loop = newLoop();
        thread = newThread(loop);
    }

    @AfterClass(alwaysRun = true)
    public void stopLoop() {
        thread.close();
        if (thread.crash() != null) {
            throw new AssertionError("loop thread crashed", thread.crash());
        }
    }
}
