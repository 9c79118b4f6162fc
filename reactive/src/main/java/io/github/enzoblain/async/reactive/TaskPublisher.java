package io.github.enzoblain.async.reactive;

import io.github.enzoblain.async.core.Loop;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;

import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * A {@link Publisher} of {@link TaskResult}s whose downstream demand drives admission: it pulls tasks from an upstream
 * {@code Publisher} and submits them to a {@link Loop} only while the tasks in flight (submitted, result not yet
 * emitted) stay below the outstanding demand plus a bounded prefetch, and below a cap ({@link Builder#maxInFlight(int)},
 * and the run queue's capacity) so that unbounded demand never means unbounded work queued in the loop. The upstream is
 * asked for no more than that window either.
 *
 * <p><b>Concurrency and visibility.</b> Cold and unicast per subscription: each {@link #subscribe(Subscriber)} subscribes
 * to the upstream once and runs its own tasks. {@code request} and {@code cancel} are safe from any thread; signals to
 * the subscriber are serialised (§1.3) and happen on whichever thread is running the subscription's drain at the time:
 * usually the loop's thread, as tasks complete, otherwise a thread calling {@code request}, the upstream's thread or
 * the thread that terminates the loop;
 * none while {@code onSubscribe} runs (what a {@code request} made meanwhile, from any thread, calls for is signalled on
 * the subscribing thread once {@code onSubscribe} has returned).
 * Everything a task wrote happens-before the {@code onNext} carrying its result.
 *
 * <p><b>Order.</b> By default results come in completion order; with {@link Builder#ordered(boolean) ordered(true)}
 * in submission (upstream) order, a finished task waiting for the tasks before it.
 *
 * <p><b>Failures.</b> A task that throws, is cancelled by someone else or is rejected by the loop while the loop is
 * open (a full bounded run queue, a full inbox) produces a {@link TaskResult} carrying the error; the stream goes on.
 * With {@link Builder#failFast(boolean) failFast(true)} the first such outcome ends the stream with {@code onError} at
 * once: the upstream and the tasks still in flight are cancelled and results not yet delivered are dropped. An upstream
 * error ends the stream the same way. So does, whatever {@code failFast} says, a submission the loop refuses because
 * it no longer accepts tasks ({@link Loop#isShutdown()}: closed or shut down, also by one of the tasks): nothing can
 * run on it again, so the stream ends with that {@link java.util.concurrent.RejectedExecutionException} instead of
 * turning the rest of the upstream, endless perhaps, into REJECTED results. Results finished before that and already
 * demanded are delivered first. A quiet upstream does not keep the stream open either: once the loop has terminated
 * ({@link Loop#onTermination(Runnable)}) and every result finished before has been delivered as demanded, a stream
 * whose upstream has not completed ends with the same {@code RejectedExecutionException} and cancels its upstream,
 * on the thread that terminated the loop (or on whichever thread is signalling the subscriber at the time); one whose
 * upstream had completed completes. (Each subscription registers with the loop for that and takes the registration
 * off when it ends otherwise, so a long-lived loop keeps nothing of the subscriptions that ended.) A task already in
 * flight that the loop itself ends as it shuts down (a pending timer its close cancels, a task left in its inbox) is
 * still a result carrying that outcome.
 *
 * <p><b>Cancellation.</b> {@code cancel()} cancels the upstream and every task of the subscription still queued or
 * waiting on a timer, in O(1) each; once the loop has stepped (at once on the loop's thread, or, for a cancel from
 * inside {@code onNext}, as soon as that {@code onNext} returns) it holds no timer of that subscription.
 *
 * @param <T> the tasks' value type
 */
public final class TaskPublisher<T> implements Publisher<TaskResult<T>> {

    /** The prefetch when none is configured. */
    public static final int DEFAULT_PREFETCH = 16;

    /** The cap on tasks in flight when none is configured. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;

    private final Loop loop;
    private final Publisher<?> tasks;
    private final boolean specs;
    private final int prefetch;
    private final int maxInFlight;
    private final boolean ordered;
    private final boolean failFast;

    private TaskPublisher(Builder<T> b) {
        this.loop = b.loop;
        this.tasks = b.tasks;
        this.specs = b.specs;
        this.prefetch = b.prefetch;
        this.maxInFlight = b.maxInFlight;
        this.ordered = b.ordered;
        this.failFast = b.failFast;
    }

    /** @return a publisher with the default options running {@code tasks} on {@code loop} */
    public static <T> TaskPublisher<T> of(Loop loop, Publisher<? extends Callable<? extends T>> tasks) {
        return TaskPublisher.<T>builder(loop, tasks).build();
    }

    /** @return a builder of publishers running the callables {@code tasks} emits */
    public static <T> Builder<T> builder(Loop loop, Publisher<? extends Callable<? extends T>> tasks) {
        return new Builder<>(loop, tasks, false);
    }

    /** @return a builder of publishers running the {@link TaskSpec}s {@code tasks} emits (some possibly delayed) */
    public static <T> Builder<T> ofSpecs(Loop loop, Publisher<? extends TaskSpec<? extends T>> tasks) {
        return new Builder<>(loop, tasks, true);
    }

    @Override
    public void subscribe(Subscriber<? super TaskResult<T>> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber"); // §1.9
        TaskSubscription<T> s = new TaskSubscription<>(loop, subscriber, specs, prefetch, maxInFlight, ordered, failFast);
        s.start(tasks);
    }

    /** @return the loop the tasks run on */
    public Loop loop() {
        return loop;
    }

    /** @return the configured prefetch */
    public int prefetch() {
        return prefetch;
    }

    /** @return the cap on tasks in flight, whatever the demand */
    public int maxInFlight() {
        return maxInFlight;
    }

    /** @return whether results come in submission order */
    public boolean isOrdered() {
        return ordered;
    }

    /** @return whether the first failed task ends the stream */
    public boolean isFailFast() {
        return failFast;
    }

    @Override
    public String toString() {
        return "TaskPublisher[" + loop.name() + ", prefetch=" + prefetch + (ordered ? ", ordered" : "")
                + (failFast ? ", failFast" : "") + "]";
    }

    /**
     * Configures a {@link TaskPublisher}. Defaults: prefetch {@value #DEFAULT_PREFETCH}, at most
     * {@value #DEFAULT_MAX_IN_FLIGHT} tasks in flight, completion order, failed tasks are results. Not thread-safe.
     *
     * @param <T> the tasks' value type
     */
    public static final class Builder<T> {
        private final Loop loop;
        private final Publisher<?> tasks;
        private final boolean specs;
        private int prefetch = DEFAULT_PREFETCH;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private boolean ordered;
        private boolean failFast;

        private Builder(Loop loop, Publisher<?> tasks, boolean specs) {
            this.loop = Objects.requireNonNull(loop, "loop");
            this.tasks = Objects.requireNonNull(tasks, "tasks");
            this.specs = specs;
        }

        /**
         * How many tasks may be admitted beyond the outstanding demand, so results are ready when demand comes.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder<T> prefetch(int prefetch) {
            if (prefetch < 0) {
                throw new IllegalArgumentException("prefetch must be >= 0, was " + prefetch);
            }
            this.prefetch = prefetch;
            return this;
        }

        /**
         * The most tasks in flight whatever the demand (further capped by the run queue's capacity), so unbounded
         * demand does not pull the whole upstream into the loop at once.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder<T> maxInFlight(int maxInFlight) {
            if (maxInFlight <= 0) {
                throw new IllegalArgumentException("maxInFlight must be > 0, was " + maxInFlight);
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        /** Whether results come in submission order (true) or completion order (false, the default). */
        public Builder<T> ordered(boolean ordered) {
            this.ordered = ordered;
            return this;
        }

        /** Whether the first failed, cancelled or rejected task ends the stream with its error. */
        public Builder<T> failFast(boolean failFast) {
            this.failFast = failFast;
            return this;
        }

        /** @return the publisher */
        public TaskPublisher<T> build() {
            return new TaskPublisher<>(this);
        }
    }
}
