package io.github.enzoblain.async.core.trace;

import io.github.enzoblain.async.core.time.Clock;

/** A clock the test (or a task) moves by hand, so run times are known; read and written on the driver thread. */
final class ManualClock implements Clock {
    private volatile long now;

    @Override
    public long nanoTime() {
        return now;
    }

    void advance(long nanos) {
        now += nanos;
    }
}
