package io.github.enzoblain.async.reactive;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** Records every signal; requests only when told. Safe to read from the test thread. */
final class RecordingSubscriber<T> implements Subscriber<T> {
    final List<T> items = new CopyOnWriteArrayList<>();
    final CountDownLatch terminated = new CountDownLatch(1);
    volatile Subscription subscription;
    volatile Throwable error;
    volatile boolean completed;
    volatile int signalsAfterTerminal;

    @Override
    public void onSubscribe(Subscription s) {
        subscription = s;
    }

    @Override
    public void onNext(T t) {
        if (terminated.getCount() == 0) {
            signalsAfterTerminal++;
        }
        items.add(t);
    }

    @Override
    public void onError(Throwable t) {
        if (terminated.getCount() == 0) {
            signalsAfterTerminal++;
        }
        error = t;
        terminated.countDown();
    }

    @Override
    public void onComplete() {
        if (terminated.getCount() == 0) {
            signalsAfterTerminal++;
        }
        completed = true;
        terminated.countDown();
    }

    void request(long n) {
        subscription.request(n);
    }

    void cancel() {
        subscription.cancel();
    }
}
