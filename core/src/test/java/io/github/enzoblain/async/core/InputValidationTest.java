package io.github.enzoblain.async.core;

import io.github.enzoblain.async.core.queue.RunQueues;
import io.github.enzoblain.async.core.time.TimerWheel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InputValidationTest {

    private final Loop loop = Loop.create();

    @Test
    void nullsAreRefusedAtTheCall() {
        assertThatThrownBy(() -> loop.execute(null)).isInstanceOf(NullPointerException.class).hasMessage("task");
        assertThatThrownBy(() -> loop.submit((Runnable) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> loop.submit((Callable<?>) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> loop.schedule(() -> { }, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> loop.schedule(() -> { }, 1, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("unit");
        assertThatThrownBy(() -> loop.spawn(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> loop.run(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Loop.builder().clock(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Loop.builder().listener(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void absurdArgumentsAreRefusedAtTheCall() {
        assertThatThrownBy(() -> loop.scheduleAtFixedRate(() -> { }, Duration.ZERO, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("period must be > 0");
        assertThatThrownBy(() -> loop.scheduleWithFixedDelay(() -> { }, Duration.ZERO, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> loop.submit(() -> 1, -5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> loop.submit(() -> 1, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("priority must be in [0, 63], was -1"); // -1 is the loop's own "no class" marker
        assertThatThrownBy(() -> loop.submit(() -> 1, 64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Loop.builder().watermarks(1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Loop.builder().inboxCapacity(1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Loop.builder().tickShift(31)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RunQueues.boundedFifo(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RunQueues.priority(65)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TimerWheel(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IdleStrategy.backoff(-1, 0)).isInstanceOf(IllegalArgumentException.class);
        VirtualClock clock = new VirtualClock(10);
        assertThatThrownBy(() -> clock.advanceTo(5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backwards");
        assertThatThrownBy(() -> clock.advanceBy(-1, TimeUnit.SECONDS)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aVirtualClockBelongsToOneLoop() {
        VirtualClock clock = new VirtualClock();
        Loop.builder().clock(clock).build();
        assertThatThrownBy(() -> Loop.builder().clock(clock).build()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFullInboxRejectsAtTheCallWithAClearMessage() {
        Loop small = Loop.builder().inboxCapacity(2).build();
        small.execute(() -> { });
        small.execute(() -> { });
        assertThatThrownBy(() -> small.execute(() -> { })).hasMessageContaining("inbox full");
        small.runUntilIdle();
        org.assertj.core.api.Assertions.assertThat(small.stats().isBalanced()).isTrue();
        org.assertj.core.api.Assertions.assertThat(small.stats().rejected()).isEqualTo(1);
    }

    @Test
    void extremeButValidArgumentsWorkWithoutOverflow() throws Exception {
        // spins + yields past Integer.MAX_VALUE: still spins first, then yields, and parks only after both
        IdleStrategy idle = IdleStrategy.backoff(1, Integer.MAX_VALUE);
        assertThat(idle.idle()).as("spin").isZero();
        for (int i = 0; i < 1_000; i++) {
            assertThat(idle.idle()).as("yield %d", i).isZero();
        }
        IdleStrategy parksAfterOneOfEach = IdleStrategy.backoff(1, 1);
        assertThat(new long[] {parksAfterOneOfEach.idle(), parksAfterOneOfEach.idle(), parksAfterOneOfEach.idle(),
                parksAfterOneOfEach.idle()}).containsExactly(0, 0, Long.MAX_VALUE, Long.MAX_VALUE);
        parksAfterOneOfEach.reset();
        assertThat(parksAfterOneOfEach.idle()).as("spins again after work").isZero();

        Loop closed = Loop.create();
        LoopThread thread = LoopThread.start(closed);
        closed.close();
        assertThat(thread.join(Duration.ofSeconds(Long.MAX_VALUE))).as("join with the longest Duration").isTrue();
    }
}
