package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Loop;
import org.reactivestreams.FlowAdapters;

import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * {@link java.util.concurrent.Flow} views of {@link LoopIngestSubscriber}, through the Reactive Streams
 * {@link FlowAdapters}: the same flow control and thread rules.
 */
public final class FlowIngest {

    private FlowIngest() {
    }

    /** @return {@code subscriber} as a {@link Flow.Subscriber} (keep {@code subscriber} for its completion) */
    public static <T> Flow.Subscriber<T> from(LoopIngestSubscriber<T> subscriber) {
        return FlowAdapters.toFlowSubscriber(Objects.requireNonNull(subscriber, "subscriber"));
    }

    /** @return a {@link Flow.Subscriber} running {@code handler} on {@code loop} for every item */
    public static <T> Flow.Subscriber<T> subscriber(Loop loop, Consumer<? super T> handler) {
        return from(LoopIngestSubscriber.create(loop, handler));
    }
}
