package io.github.enzoblain.async.core;

/**
 * What a driver does when a cycle of {@link Loop#run(IdleStrategy)} found no work.
 *
 * <p>A strategy spins or yields by itself and returns 0, or returns how long the loop may park the driver. Parking is
 * the loop's job: it parks no longer than until the next timer is due, and a task from another thread wakes it (the
 * producer pays for the wake-up only while the driver is actually parked).
 *
 * <p>Stateful: one instance per driver.
 */
public interface IdleStrategy {

    /**
     * @return 0 to poll again at once, a positive number of nanoseconds to park at most, or {@link Long#MAX_VALUE} to
     *     park until woken or until the next timer
     */
    long idle();

    /** Called after a cycle that did work. */
    void reset();

    /** @return a strategy that burns a core for the lowest latency */
    static IdleStrategy busySpin() {
        return new IdleStrategy() {
            @Override
            public long idle() {
                Thread.onSpinWait();
                return 0;
            }

            @Override
            public void reset() {
            }
        };
    }

    /** @return a strategy that parks at once until work arrives or a timer is due */
    static IdleStrategy parking() {
        return new IdleStrategy() {
            @Override
            public long idle() {
                return Long.MAX_VALUE;
            }

            @Override
            public void reset() {
            }
        };
    }

    /**
     * Spins, then yields, then parks until woken. A spinning idle cycle waits 16 {@link Thread#onSpinWait()}s, not one,
     * before the loop looks at its inbox again: each look reads the cache lines a producer on another core writes next,
     * and looking after every spin-wait kept a streaming producer and the loop trading those lines for every task
     * (measured: 150 to 290 ns per task instead of about 30, in long stretches). Waiting a little longer lets the
     * producer run ahead, and the loop then takes what arrived in one drain. It adds at most that wait (well under a
     * microsecond) to noticing a task.
     *
     * @param spins  idle cycles spent spinning first
     * @param yields idle cycles spent yielding next
     * @return a strategy that spins, then yields, then parks until woken
     */
    static IdleStrategy backoff(int spins, int yields) {
        if (spins < 0 || yields < 0) {
            throw new IllegalArgumentException("spins and yields must be >= 0");
        }
        long parkFrom = (long) spins + yields; // no int overflow, whatever the two counts
        return new IdleStrategy() {
            private long count;

            @Override
            public long idle() {
                long c = count;
                if (c < spins) {
                    count = c + 1;
                    for (int i = 0; i < 16; i++) { // see the javadoc: fewer looks at the producer's lines
                        Thread.onSpinWait();
                    }
                    return 0;
                }
                if (c < parkFrom) {
                    count = c + 1;
                    Thread.yield();
                    return 0;
                }
                return Long.MAX_VALUE;
            }

            @Override
            public void reset() {
                count = 0;
            }
        };
    }
}
