package io.github.enzoblain.async.examples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class FlowControlledIngestionTest {

    @Test
    void everyRecordArrivesOnceWhileTheQueueStaysUnderItsBound() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream progress = new PrintStream(out, true, StandardCharsets.UTF_8);

        FlowControlledIngestion.Result r = FlowControlledIngestion.run(new FlowControlledIngestion.Params(
                100_000, 256, 1024, progress, false, Duration.ofMillis(20)));

        // nothing lost, duplicated or corrupted
        assertThat(r.handled()).isEqualTo(100_000);
        assertThat(r.badLines()).isZero();
        assertThat(r.sequenceSumOk()).isTrue();
        // demand-driven admission: the producer never got ahead of the loop by more than the window
        assertThat(r.peakQueueDepth()).isPositive().isLessThanOrEqualTo(r.window());
        assertThat(r.stats().rejected()).isZero();
        assertThat(r.stats().isBalanced()).isTrue();
        assertThat(r.stats().completed() + r.stats().started()).isPositive();
        assertThat(r.throughput()).isPositive();
        // plain progress lines when not a terminal (the last one at 100%), then the summary's figures
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).doesNotContain("\r").contains("100% 100,000 records");
        assertThat(printed.lines().count()).isEqualTo(r.progressLines());
        assertThat(r.summary()).contains("throughput").contains("peak queue depth").contains("heap");
    }

    @Test
    void onATerminalProgressIsOneRedrawnBar() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream progress = new PrintStream(out, true, StandardCharsets.UTF_8);

        FlowControlledIngestion.Result r = FlowControlledIngestion.run(new FlowControlledIngestion.Params(
                20_000, 128, 512, progress, true, Duration.ofMillis(20)));

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).startsWith("\r  [").contains("[####################] 100%").endsWith(System.lineSeparator());
        assertThat(printed.chars().filter(c -> c == '\n').count()).isEqualTo(1); // one line, redrawn in place
        assertThat(printed.chars().filter(c -> c == '\r').count()).isEqualTo(r.progressLines());
    }

    @Test
    void theGeneratedLinesCarryTheirChecksum() {
        String line = FlowControlledIngestion.line(1234);

        assertThat(line).startsWith("1234,210,1700000012340,");
        assertThat(FlowControlledIngestion.crc(line.substring(0, line.lastIndexOf(','))))
                .isEqualTo(Long.parseLong(line.substring(line.lastIndexOf(',') + 1)));
        assertThat(FlowControlledIngestion.records(5).collectList().block()).hasSize(5);
    }
}
