package io.github.enzoblain.async.benchmarks;

import io.github.enzoblain.async.core.time.TimerWheel;

/**
 * A raw {@link TimerWheel} entry whose firing bumps a {@link Counter}: the smallest timer the wheel can hold.
 *
 * <p><b>Concurrency.</b> Owned by the single thread that owns the wheel.
 */
final class WheelTimer extends TimerWheel.Entry {

    private final Counter counter;

    WheelTimer(Counter counter) {
        this.counter = counter;
    }

    void fire() {
        counter.run();
    }
}
