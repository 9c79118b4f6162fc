package io.github.enzoblain.async.examples;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopStats;
import io.github.enzoblain.async.core.TaskHandle;
import io.github.enzoblain.async.core.VirtualClock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Use 3: cancellable delayed workflows. Many order-fulfilment workflows run at once on one loop, every step a delayed
 * task: stock reservation, a payment call with a gateway timeout and retries with exponential backoff, packing,
 * shipping, a daily "your parcel is on its way" reminder, and a five-day SLA timeout over the whole order. Two hours in, customers
 * cancel a share of the orders in flight; the example shows that their pending timers leave the loop at once (the
 * loop's pending-timer count before and after the cancelling task) and that no step of a cancelled order ever runs,
 * while every other order finishes on time. Seven days of virtual time run in well under a second.
 *
 * <p><b>Concurrency.</b> Everything runs on the calling thread: {@link #run(Params)} drives the loop through its
 * {@link VirtualClock}, and every workflow step is a task of that loop, so the workflows share no locks and see each
 * other's writes in program order. Two runs with the same {@link Params} give the same {@link Result} (except the wall
 * time), down to the {@link Result#digest() digest} of every step's (order, step, virtual time).
 */
public final class DelayedWorkflows {

    /*
     * Implementation notes.
     *
     * Each Order keeps the handles of its live timers in four slots (next step, gateway timeout, reminder, SLA), so a
     * cancellation is four O(1) TaskHandle.cancel() calls. The customers' cancellations run as one loop task at the
     * two-hour mark: on the loop's own thread a cancelled timer is unlinked from the wheel inside cancel(), so
     * loop.pendingTimers() read right after the cancelling loop already shows the drop.
     *
     * Randomness is a SplittableRandom per order, split from one seeded root in order-id order: the same seed gives
     * the same delays, and the loop's (deadline, sequence) order makes the interleaving the same too.
     */

    /** Whole-order promise: delivered (or declined) within this long of being placed. */
    static final Duration SLA = Duration.ofDays(5);
    /** A payment call that has not answered in this long is abandoned and retried. */
    static final Duration GATEWAY_TIMEOUT = Duration.ofSeconds(30);
    /** Payment attempts before the order is declined. */
    static final int MAX_ATTEMPTS = 4;
    /** First retry backoff; it doubles on each retry. */
    static final Duration FIRST_BACKOFF = Duration.ofMinutes(1);
    /** Orders are placed over this window. */
    static final Duration ARRIVALS = Duration.ofHours(3);
    /** When the customers' cancellations happen. */
    static final Duration CANCEL_AT = Duration.ofHours(2);
    /** How far the example runs. */
    static final Duration HORIZON = Duration.ofDays(7);

    /**
     * What to run.
     *
     * @param orders      how many order workflows
     * @param cancelShare the share of orders whose customer cancels at the two-hour mark (0 to 1)
     * @param seed        the seed of every delay and outcome
     */
    public record Params(int orders, double cancelShare, long seed) {
        public Params {
            if (orders < 1) {
                throw new IllegalArgumentException("orders must be >= 1, was " + orders);
            }
            if (!(cancelShare >= 0 && cancelShare <= 1)) {
                throw new IllegalArgumentException("cancelShare must be in [0, 1], was " + cancelShare);
            }
        }

        /** @return the showcase's run: 50,000 orders, a quarter of them cancelled */
        public static Params defaults() {
            return new Params(50_000, 0.25, 42);
        }
    }

    /**
     * What happened.
     *
     * @param orders                    orders placed or scheduled
     * @param cancelled                 orders cancelled while in flight
     * @param delivered                 orders delivered
     * @param declined                  orders whose payment was declined or kept timing out
     * @param timedOut                  orders whose SLA timer fired (expected 0)
     * @param pendingTimersBefore       the loop's pending timers just before the cancellations
     * @param pendingTimersAfter        the loop's pending timers just after them, in the same loop task
     * @param timersCancelled           timers the cancellations removed ({@code TaskHandle.cancel()} returned true)
     * @param liveTimersOfCancelled     timers of cancelled orders still pending after the cancellations (expected 0)
     * @param stepsRunAfterCancel       steps of cancelled orders that ran after their cancellation (expected 0)
     * @param lateSteps                 steps that ran after their due time (expected 0 on virtual time)
     * @param finishedWithinSla         delivered or declined orders that finished within the SLA
     * @param paymentRetries            payment attempts after a gateway timeout
     * @param remindersSent             daily reminders sent
     * @param pendingTimersAtEnd        timers left when the run ends (expected 0)
     * @param lastFinish                virtual time of the last order's end
     * @param stats                     the loop's counters at the end
     * @param digest                    a hash over every step's (order, step, virtual time), in run order
     * @param wallNanos                 wall-clock time the run took
     */
    public record Result(int orders, int cancelled, int delivered, int declined, int timedOut,
                         long pendingTimersBefore, long pendingTimersAfter, long timersCancelled,
                         long liveTimersOfCancelled, long stepsRunAfterCancel, long lateSteps, int finishedWithinSla,
                         long paymentRetries, long remindersSent, long pendingTimersAtEnd, Duration lastFinish,
                         LoopStats stats, long digest, long wallNanos) {

        /** @return a few readable lines */
        public String summary() {
            return String.format(
                    "%s order workflows (payment with %ds gateway timeout and backoff retries, packing, shipping, "
                            + "daily reminders, %d-day SLA): %s of virtual time in %s%n"
                            + "  at %s customers cancel %s orders in flight: pending timers %s -> %s in the same "
                            + "loop task (%s unlinked, %s left, %s steps ran after)%n"
                            + "  the rest: %s delivered, %s declined, %s timed out; %s of %s within the SLA, "
                            + "%s steps late (last order done at %s)%n"
                            + "  %s payment retries, %s reminders; loop: %s tasks, %s timers left, balanced=%s",
                    Figures.count(orders), GATEWAY_TIMEOUT.toSeconds(), SLA.toDays(), Figures.duration(HORIZON),
                    Figures.millis(wallNanos),
                    Figures.duration(CANCEL_AT), Figures.count(cancelled), Figures.count(pendingTimersBefore),
                    Figures.count(pendingTimersAfter), Figures.count(timersCancelled),
                    Figures.count(liveTimersOfCancelled), Figures.count(stepsRunAfterCancel),
                    Figures.count(delivered), Figures.count(declined), Figures.count(timedOut),
                    Figures.count(finishedWithinSla), Figures.count(delivered + declined), Figures.count(lateSteps),
                    Figures.duration(lastFinish),
                    Figures.count(paymentRetries), Figures.count(remindersSent), Figures.count(stats.started()),
                    Figures.count(pendingTimersAtEnd), stats.isBalanced());
        }
    }

    /** Runs the showcase's workflows and prints the summary. */
    public static void main(String[] args) {
        System.out.println(run(Params.defaults()).summary());
    }

    /** Runs {@code params.orders()} workflows for seven virtual days on the calling thread. */
    public static Result run(Params params) {
        long wallStart = System.nanoTime();
        VirtualClock clock = new VirtualClock();
        try (Loop loop = Loop.builder().name("orders").clock(clock).build()) {
            Shop shop = new Shop(loop, params);
            loop.submit(shop::openDoors);
            loop.runUntilIdle();
            loop.schedule(shop::customersCancel, CANCEL_AT);
            clock.advanceBy(HORIZON);
            return shop.result(System.nanoTime() - wallStart);
        }
    }

    /** The orders and the tallies; touched only by the loop's tasks (and by {@link #result} once the loop is idle). */
    static final class Shop {
        final Loop loop;
        final Params params;
        final List<Order> orders = new ArrayList<>();
        int delivered, declined, timedOut, cancelled, withinSla;
        long pendingBefore, pendingAfter, timersCancelled, stepsAfterCancel, lateSteps, retries, reminders;
        long lastFinish;
        long digest = 17;

        Shop(Loop loop, Params params) {
            this.loop = loop;
            this.params = params;
        }

        /** Places every order at its arrival time. */
        void openDoors() {
            SplittableRandom root = new SplittableRandom(params.seed());
            for (int id = 0; id < params.orders(); id++) {
                Order o = new Order(this, id, root.split());
                orders.add(o);
                o.step(o::place, Duration.ofMillis(o.random.nextLong(ARRIVALS.toMillis())));
            }
        }

        /** Two hours in: a share of the customers cancel. One loop task, so the counts are read around it. */
        void customersCancel() {
            pendingBefore = loop.pendingTimers();
            for (Order o : orders) {
                if (o.customerWillCancel && !o.finished) {
                    timersCancelled += o.cancel();
                    cancelled++;
                }
            }
            pendingAfter = loop.pendingTimers();
        }

        void record(Order o, int step) {
            digest = 31 * (31 * (31 * digest + o.id) + step) + loop.now();
        }

        Result result(long wallNanos) {
            long live = 0;
            for (Order o : orders) {
                if (o.cancelled) {
                    live += o.liveTimers();
                }
            }
            return new Result(orders.size(), cancelled, delivered, declined, timedOut, pendingBefore, pendingAfter,
                    timersCancelled, live, stepsAfterCancel, lateSteps, withinSla, retries, reminders,
                    loop.pendingTimers(), Duration.ofNanos(lastFinish), loop.stats(), digest, wallNanos);
        }
    }

    /** One order's workflow: a chain of delayed steps, with at most four live timers. Loop thread only. */
    static final class Order {
        static final int PLACE = 1, RESERVE = 2, CHARGE = 3, REPLY = 4, GATEWAY_TIMEOUT_STEP = 5, PACKED = 6,
                DELIVERED = 7, REMIND = 8, SLA_EXPIRED = 9;

        final Shop shop;
        final int id;
        final SplittableRandom random;
        final boolean customerWillCancel;
        TaskHandle<Void> next, gatewayTimeout, reminder, sla;
        long nextDue;
        long placedAt;
        int attempts;
        boolean finished, cancelled;

        Order(Shop shop, int id, SplittableRandom random) {
            this.shop = shop;
            this.id = id;
            this.random = random;
            this.customerWillCancel = random.nextDouble() < shop.params.cancelShare();
        }

        // ------------------------------------------------------------------------------------------ the steps

        void place() {
            enter(PLACE);
            placedAt = shop.loop.now();
            sla = shop.loop.schedule(this::slaExpired, SLA);
            step(this::reserveStock, Duration.ofMillis(1_000 + random.nextLong(4_000)));
        }

        void reserveStock() {
            enter(RESERVE);
            charge();
        }

        /** One payment attempt: the gateway answers after a latency, unless the timeout fires first. */
        void charge() {
            enter(CHARGE);
            attempts++;
            long latencyMillis = random.nextDouble() < 0.85
                    ? 200 + random.nextLong(9_800) // a healthy gateway
                    : 31_000 + random.nextLong(30_000); // a stuck one: the timeout fires first
            step(this::gatewayReplied, Duration.ofMillis(latencyMillis));
            gatewayTimeout = shop.loop.schedule(this::gatewayTimedOut, GATEWAY_TIMEOUT);
        }

        void gatewayReplied() {
            enter(REPLY);
            gatewayTimeout.cancel();
            if (random.nextDouble() < 0.02) {
                finish(false); // card declined
                return;
            }
            step(this::packedAndShipped, Duration.ofMinutes(60 + random.nextLong(180)));
        }

        void gatewayTimedOut() {
            enter(GATEWAY_TIMEOUT_STEP);
            next.cancel(); // the late answer is ignored
            if (attempts == MAX_ATTEMPTS) {
                finish(false);
                return;
            }
            shop.retries++;
            step(this::charge, FIRST_BACKOFF.multipliedBy(1L << (attempts - 1)));
        }

        void packedAndShipped() {
            enter(PACKED);
            reminder = shop.loop.scheduleAtFixedRate(this::remind, Duration.ofDays(1), Duration.ofDays(1));
            step(this::delivered, Duration.ofMinutes(24 * 60 + random.nextLong(2 * 24 * 60)));
        }

        void remind() {
            enter(REMIND);
            shop.reminders++;
        }

        void delivered() {
            enter(DELIVERED);
            finish(true);
        }

        void slaExpired() {
            enter(SLA_EXPIRED);
            shop.timedOut++;
            cancelTimers();
            finished = true;
        }

        // ------------------------------------------------------------------------------------------ plumbing

        /** Arms the next step of the chain and remembers when it is due. */
        void step(Runnable body, Duration delay) {
            nextDue = shop.loop.now() + delay.toNanos();
            next = shop.loop.schedule(body, delay);
        }

        void enter(int step) {
            if (cancelled) {
                shop.stepsAfterCancel++;
            }
            if ((step == PLACE || step == RESERVE || step == REPLY || step == PACKED || step == DELIVERED
                    || step == CHARGE && attempts > 0) && shop.loop.now() != nextDue) {
                shop.lateSteps++;
            }
            shop.record(this, step);
        }

        void finish(boolean wasDelivered) {
            finished = true;
            cancelTimers();
            if (wasDelivered) {
                shop.delivered++;
            } else {
                shop.declined++;
            }
            long now = shop.loop.now();
            if (now - placedAt <= SLA.toNanos()) {
                shop.withinSla++;
            }
            shop.lastFinish = Math.max(shop.lastFinish, now);
        }

        /** The customer cancels. @return the timers this removed */
        int cancel() {
            cancelled = true;
            finished = true;
            return cancelTimers();
        }

        int cancelTimers() {
            return cancel(next) + cancel(gatewayTimeout) + cancel(reminder) + cancel(sla);
        }

        int liveTimers() {
            return live(next) + live(gatewayTimeout) + live(reminder) + live(sla);
        }

        private static int cancel(TaskHandle<?> h) {
            return h != null && h.cancel() ? 1 : 0;
        }

        private static int live(TaskHandle<?> h) {
            return h != null && !h.isDone() ? 1 : 0;
        }
    }
}
