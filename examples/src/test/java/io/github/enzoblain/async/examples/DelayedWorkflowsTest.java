package io.github.enzoblain.async.examples;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DelayedWorkflowsTest {

    private static final DelayedWorkflows.Params SMALL = new DelayedWorkflows.Params(2_000, 0.25, 7);

    @Test
    void cancelledWorkflowsLoseTheirTimersAtOnceAndTheRestFinishOnTime() {
        DelayedWorkflows.Result r = DelayedWorkflows.run(SMALL);

        // a share of the orders were in flight and got cancelled
        assertThat(r.cancelled()).isBetween(400, 600);
        // their timers left the wheel inside the cancelling task: the drop is exactly what cancel() removed
        assertThat(r.timersCancelled()).isGreaterThanOrEqualTo(r.cancelled());
        assertThat(r.pendingTimersBefore() - r.pendingTimersAfter()).isEqualTo(r.timersCancelled());
        assertThat(r.liveTimersOfCancelled()).isZero();
        assertThat(r.stepsRunAfterCancel()).isZero();

        // every other order finished, on time
        assertThat(r.delivered() + r.declined() + r.cancelled()).isEqualTo(r.orders());
        assertThat(r.delivered()).isGreaterThan(r.orders() / 2);
        assertThat(r.timedOut()).isZero();
        assertThat(r.lateSteps()).isZero();
        assertThat(r.finishedWithinSla()).isEqualTo(r.delivered() + r.declined());
        assertThat(r.lastFinish()).isLessThan(DelayedWorkflows.HORIZON);

        // delayed steps really happened: retries after gateway timeouts, daily reminders
        assertThat(r.paymentRetries()).isPositive();
        assertThat(r.remindersSent()).isPositive();

        // nothing lost, nothing left behind
        assertThat(r.pendingTimersAtEnd()).isZero();
        assertThat(r.stats().isBalanced()).isTrue();
        assertThat(r.stats().failed()).isZero();
        assertThat(r.stats().cancelled()).isGreaterThanOrEqualTo(r.timersCancelled());
    }

    @Test
    void sameParamsGiveTheSameRun() {
        DelayedWorkflows.Result a = DelayedWorkflows.run(SMALL);
        DelayedWorkflows.Result b = DelayedWorkflows.run(SMALL);

        assertThat(b.digest()).isEqualTo(a.digest());
        assertThat(b.stats()).isEqualTo(a.stats());
        assertThat(b.pendingTimersBefore()).isEqualTo(a.pendingTimersBefore());
        assertThat(b.lastFinish()).isEqualTo(a.lastFinish());
        assertThat(DelayedWorkflows.run(new DelayedWorkflows.Params(2_000, 0.25, 8)).digest())
                .isNotEqualTo(a.digest());
    }

    @Test
    void sevenVirtualDaysRunInWallMilliseconds() {
        DelayedWorkflows.Result r = DelayedWorkflows.run(SMALL);

        assertThat(Duration.ofNanos(r.wallNanos())).isLessThan(Duration.ofSeconds(20)); // loose: shared CI machines
        assertThat(r.summary()).contains("delivered").contains("pending timers");
    }
}
