package io.github.enzoblain.async.reactive;

import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

import java.util.concurrent.TimeUnit;

/**
 * A {@link Scheduler.Worker} of a {@link LoopScheduler}: a {@link TaskLane} labelled {@code worker-<n>}. Its tasks run
 * in FIFO order (timers in (deadline, sequence) order) and never overlap, since they all run on the one loop. Disposing
 * it cancels every pending task and unlinks every timer of this worker only.
 *
 * <p><b>Concurrency.</b> All methods are safe from any thread (see {@link TaskLane}). {@code prevWorker} and
 * {@code nextWorker} are guarded by the scheduler's lock.
 */
final class LoopWorker extends TaskLane implements Scheduler.Worker {

    LoopWorker prevWorker;
    LoopWorker nextWorker;
    boolean registered;

    LoopWorker(LoopScheduler scheduler, String label) {
        super(scheduler, label);
    }

    @Override
    public Disposable schedule(Runnable task) {
        return runNow(task);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        return runAfter(task, delay, unit);
    }

    @Override
    public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
        return runAtFixedRate(task, initialDelay, period, unit);
    }

    @Override
    public void dispose() {
        close(true);
        scheduler.unregister(this);
    }

    @Override
    public boolean isDisposed() {
        return isClosed();
    }

    @Override
    public String toString() {
        return "LoopWorker[" + label + (isClosed() ? ", disposed]" : "]");
    }
}
