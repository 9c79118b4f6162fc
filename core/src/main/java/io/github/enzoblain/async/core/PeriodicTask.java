package io.github.enzoblain.async.core;

/**
 * A task that re-arms itself after each run: at a fixed rate (next deadline = previous deadline + period, so no drift)
 * or with a fixed delay (next deadline = end of run + delay). It stays PENDING between runs and ends only when
 * cancelled, when a run fails under {@link Loop.Builder#stopPeriodicOnFailure(boolean)}, or when its loop closes.
 */
final class PeriodicTask extends LoopTask<Void> {

    final long period;
    final boolean fixedRate;
    volatile boolean cancelRequested;

    PeriodicTask(Loop loop, long id, Runnable body, long period, boolean fixedRate) {
        super(loop, id, body, Loop.DEFAULT_PRIORITY, true);
        this.period = period;
        this.fixedRate = fixedRate;
    }

    @Override
    public boolean cancel() {
        while (true) {
            int s = state;
            if (s == PENDING) {
                if (super.cancel()) {
                    return true;
                }
            } else if (s == RUNNING) {
                cancelRequested = true;
                if (state == RUNNING) {
                    return true; // the loop sees the request when the run ends
                }
            } else {
                return false;
            }
        }
    }

    @Override
    void afterRun(Object value, Throwable error) {
        loop.periodicRan(this, error);
    }

    @Override
    public boolean isPeriodic() {
        return true;
    }
}
