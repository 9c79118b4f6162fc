package io.github.enzoblain.async.benchmarks;

/**
 * A task that marks the end of a batch: the producer submits it after the batch and spins until it ran. On a FIFO
 * executor it runs after every task of the batch, so seeing it done means the whole batch ran.
 *
 * <p><b>Concurrency.</b> {@link #done} is volatile: the worker's writes before running the sentinel (the batch's
 * counter bumps) are visible to the producer once it reads {@code done == true}.
 */
final class Sentinel implements Runnable {

    private volatile boolean done;

    void reset() {
        done = false;
    }

    @Override
    public void run() {
        done = true;
    }

    /** Spins (politely) until the sentinel ran. */
    void await() {
        int spins = 0;
        while (!done) {
            if (++spins < 1_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // 2 shared cores: let the worker run
            }
        }
    }
}
