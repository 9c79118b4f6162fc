package io.github.enzoblain.async.examples;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopStats;
import io.github.enzoblain.async.core.VirtualClock;
import io.github.enzoblain.async.core.trace.TraceRecorder;
import io.github.enzoblain.async.reactive.LoopScheduler;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Use 1: a deterministic scheduler in a Reactor pipeline. A rate-limited API client (one call every
 * {@link Params#callEvery()}, at most eight in flight, each call with a two-second {@code timeout} and
 * {@code retryWhen(Retry.backoff(3, 500 ms))}) runs beside {@code Flux.interval} heartbeats, all on a
 * {@link LoopScheduler} over a loop whose clock is a {@link VirtualClock}. {@link StepVerifier} checks hours of virtual
 * time in milliseconds; a {@link TraceRecorder} records every task of the loop and exports it for Perfetto; a second,
 * identical run exports the same bytes.
 *
 * <p><b>Concurrency.</b> Everything runs on the calling thread: StepVerifier subscribes on it, then moves the clock,
 * which drives the loop there, so every operator's signal comes from the one loop in (deadline, sequence) order. No
 * global Reactor state is touched ({@code StepVerifier.withVirtualTime} is not used), so runs can go side by side on
 * separate threads, each with its own loop.
 */
public final class DeterministicPipeline {

    /*
     * Implementation notes.
     *
     * - Determinism needs every source of time and chance to come from the loop: every time-based operator gets the
     *   loop scheduler explicitly, the fake server's latencies and failures are a hash of (seed, request, attempt), and
     *   Retry.backoff's jitter is set to 0 (its default jitter draws from ThreadLocalRandom).
     * - The heartbeats stop when the calls complete (takeUntilOther on an empty sink), so the merged stream completes
     *   and StepVerifier can verify completion.
     * - The trace is compared as bytes: the recorder's export depends only on the recorded events, so two runs of the
     *   same program on virtual time export byte-identical JSON.
     */

    static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
    static final int MAX_RETRIES = 3;
    static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    static final Duration HEARTBEAT = Duration.ofSeconds(30);
    static final int MAX_IN_FLIGHT = 8;

    /**
     * What to run.
     *
     * @param requests  how many API calls
     * @param callEvery the rate limit: one call started per this interval
     * @param seed      the fake server's seed (latencies, stuck calls, errors)
     * @param traceFile where the first run's Chrome trace goes (null: not written)
     */
    public record Params(int requests, Duration callEvery, long seed, Path traceFile) {
        public Params {
            if (requests < 1) {
                throw new IllegalArgumentException("requests must be >= 1, was " + requests);
            }
            if (callEvery.isNegative() || callEvery.isZero()) {
                throw new IllegalArgumentException("callEvery must be > 0, was " + callEvery);
            }
        }

        /** @return the showcase's run: 7,200 calls, one per second (two hours), trace under the build directory */
        public static Params defaults() {
            return new Params(7_200, Duration.ofSeconds(1), 42, Outputs.file("pipeline-trace.json"));
        }

        /** @return how long the calls take to start, in virtual time */
        Duration span() {
            return callEvery.multipliedBy(requests);
        }
    }

    /** One event of the pipeline's output: an API response or a heartbeat, stamped with the loop's virtual time. */
    public sealed interface Event permits Response, Heartbeat {
        /** @return the loop's clock when the event was emitted, in nanoseconds */
        long at();
    }

    /**
     * An API call's end.
     *
     * @param request  the request number (1-based)
     * @param attempts how many times it was tried
     * @param ok       whether it succeeded (otherwise it gave up after its retries)
     * @param at       the loop's clock at the response
     */
    public record Response(int request, int attempts, boolean ok, long at) implements Event {
    }

    /**
     * A heartbeat.
     *
     * @param seq the tick number (0-based)
     * @param at  the loop's clock at the tick
     */
    public record Heartbeat(long seq, long at) implements Event {
    }

    /**
     * What one run gave.
     *
     * @param requests        calls made
     * @param callEvery       the rate limit: one call started per this interval
     * @param succeeded       calls that got an answer (maybe after retries)
     * @param gaveUp          calls that failed all their attempts
     * @param retries         attempts beyond the first
     * @param timeouts        attempts cut by the two-second timeout
     * @param serverErrors    attempts that got an error from the server
     * @param heartbeats      heartbeats emitted
     * @param lateHeartbeats  heartbeats not exactly on their 30-second mark (expected 0)
     * @param virtualTime     virtual time from subscription to completion
     * @param verifyNanos     wall time StepVerifier took to verify it
     * @param traceEvents     events the trace recorder recorded
     * @param traceDropped    events it had to drop (expected 0)
     * @param trace           the Chrome trace JSON
     * @param stats           the loop's counters at the end
     */
    public record Run(int requests, Duration callEvery, int succeeded, int gaveUp, long retries, long timeouts, long serverErrors, long heartbeats,
               long lateHeartbeats, Duration virtualTime, long verifyNanos, long traceEvents, long traceDropped,
               byte[] trace, LoopStats stats) {
    }

    /**
     * What the example shows.
     *
     * @param first           the first run
     * @param traceFile       where its trace was written (null if not asked)
     * @param traceSha256     the SHA-256 of its trace
     * @param secondRunSha256 the SHA-256 of the second run's trace
     * @param identical       whether the two traces are byte for byte the same
     */
    public record Result(Run first, Path traceFile, String traceSha256, String secondRunSha256, boolean identical) {

        /** @return a few readable lines */
        public String summary() {
            Run r = first;
            return String.format(
                    "Rate-limited API client (%s calls, 1 per %s, %ds timeout, retryWhen(Retry.backoff(%d, %d ms)), "
                            + "%ds heartbeats) on LoopScheduler + VirtualClock%n"
                            + "  StepVerifier verified %s of virtual time in %s%n"
                            + "  %s answered, %s gave up after %d retries; %s retries (%s timeouts, %s server errors); "
                            + "%s heartbeats, %s off their mark%n"
                            + "  trace: %s events (%s dropped)%s%n"
                            + "  same run twice => same trace: sha256 %s / %s -> %s%n"
                            + "  loop: %s tasks, %s cancelled (timeouts disarmed), balanced=%s",
                    Figures.count(r.requests()), Figures.duration(r.callEvery()), CALL_TIMEOUT.toSeconds(), MAX_RETRIES, FIRST_BACKOFF.toMillis(),
                    HEARTBEAT.toSeconds(),
                    Figures.duration(r.virtualTime()), Figures.millis(r.verifyNanos()),
                    Figures.count(r.succeeded()), Figures.count(r.gaveUp()), MAX_RETRIES, Figures.count(r.retries()),
                    Figures.count(r.timeouts()), Figures.count(r.serverErrors()), Figures.count(r.heartbeats()),
                    Figures.count(r.lateHeartbeats()),
                    Figures.count(r.traceEvents()), Figures.count(r.traceDropped()),
                    traceFile == null ? "" : ", written to " + traceFile.toAbsolutePath().normalize()
                            + " (open it in https://ui.perfetto.dev)",
                    traceSha256.substring(0, 16), secondRunSha256.substring(0, 16),
                    identical ? "identical" : "DIFFERENT",
                    Figures.count(r.stats().started()), Figures.count(r.stats().cancelled()), r.stats().isBalanced());
        }
    }

    /** Runs the showcase's pipeline twice and prints the summary. */
    public static void main(String[] args) {
        System.out.println(run(Params.defaults()).summary());
    }

    /** Runs the pipeline twice on fresh loops, writes the first run's trace, compares the two traces. */
    public static Result run(Params params) {
        Run first = runOnce(params);
        Run second = runOnce(params);
        if (params.traceFile() != null) {
            try {
                Files.createDirectories(params.traceFile().toAbsolutePath().getParent());
                Files.write(params.traceFile(), first.trace());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        String a = sha256(first.trace());
        String b = sha256(second.trace());
        return new Result(first, params.traceFile(), a, b, Arrays.equals(first.trace(), second.trace()));
    }

    /** One run: build the loop, the scheduler and the pipeline; let StepVerifier drive virtual time through it. */
    static Run runOnce(Params params) {
        VirtualClock clock = new VirtualClock();
        TraceRecorder trace = new TraceRecorder("pipeline", clock, 1 << 20);
        Loop loop = Loop.builder().name("pipeline").clock(clock).listener(trace).build();
        LoopScheduler scheduler = LoopScheduler.create(loop);
        FakeServer server = new FakeServer(params.seed());
        long start = clock.nanoTime();

        Flux<Event> pipeline = Flux.defer(() -> {
            Sinks.Empty<Void> callsDone = Sinks.empty();
            Flux<Event> calls = Flux.range(1, params.requests())
                    .delayElements(params.callEvery(), scheduler) // the rate limit
                    .flatMap(id -> call(server, id, scheduler), MAX_IN_FLIGHT)
                    .doOnTerminate(callsDone::tryEmitEmpty);
            Flux<Event> heartbeats = Flux.interval(HEARTBEAT, scheduler)
                    .<Event>map(seq -> new Heartbeat(seq, clock.nanoTime()))
                    .takeUntilOther(callsDone.asMono());
            return Flux.merge(calls, heartbeats);
        });

        List<Event> events = new ArrayList<>();
        Duration horizon = params.span().plus(Duration.ofMinutes(1)); // the last calls' retries fit in a minute
        Duration took = StepVerifier.create(pipeline)
                .expectSubscription()
                .then(() -> clock.advanceBy(horizon)) // drives the loop, on this thread, through every due timer
                .recordWith(() -> events)
                .thenConsumeWhile(e -> true)
                .consumeRecordedWith(recorded -> check(params, recorded, start))
                .expectComplete()
                .verify(Duration.ofSeconds(60));

        int ok = 0, gaveUp = 0;
        long end = start, heartbeats = 0, late = 0;
        for (Event e : events) {
            end = Math.max(end, e.at());
            if (e instanceof Response r) {
                if (r.ok()) {
                    ok++;
                } else {
                    gaveUp++;
                }
            } else {
                Heartbeat h = (Heartbeat) e;
                heartbeats++;
                if (h.at() - start != HEARTBEAT.toNanos() * (h.seq() + 1)) {
                    late++;
                }
            }
        }
        byte[] json = trace.toChromeTrace().getBytes(StandardCharsets.UTF_8);
        LoopStats stats = loop.stats();
        scheduler.dispose();
        loop.close();
        return new Run(params.requests(), params.callEvery(), ok, gaveUp, server.attempts - params.requests(), server.stuck,
                server.errors, heartbeats, late, Duration.ofNanos(end - start), took.toNanos(), trace.recorded(),
                trace.dropped(), json, stats);
    }

    /** One API call: timeout per attempt, retries with exponential backoff (no jitter), a failure record at the end. */
    static Mono<Event> call(FakeServer server, int id, LoopScheduler scheduler) {
        int[] attempts = {0};
        return Mono.defer(() -> server.answer(id, ++attempts[0], scheduler))
                .timeout(CALL_TIMEOUT, scheduler)
                .retryWhen(Retry.backoff(MAX_RETRIES, FIRST_BACKOFF).jitter(0).scheduler(scheduler))
                .<Event>map(at -> new Response(id, attempts[0], true, at))
                .onErrorResume(e -> Mono.fromCallable(() -> new Response(id, attempts[0], false,
                        scheduler.now(TimeUnit.NANOSECONDS))));
    }

    /** Checks, inside StepVerifier, what every run must satisfy; throws AssertionError otherwise. */
    static void check(Params params, Collection<Event> events, long start) {
        boolean[] answered = new boolean[params.requests() + 1];
        long expectedBeat = 0;
        for (Event e : events) {
            if (e instanceof Response r) {
                if (answered[r.request()]) {
                    throw new AssertionError("request " + r.request() + " answered twice");
                }
                answered[r.request()] = true;
                if (r.attempts() < 1 || r.attempts() > MAX_RETRIES + 1) {
                    throw new AssertionError("request " + r.request() + " tried " + r.attempts() + " times");
                }
            } else {
                Heartbeat h = (Heartbeat) e;
                if (h.seq() != expectedBeat++) {
                    throw new AssertionError("heartbeat " + h.seq() + " out of order");
                }
            }
        }
        for (int i = 1; i <= params.requests(); i++) {
            if (!answered[i]) {
                throw new AssertionError("request " + i + " never answered");
            }
        }
        long minBeats = params.span().dividedBy(HEARTBEAT);
        if (expectedBeat < minBeats) {
            throw new AssertionError(expectedBeat + " heartbeats, expected at least " + minBeats);
        }
    }

    /**
     * A fake remote API: each (request, attempt) gets a latency and an outcome from a hash of the seed, so the same
     * seed gives the same answers. 8% of attempts hang past the timeout, 5% fail with a server error.
     */
    static final class FakeServer {
        final long seed;
        long attempts, stuck, errors;

        FakeServer(long seed) {
            this.seed = seed;
        }

        /** @return the loop's clock when the answer arrives */
        Mono<Long> answer(int id, int attempt, LoopScheduler scheduler) {
            attempts++;
            long h = mix(seed ^ mix(id * 31L + attempt));
            int roll = (int) Math.floorMod(h, 100);
            if (roll < 8) {
                stuck++;
                return Mono.delay(Duration.ofSeconds(5), scheduler).map(x -> scheduler.now(
                        TimeUnit.NANOSECONDS)); // cut by the timeout
            }
            long latency = 50 + Math.floorMod(h >>> 8, 400);
            if (roll < 13) {
                errors++;
                return Mono.delay(Duration.ofMillis(latency), scheduler)
                        .then(Mono.error(new IllegalStateException("503 from request " + id)));
            }
            return Mono.delay(Duration.ofMillis(latency), scheduler)
                    .map(x -> scheduler.now(TimeUnit.NANOSECONDS));
        }

        private static long mix(long z) { // SplitMix64's finaliser
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }
}
