package io.github.enzoblain.async.examples;

import io.github.enzoblain.async.core.Loop;
import io.github.enzoblain.async.core.LoopStats;
import io.github.enzoblain.async.core.LoopThread;
import io.github.enzoblain.async.core.queue.RunQueues;
import io.github.enzoblain.async.reactive.LoopIngestSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32;

/**
 * Use 2: flow-controlled ingestion. A producer thread generates millions of CSV sensor readings as fast as it is
 * asked; a {@link LoopIngestSubscriber} pulls them into a loop with a bounded run queue, where each line is parsed,
 * checksummed and aggregated. Demand is driven by the loop: the subscriber never has more than its window of records
 * requested or queued, so the run queue stays under its bound and the heap stays flat however fast the producer is.
 * The example prints progress as it goes, then throughput, peak queue depth and peak heap.
 *
 * <p><b>Threads.</b> Three, all explicit: the producer (a Reactor single-thread scheduler, made and disposed here), the
 * loop's driver (a {@link LoopThread}, made and closed here), and the calling thread, which only waits and prints
 * progress. The aggregates are written by the loop's thread only and read by the caller after the loop has closed
 * ({@link LoopThread#close()} joins the driver, which happens-before the read).
 */
public final class FlowControlledIngestion {

    /*
     * Implementation notes.
     *
     * - The producer is Flux.generate on subscribeOn(single): every request the subscriber makes (from the loop's
     *   thread, as records are handled) hops to the producer thread, which generates exactly that many lines. Nothing
     *   is buffered on the producer side beyond what was requested.
     * - Heap: "peak heap" sums the heap pools' peak usage since the start (reset first; it includes garbage not yet
     *   collected, so it mostly shows the young generation's size), and "live heap" is what the pools held right after
     *   their latest collection, sampled with each progress line: that is the figure that would grow if records piled
     *   up. The estimate of the heap all records would take if held at once uses the average line length.
     * - Checks: the sum of the sequence numbers seen is n(n-1)/2 and every line's CRC matches the one its producer
     *   embedded, so nothing was lost, duplicated or corrupted on the way.
     */

    static final int SENSORS = 1024;

    /**
     * What to run.
     *
     * @param records       how many records to generate and ingest
     * @param window        the ingest subscriber's window: records requested or in the loop at once
     * @param queueCapacity the loop's bounded run queue
     * @param progress      where progress goes (null: nowhere)
     * @param terminal      whether {@code progress} is a terminal (a redrawn bar) or not (a line per interval)
     * @param every         how often progress is printed
     */
    public record Params(long records, int window, int queueCapacity, PrintStream progress, boolean terminal,
                         Duration every) {
        public Params {
            if (records < 1) {
                throw new IllegalArgumentException("records must be >= 1, was " + records);
            }
            if (window < 1 || queueCapacity < window) {
                throw new IllegalArgumentException("need 1 <= window <= queueCapacity, was window=" + window
                        + ", queueCapacity=" + queueCapacity);
            }
        }

        /** @return the showcase's run: 5,000,000 records, progress on standard output */
        public static Params defaults() {
            return new Params(5_000_000, 1024, 4096, System.out, System.console() != null, Duration.ofSeconds(1));
        }
    }

