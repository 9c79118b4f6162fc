package io.github.enzoblain.async.examples;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DeterministicPipelineTest {

    @Test
    void hoursOfVirtualTimeVerifyInMillisecondsAndTheTraceRepeats() throws Exception {
        Path traceFile = Path.of("target", "test-pipeline-trace.json");
        Files.deleteIfExists(traceFile);
        DeterministicPipeline.Params params = new DeterministicPipeline.Params(900, Duration.ofSeconds(4), 7, traceFile);

        DeterministicPipeline.Result result = DeterministicPipeline.run(params);
        DeterministicPipeline.Run r = result.first();

        // an hour of virtual time (900 calls, one per 4 s), verified by StepVerifier inside run()
        assertThat(r.virtualTime()).isBetween(Duration.ofHours(1), Duration.ofHours(1).plusMinutes(1));
        assertThat(Duration.ofNanos(r.verifyNanos())).isLessThan(Duration.ofSeconds(20)); // loose: shared CI machines
        // every call answered, the flaky server made the retries and timeouts do their work
        assertThat(r.succeeded() + r.gaveUp()).isEqualTo(900);
        assertThat(r.succeeded()).isGreaterThan(850);
        assertThat(r.timeouts()).isPositive();
        assertThat(r.serverErrors()).isPositive();
        assertThat(r.retries()).isEqualTo(r.timeouts() + r.serverErrors() - r.gaveUp());
        // heartbeats every 30 s on the dot until the calls are done
        assertThat(r.heartbeats()).isEqualTo(r.virtualTime().dividedBy(DeterministicPipeline.HEARTBEAT));
        assertThat(r.lateHeartbeats()).isZero();
        assertThat(r.stats().isBalanced()).isTrue();

        // the trace: complete, written, and the same bytes on a second run
        assertThat(r.traceDropped()).isZero();
        assertThat(result.identical()).isTrue();
        assertThat(result.secondRunSha256()).isEqualTo(result.traceSha256());
        assertThat(Files.readAllBytes(traceFile)).isEqualTo(r.trace());
        String json = new String(r.trace(), StandardCharsets.UTF_8);
        assertThat(json).startsWith("{").contains("\"traceEvents\"").contains("\"ph\":\"X\"");
        assertThat(result.summary()).contains("identical");
    }

    @Test
    void anotherSeedGivesAnotherTrace() {
        DeterministicPipeline.Run a = DeterministicPipeline.runOnce(
                new DeterministicPipeline.Params(100, Duration.ofSeconds(1), 1, null));
        DeterministicPipeline.Run b = DeterministicPipeline.runOnce(
                new DeterministicPipeline.Params(100, Duration.ofSeconds(1), 2, null));

        assertThat(DeterministicPipeline.sha256(a.trace())).isNotEqualTo(DeterministicPipeline.sha256(b.trace()));
    }
}
