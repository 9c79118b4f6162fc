package io.github.enzoblain.async.core;

/**
 * Where a task is in its life. A task starts {@link #PENDING} and ends in exactly one of the four terminal states.
 *
 * <pre>
 *  PENDING ──▶ RUNNING ──▶ COMPLETED | FAILED
 *     │           │ (periodic: back to PENDING until cancelled, failed or the loop closes)
 *     ├──▶ CANCELLED
 *     └──▶ REJECTED
 * </pre>
 */
public enum TaskState {
    /** Accepted, waiting in the inbox, the run queue or the timer wheel. */
    PENDING,
    /** Running on the loop (for a spawned task: its stage has not completed yet). */
    RUNNING,
    /** Ran and returned normally. Terminal. */
    COMPLETED,
    /** Ran and threw (or its stage completed exceptionally). Terminal. */
    FAILED,
    /** Cancelled before it ran (or, for a periodic task, between runs). Terminal. */
    CANCELLED,
    /** Refused: the loop was closed, its inbox full, or its bounded run queue full (or it was evicted). Terminal. */
    REJECTED;

    /** @return whether this state is final */
    public boolean isTerminal() {
        return ordinal() >= COMPLETED.ordinal();
    }
}
