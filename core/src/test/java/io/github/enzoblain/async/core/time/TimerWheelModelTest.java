package io.github.enzoblain.async.core.time;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Holds {@link TimerWheel} at the end of its time line. Single-threaded, like the wheel. */
class TimerWheelModelTest {

    @Test
    void maxDeadlineOnOneNanosecondTicksDoesNotSwallowLaterTimers() {
        // Expiring the very last tick (2^63 - 1 with 1 ns ticks) must leave the wheel usable. Preemptive timeout: the
        // failure this guards against was nextDeadline() spinning forever.
        assertTimeoutPreemptively(Duration.ofSeconds(5), TimerWheelModelTest::expireLastTickThenArmEarlier);
    }

    private static void expireLastTickThenArmEarlier() {
        TimerWheel wheel = new TimerWheel(0);
        Timer last = new Timer();
        Timer early = new Timer();
        wheel.arm(last, Long.MAX_VALUE);
        assertEquals(Long.MAX_VALUE, wheel.nextDeadline()); // expires ahead of time, up to the last tick
        wheel.arm(early, 5);
        assertEquals(5, wheel.nextDeadline());
        assertSame(early, wheel.poll(5));
        assertSame(last, wheel.poll(Long.MAX_VALUE));
        assertNull(wheel.poll(Long.MAX_VALUE));
        assertEquals(0, wheel.size());
    }

    static final class Timer extends TimerWheel.Entry {
    }
}
