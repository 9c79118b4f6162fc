package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopThread;
import io.github.enzoblain.async.reactive.TaskSpec;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.TestEnvironment;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Shared settings and upstreams of the TCK verifications. */
final class Tck {

    /**
     * Timeouts sized for a loaded 2-core CI machine. The default timeout only elapses when a test fails (it bounds the
     * wait for an expected signal); the no-signals timeout is how long a test watches for a signal that must not come,
     * so it is paid by many tests and kept shorter; the poll timeout is the granularity of those watches.
     */
    static final long TIMEOUT_MILLIS = 2_000;
    static final long NO_SIGNALS_TIMEOUT_MILLIS = 250;
    static final long POLL_TIMEOUT_MILLIS = 25;
    static final long GC_TIMEOUT_MILLIS = 3_000;

    private Tck() {
    }

    static TestEnvironment environment() {
        return new TestEnvironment(TIMEOUT_MILLIS, NO_SIGNALS_TIMEOUT_MILLIS, POLL_TIMEOUT_MILLIS);
    }

    /** Starts a loop on the system clock driven by a LoopThread. */
    static LoopThread start(Loop loop) {
        return LoopThread.start(loop);
    }

    /** @return an upstream of {@code n} callables returning 0, 1, 2, ... (n up to Long.MAX_VALUE) */
    static Publisher<Callable<Long>> callables(long n) {
        return Flux.<Callable<Long>, Long>generate(() -> 0L, (i, sink) -> {
            sink.next(() -> i);
            return i + 1;
        }).take(n);
    }

    /** @return an upstream of {@code n} callables where every third one throws */
    static Publisher<Callable<Long>> failingEveryThird(long n) {
        return Flux.<Callable<Long>, Long>generate(() -> 0L, (i, sink) -> {
            sink.next(() -> {
                if (i % 3 == 2) {
                    throw new IllegalStateException("task " + i + " fails on purpose");
                }
                return i;
            });
            return i + 1;
        }).take(n);
    }

    /** @return an upstream of {@code n} task specs delayed by 0, 1 or 2 ms in turn (so completion order differs) */
    static Publisher<TaskSpec<Long>> delayed(long n) {
        return Flux.<TaskSpec<Long>, Long>generate(() -> 0L, (i, sink) -> {
            sink.next(TaskSpec.delayed(() -> i, Duration.ofMillis(i % 3)));
            return i + 1;
        }).take(n);
    }

    /** @return an upstream that fails at once */
    static <X> Publisher<X> failed() {
        return Flux.error(new IllegalStateException("upstream fails on purpose"));
    }
}
