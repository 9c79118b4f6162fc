package io.github.enzoblain.async.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue's peak depth and its watermark signals against the plain rule, over long seeded random runs: after every
 * change of depth, HIGH when not above and depth >= high, LOW when above and depth <= low, and the peak is the largest
 * depth seen. The loop checks these behind one compare per offer and a flag per poll; this holds it to the rule.
 *
 * <p><b>Concurrency.</b> Single-threaded: the test thread submits (through the inbox) and drives the loop.
 */
class WatermarkModelTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 7, 42, 2026, 31337, 987654321})
    void peakAndSignalsFollowThePlainRule(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int high = 1 + random.nextInt(40);
        int low = random.nextInt(high);
        List<String> signals = new ArrayList<>();
        Loop loop = Loop.builder().watermarks(high, low).inboxCapacity(4096).listener(new LoopListener() {
            @Override
            public void onWatermark(Watermark mark, int depth) {
                signals.add(mark + "@" + depth);
            }
        }).build();
        List<String> expected = new ArrayList<>();
        int depth = 0;
        int offered = 0; // in the inbox, taken in by the next step
        int peak = 0;
        boolean above = false;
        boolean filling = true; // phases of filling and draining, so the depth rises and falls past both marks
        for (int op = 0; op < 20_000; op++) {
            if (random.nextInt(100) < 2) {
                filling = !filling;
            }
            if (random.nextInt(100) < (filling ? 40 : 5)) {
                int n = 1 + random.nextInt(random.nextInt(100) < 10 ? 20 : 3);
                for (int i = 0; i < n; i++) {
                    loop.execute(() -> { });
                }
                offered += n;
            } else {
                boolean ran = loop.runOnce();
                for (; offered > 0; offered--) { // the step takes the inbox in first, one task at a time
                    depth++;
                    peak = Math.max(peak, depth);
                    if (!above && depth >= high) {
                        above = true;
                        expected.add("HIGH@" + depth);
                    }
                }
                assertThat(ran).isEqualTo(depth > 0);
                if (depth > 0) {
                    depth--;
                    if (above && depth <= low) {
                        above = false;
                        expected.add("LOW@" + depth);
                    }
                }
                assertThat(signals).as("seed %d op %d, high %d low %d", seed, op, high, low).isEqualTo(expected);
                assertThat(loop.isAboveHighWatermark()).isEqualTo(above);
                assertThat(loop.stats().peakQueueDepth()).isEqualTo(peak);
                assertThat(loop.stats().queued()).isEqualTo(depth);
            }
        }
        assertThat(expected.size()).as("crossings, seed %d (the walk must cross both marks often)", seed)
                .isGreaterThan(20);
        loop.close();
    }
}
