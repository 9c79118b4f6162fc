package io.github.enzoblain.async.tck;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.reactive.LoopIngestSubscriber;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.reactivestreams.tck.SubscriberWhiteboxVerification.SubscriberPuppet;
import org.reactivestreams.tck.SubscriberWhiteboxVerification.WhiteboxSubscriberProbe;

/**
 * The whitebox view of a {@link LoopIngestSubscriber}: every signal goes to the real subscriber, and the probe hears
 * of it; an item is reported when the handler runs it on the loop. The puppet requests and cancels through the
 * subscription the real subscriber received.
 */
final class ProbedIngestSubscriber<T> implements Subscriber<T> {

    private final LoopIngestSubscriber<T> delegate;
    private final WhiteboxSubscriberProbe<T> probe;

    ProbedIngestSubscriber(Loop loop, WhiteboxSubscriberProbe<T> probe) {
        this.probe = probe;
        this.delegate = LoopIngestSubscriber.create(loop, probe::registerOnNext);
    }

    @Override
    public void onSubscribe(Subscription s) {
        delegate.onSubscribe(s);
        probe.registerOnSubscribe(new SubscriberPuppet() {
            @Override
            public void triggerRequest(long elements) {
                s.request(elements);
            }

            @Override
            public void signalCancel() {
                delegate.cancel();
            }
        });
    }

    @Override
    public void onNext(T item) {
        delegate.onNext(item);
    }

    @Override
    public void onError(Throwable error) {
        delegate.onError(error);
        probe.registerOnError(error);
    }

    @Override
    public void onComplete() {
        delegate.onComplete();
        probe.registerOnComplete();
    }
}