    /**
     * What happened.
     *
     * @param records            records generated
     * @param handled            records the loop handled
     * @param badLines           lines whose checksum or fields did not match (expected 0)
     * @param sequenceSumOk      whether the sequence numbers seen sum to n(n-1)/2
     * @param wallNanos          time from subscription to the last record handled
     * @param window             the subscriber's window
     * @param queueCapacity      the run queue's bound
     * @param peakQueueDepth     the run queue's largest depth
     * @param peakHeapBytes      sum of the heap pools' peak usage during the run (garbage included)
     * @param liveHeapStartBytes heap live after the last collection, at the start
     * @param liveHeapMaxBytes   the largest heap live after a collection, sampled during the run
     * @param collections        garbage collections during the run
     * @param allRecordsBytes    an estimate of the heap all records would take if held at once
     * @param progressLines      progress updates printed
     * @param stats              the loop's counters at the end
     */
    public record Result(long records, long handled, long badLines, boolean sequenceSumOk, long wallNanos,
                         int window, int queueCapacity, long peakQueueDepth, long peakHeapBytes,
                         long liveHeapStartBytes, long liveHeapMaxBytes, long collections, long allRecordsBytes,
                         int progressLines,
                         LoopStats stats) {

        /** @return records per second */
        public double throughput() {
            return handled * 1e9 / Math.max(1, wallNanos);
        }

        /** @return a few readable lines */
        public String summary() {
            return String.format(Locale.ROOT,
                    "%s CSV records from a producer thread into a loop (bounded run queue of %s, window %s): "
                            + "%s handled in %s%n"
                            + "  throughput %s records/s; peak queue depth %s (bound %s), %s rejected; %s bad lines, "
                            + "sequence checksum %s%n"
                            + "  heap live after GC: %s at start, at most %s during the run (%s GCs): flat, where "
                            + "holding every record would take ~%s%n"
                            + "  peak heap used %s (that is the young generation's uncollected garbage, sized by the "
                            + "JVM, not by the data)%n"
                            + "  loop: %s tasks, balanced=%s",
                    Figures.count(records), Figures.count(queueCapacity), Figures.count(window),
                    Figures.count(handled), Figures.millis(wallNanos),
                    Figures.count((long) throughput()), Figures.count(peakQueueDepth), Figures.count(queueCapacity),
                    Figures.count(stats.rejected()), Figures.count(badLines), sequenceSumOk ? "ok" : "WRONG",
                    Figures.mebibytes(liveHeapStartBytes), Figures.mebibytes(liveHeapMaxBytes),
                    Figures.count(collections), Figures.mebibytes(allRecordsBytes), Figures.mebibytes(peakHeapBytes),
                    Figures.count(stats.started()), stats.isBalanced());
        }
    }

    /** Runs the showcase's ingestion with progress on standard output, and prints the summary. */
    public static void main(String[] args) {
        System.out.println(run(Params.defaults()).summary());
    }

