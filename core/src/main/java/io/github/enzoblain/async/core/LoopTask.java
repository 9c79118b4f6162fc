package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.queue.Prioritized;
import io.github.enzoblain.async.core.time.TimerWheel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * A task with a handle: the loop's unit of tracked work. It is also its own timer-wheel entry and run-queue element,
 * so a tracked task costs exactly one object.
 *
 * <p>The {@code state} is the only field other threads write (cancellation, by CAS). Everything else that changes is
 * written by the loop's driver; {@code outcome} is written before the state's volatile transition that publishes it.
 */
class LoopTask<T> extends TimerWheel.Entry implements TaskHandle<T>, Prioritized, Runnable {

    static final int PENDING = 0, RUNNING = 1, COMPLETED = 2, FAILED = 3, CANCELLED = 4, REJECTED = 5;
    private static final TaskState[] STATES = TaskState.values();

    /** Where the loop holds the task (driver-owned). */
    static final byte NEW = 0, QUEUED = 1, ARMED = 2, ACTIVE = 3, DONE = 4;

    private static final VarHandle STATE;
    private static final VarHandle FUTURE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(LoopTask.class, "state", int.class);
            FUTURE = l.findVarHandle(LoopTask.class, "future", TaskFuture.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Loop loop;
    final long id;
    final Object body; // Runnable or Callable (SpawnedTask: Supplier)
    final byte priority; // -1: the queue's default class
    final boolean timed;
    final boolean callable; // body is a Callable (else a Runnable; SpawnedTask overrides invoke)
    volatile int state;
    private volatile TaskFuture<T> future;
    Object outcome;
    long submittedAt;
    long startedAt = -1;
    byte where = NEW;

    /** A task whose body runs as a {@link Runnable} (also when it happens to be a {@link Callable} too). */
    LoopTask(Loop loop, long id, Runnable body, int priority, boolean timed) {
        this(loop, id, body, false, priority, timed);
    }

    /** A task whose body is called for its value. */
    LoopTask(Loop loop, long id, Callable<?> body, int priority, boolean timed) {
        this(loop, id, body, true, priority, timed);
    }

    /**
     * @param callable how to run the body, decided by the submitting method's parameter type: asking the body with
     *                 {@code instanceof Callable} would cost a scan of its class's interfaces per task when it is not one
     */
    LoopTask(Loop loop, long id, Object body, boolean callable, int priority, boolean timed) {
        this.loop = loop;
        this.id = id;
        this.body = body;
        this.callable = callable;
        this.priority = (byte) priority;
        this.timed = timed;
    }

    /**
     * The fields a timer's firing reads or writes beyond the wheel's own (see {@link TimerWheel.Entry#warm()}):
     * {@code where}, {@code body} and {@code outcome}. Not the volatile {@code future}: HotSpot lays it out beside
     * {@code body}, in the same aligned 8 bytes, so on the same line, and reading it would add an acquire per entry.
     */
    @Override
    protected final int warm() {
        return where + (body == null ? 0 : 1) + (outcome == null ? 0 : 2);
    }

    /** Records the deadline asked at submission (relative to the loop's origin); the loop arms it later. */
    void requestDeadline(long deadline) {
        presetDeadline(deadline);
    }

    /** Runs the body; returns its value. Overridden by spawned tasks. */
    @SuppressWarnings("unchecked")
    Object invoke() throws Exception {
        if (callable) {
            return ((Callable<Object>) body).call();
        }
        ((Runnable) body).run();
        return null;
    }

    /** Called by the loop after {@link #invoke()}: decides the task's fate. */
    void afterRun(Object value, Throwable error) {
        if (error == null) {
            loop.taskSucceeded(this, value);
        } else {
            loop.taskFailed(this, error, true);
        }
    }

    boolean transition(int from, int to) {
        return STATE.compareAndSet(this, from, to);
    }

    /**
     * PENDING -> CANCELLED by the loop itself (a close, a shutdownNow, a cancel request between periodic runs), driver
     * only; unlike {@link #cancel()} it sends no signal, the caller collects the task; a {@link DropAware} body is
     * told. @return whether this call did it
     */
    boolean cancelByLoop() {
        if (!transition(PENDING, CANCELLED)) {
            return false;
        }
        finish(CANCELLED, null);
        loop.cancelledByLoop(body);
        return true;
    }

    /** Terminal transition from RUNNING (driver only); publishes the outcome. */
    void finish(int terminal, Object result) {
        outcome = result;
        state = terminal;
        settleFuture();
    }

    /** PENDING → REJECTED; false if the task was cancelled meanwhile. */
    boolean reject(RejectedExecutionException reason) {
        outcome = reason;
        if (!transition(PENDING, REJECTED)) {
            outcome = null;
            return false;
        }
        settleFuture();
        return true;
    }

    @Override
    public boolean cancel() {
        if (!transition(PENDING, CANCELLED)) {
            return false;
        }
        settleFuture();
        loop.cancelled(this);
        return true;
    }

    @SuppressWarnings("unchecked")
    private void settleFuture() {
        TaskFuture<T> f = future;
        if (f != null) {
            settle(f);
        }
    }

    @SuppressWarnings("unchecked")
    private void settle(TaskFuture<T> f) {
        switch (state) {
            case COMPLETED -> f.settleValue((T) outcome);
            case FAILED, REJECTED -> f.settleError((Throwable) outcome);
            case CANCELLED -> f.settleCancelled();
            default -> {
            }
        }
    }

    private TaskFuture<T> taskFuture() {
        TaskFuture<T> f = future;
        if (f == null) {
            f = new TaskFuture<>(this);
            if (!FUTURE.compareAndSet(this, null, f)) {
                return future;
            }
            settle(f); // the task may have ended before the future existed
        }
        return f;
    }

    // ------------------------------------------------------------------------------------------------ TaskHandle

    @Override
    public long id() {
        return id;
    }

    @Override
    public TaskState state() {
        return STATES[state];
    }

    @Override
    public CompletionStage<T> toCompletionStage() {
        return taskFuture();
    }

    @Override
    public Future<T> future() {
        return taskFuture();
    }

    @Override
    public int priority() {
        return priority;
    }

    @Override
    public long submittedAt() {
        return submittedAt;
    }

    @Override
    public long startedAt() {
        return startedAt;
    }

    @Override
    public long deadline() {
        return timed ? loop.toClockTime(timerDeadline()) : -1;
    }

    @Override
    public boolean isPeriodic() {
        return false;
    }

    @Override
    public Object task() {
        return body;
    }

    /** The user's task as a Runnable, for {@link Loop#shutdownNow()}. */
    @SuppressWarnings("unchecked")
    Runnable userTask() {
        if (!callable) {
            return (Runnable) body;
        }
        Object b = body;
        return () -> {
            try {
                ((Callable<Object>) b).call();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        };
    }

    /** A handle is not run by calling this: the loop runs it. */
    @Override
    public void run() {
        throw new IllegalStateException("task " + id + " is run by its loop");
    }

    @Override
    public String toString() {
        return "Task[" + id + ", " + state() + "]";
    }
}
