package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Loop;
import org.reactivestreams.FlowAdapters;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Flow;

/**
 * {@link java.util.concurrent.Flow} views of {@link TaskPublisher}, through the Reactive Streams
 * {@link FlowAdapters}: the same demand-driven admission, the same signals, the same thread rules.
 */
public final class FlowTaskPublisher {

    private FlowTaskPublisher() {
    }

    /** @return {@code publisher} as a {@link Flow.Publisher} */
    public static <T> Flow.Publisher<TaskResult<T>> from(TaskPublisher<T> publisher) {
        return FlowAdapters.toFlowPublisher(Objects.requireNonNull(publisher, "publisher"));
    }

    /** @return a builder of task publishers whose tasks come from a {@link Flow.Publisher} of callables */
    public static <T> TaskPublisher.Builder<T> builder(Loop loop, Flow.Publisher<? extends Callable<? extends T>> tasks) {
        return TaskPublisher.builder(loop, FlowAdapters.toPublisher(Objects.requireNonNull(tasks, "tasks")));
    }

    /** @return a builder of task publishers whose {@link TaskSpec}s come from a {@link Flow.Publisher} */
    public static <T> TaskPublisher.Builder<T> ofSpecs(Loop loop, Flow.Publisher<? extends TaskSpec<? extends T>> tasks) {
        return TaskPublisher.ofSpecs(loop, FlowAdapters.toPublisher(Objects.requireNonNull(tasks, "tasks")));
    }
}