    /** Generates and ingests {@code params.records()} records; returns when all are handled. */
    public static Result run(Params params) {
        HeapWatch heap = new HeapWatch();
        Loop loop = Loop.builder()
                .name("ingest")
                .runQueue(RunQueues.boundedFifo(params.queueCapacity()))
                .watermarks(params.queueCapacity() * 3 / 4, params.queueCapacity() / 4)
                .build();
        Aggregates aggregates = new Aggregates();
        LoopIngestSubscriber<String> ingest = LoopIngestSubscriber.create(loop, aggregates::accept, params.window());
        Scheduler producerThread = Schedulers.newSingle("producer");
        LoopThread driver = LoopThread.start(loop);
        Progress progress = new Progress(params, ingest, loop, heap);
        long start = System.nanoTime();
        try {
            records(params.records()).subscribeOn(producerThread).subscribe(ingest);
            CompletableFuture<Void> done = ingest.completion().toCompletableFuture();
            while (true) {
                try {
                    done.get(params.every().toNanos(), TimeUnit.NANOSECONDS);
                    break;
                } catch (TimeoutException e) {
                    progress.print(System.nanoTime() - start);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while ingesting", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("ingestion failed", e.getCause());
        } finally {
            ingest.cancel(); // no-op once complete
            driver.close(); // joins the loop's thread: its writes to the aggregates are visible after this
            producerThread.dispose();
        }
        long wall = System.nanoTime() - start;
        progress.finish(wall);
        heap.sample();
        long n = params.records();
        return new Result(n, aggregates.count, aggregates.bad, aggregates.sequenceSum == n * (n - 1) / 2, wall,
                ingest.window(), params.queueCapacity(), loop.stats().peakQueueDepth(), heap.peak(),
                heap.liveAtStart, heap.liveMax, heap.collections(), n * bytesPerRecord(aggregates.averageLineLength()),
                progress.lines, loop.stats());
    }

    /**
     * The producer: {@code n} CSV lines {@code seq,sensor,epochMillis,value,crc}, generated lazily, each on request.
     */
    static Flux<String> records(long n) {
        return Flux.generate(() -> 0L, (seq, sink) -> {
            if (seq == n) {
                sink.complete();
            } else {
                sink.next(line(seq));
            }
            return seq + 1;
        });
    }

    static String line(long seq) {
        int sensor = (int) (seq % SENSORS);
        long at = 1_700_000_000_000L + seq * 10;
        long milli = Math.floorMod(seq * 2_654_435_761L, 100_000); // a reading in [-50.000, 49.999]
        String body = seq + "," + sensor + "," + at + "," + (milli / 1000 - 50) + "." + pad3(milli % 1000);
        return body + "," + crc(body);
    }

    private static String pad3(long v) {
        return v < 10 ? "00" + v : v < 100 ? "0" + v : Long.toString(v);
    }

    static long crc(String s) {
        CRC32 crc = new CRC32();
        crc.update(s.getBytes(StandardCharsets.ISO_8859_1));
        return crc.getValue();
    }

    /** A String of {@code len} Latin-1 chars: header 24 bytes, byte[] 16 + len rounded up to 8. */
    static long bytesPerRecord(double len) {
        return 24 + 16 + (((long) Math.ceil(len) + 7) & ~7L);
    }

    /** Per-sensor count, sum, min and max; the loop's thread only (see the class comment for visibility). */
    static final class Aggregates {
        final long[] counts = new long[SENSORS];
        final double[] sums = new double[SENSORS];
        final double[] mins = new double[SENSORS];
        final double[] maxs = new double[SENSORS];
        long count, bad, sequenceSum, chars;

        void accept(String line) {
            count++;
            chars += line.length();
            int c1 = line.indexOf(','), c2 = line.indexOf(',', c1 + 1), c3 = line.indexOf(',', c2 + 1),
                    c4 = line.lastIndexOf(',');
            if (c1 < 0 || c2 < 0 || c3 < 0 || c4 <= c3 || crc(line.substring(0, c4)) != Long.parseLong(
                    line.substring(c4 + 1))) {
                bad++;
                return;
            }
            long seq = Long.parseLong(line, 0, c1, 10);
            int sensor = Integer.parseInt(line, c1 + 1, c2, 10);
            double value = Double.parseDouble(line.substring(c3 + 1, c4));
            sequenceSum += seq;
            if (counts[sensor]++ == 0) {
                mins[sensor] = value;
                maxs[sensor] = value;
            } else {
                mins[sensor] = Math.min(mins[sensor], value);
                maxs[sensor] = Math.max(maxs[sensor], value);
            }
            sums[sensor] += value;
        }

        double averageLineLength() {
            return count == 0 ? 0 : (double) chars / count;
        }
    }

    /** Progress lines (or a redrawn bar on a terminal), from the calling thread. */
    static final class Progress {
        final Params params;
        final LoopIngestSubscriber<?> ingest;
        final Loop loop;
        final HeapWatch heap;
        int lines;

        Progress(Params params, LoopIngestSubscriber<?> ingest, Loop loop, HeapWatch heap) {
            this.params = params;
            this.ingest = ingest;
            this.loop = loop;
            this.heap = heap;
        }

        void print(long elapsedNanos) {
            heap.sample();
            lines++;
            PrintStream out = params.progress();
            if (out == null) {
                return;
            }
            long done = ingest.handled();
            int percent = (int) (done * 100 / params.records());
            String figures = String.format(Locale.ROOT, "%3d%% %s records, %s/s, queue %s, live heap %s",
                    percent, Figures.count(done), Figures.count((long) (done * 1e9 / Math.max(1, elapsedNanos))),
                    Figures.count(loop.queueDepth()), Figures.mebibytes(heap.lastLive));
            if (params.terminal()) {
                int bar = percent / 5;
                out.print("\r  [" + "#".repeat(bar) + ".".repeat(20 - bar) + "] " + figures + "   ");
            } else {
                out.println("  " + figures);
            }
            out.flush();
        }

        /** A last update at 100% (on a terminal it ends the bar's line). */
        void finish(long elapsedNanos) {
            print(elapsedNanos);
            if (params.progress() != null && params.terminal()) {
                params.progress().println();
            }
        }
    }

    /** Heap figures from the memory pools; the calling thread only. */
    static final class HeapWatch {
        final List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        final long liveAtStart;
        final long collectionsAtStart;
        long liveMax, lastLive;

        HeapWatch() {
            System.gc(); // a baseline of what is live before the run (a hint; the figure is read either way)
            pools.forEach(MemoryPoolMXBean::resetPeakUsage);
            liveAtStart = live();
            collectionsAtStart = collectionCount();
            liveMax = liveAtStart;
            lastLive = liveAtStart;
        }

        void sample() {
            lastLive = live();
            liveMax = Math.max(liveMax, lastLive);
        }

        long live() {
            long sum = 0;
            for (MemoryPoolMXBean p : pools) {
                MemoryUsage u = p.getCollectionUsage();
                sum += u == null ? p.getUsage().getUsed() : u.getUsed();
            }
            return sum;
        }

        long collections() {
            return collectionCount() - collectionsAtStart;
        }

        private long collectionCount() {
            long sum = 0;
            for (GarbageCollectorMXBean c : collectors) {
                sum += Math.max(0, c.getCollectionCount());
            }
            return sum;
        }

        long peak() {
            long sum = 0;
            for (MemoryPoolMXBean p : pools) {
                sum += p.getPeakUsage().getUsed();
            }
            return sum;
        }
    }
}
