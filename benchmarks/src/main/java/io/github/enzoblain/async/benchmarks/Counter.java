package io.github.enzoblain.async.benchmarks;

/**
 * The benchmarks' task: a preallocated {@link Runnable} that bumps a plain counter.
 *
 * <p><b>Concurrency.</b> Run by one thread at a time (the loop's driver, or an executor's single worker); the counter
 * is a plain field, so another thread reads it only after a happens-before edge (a latch, a volatile flag set by a later
 * task, or the executor's own hand-off).
 */
final class Counter implements Runnable {

    long count;

    @Override
    public void run() {
        count++;
    }
}
