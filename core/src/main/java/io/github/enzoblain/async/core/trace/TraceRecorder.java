package io.github.enzoblain.async.core.trace;

import io.github.enzoblain.async.core.LoopListener;
import io.github.enzoblain.async.core.TaskHandle;
import io.github.enzoblain.async.core.Watermark;
import io.github.enzoblain.async.core.time.Clock;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * A listener that records every event of a loop in bounded memory and exports it as Chrome Trace Event Format JSON,
 * which opens in Perfetto ({@code ui.perfetto.dev}) and {@code chrome://tracing}: a picture of what ran when, on which
 * worker, and how long it waited.
 *
 * <pre>{@code
 * VirtualClock clock = new VirtualClock();
 * TraceRecorder trace = new TraceRecorder("my-loop", clock, 1 << 16);
 * Loop loop = Loop.builder().name("my-loop").clock(clock).listener(trace).build();
 * ...
 * trace.writeChromeTrace(Path.of("loop.json"));
 * }</pre>
 *
 * <p><b>Concurrency.</b> Events are recorded by the loop's driver (listener callbacks run on it only), with no lock.
 * Read and export on the driver thread (from a task, or between driving calls), or on another thread once driving has
 * stopped and that stop happens-before the export (a joined {@code LoopThread}, {@code Loop.close()}); exporting while
 * another thread drives the loop gives an undefined (but memory-safe) picture. One instance serves one loop.
 *
 * <p><b>Records.</b> Each event keeps its sequence number, the loop clock's reading, the task id, the worker and the
 * kind (submit, start, success, failure, cancel, reject, timer fired, idle, watermark). The worker is the task's
 * {@link TaskHandle#label() label} (a task implementing {@code Labelled}), or the recorder's name for unlabelled tasks
 * and loop-wide events. The ring holds {@code capacity} events; when full, the oldest is overwritten and counted in
 * {@link #dropped()}. Up to 4096 distinct labels get their own track; further ones share a track named "other", so
 * the labels kept (and the export's metadata) stay bounded however many distinct labels the tasks carry.
 *
 * <p><b>Export.</b> One track (Chrome "thread") per worker, named by {@code thread_name} metadata. A run that ends before
 * any other run starts is a complete ({@code "X"}) slice on its worker's track, named after the label (or "task"), with
 * the task id and outcome in its args; a run that ends later (a spawned task awaiting its stage) is an async slice
 * (category "spawn"). The queue wait before each run (from submission, or from the timer's deadline) is an async slice
 * named "queued" (category "queue"), so waits of many tasks stack without overlapping the runs. Submissions, timers,
 * cancellations, rejections, idle and watermarks are instant events. Timestamps are microseconds since the first
 * recorded event, on the loop's clock, with nanosecond digits; the output depends only on the recorded events (no wall
 * clock, no hash order, no locale), so the same virtual-time program exports byte-identical files.
 */
public final class TraceRecorder implements LoopListener {

    /*
     * Implementation notes.
     *
     * - Parallel primitive arrays (kind, time, id, aux, worker) indexed by sequence % capacity: recording allocates
     *   nothing once a label has been seen. `aux` holds the run's start for an end event and the wait's beginning for a
     *   start event, so each record exports on its own even after older records were overwritten.
     * - A run is "synchronous" when no other run started between its start and its end (`running` holds the id of the
     *   run in progress); only those become X slices, which keeps slices on a track properly nested.
     * - Labels map to track indexes in first-seen order (index 0: the recorder's name), so the export is deterministic.
     */

    static final byte SUBMIT = 0, START = 1, SUCCESS = 2, FAILURE = 3, CANCEL = 4, REJECT = 5, TIMER = 6, IDLE = 7,
            HIGH = 8, LOW = 9;
    private static final byte ASYNC = 0x40; // flag on SUCCESS/FAILURE: the run did not end before the next one started
    private static final int MAX_LABELS = 4096;
    private static final String[] KIND_NAMES = {"submit", "start", "success", "failure", "cancel", "reject",
            "timer", "idle", "watermark HIGH", "watermark LOW"};

    private final String name;
    private final Clock clock;
    private final int capacity;
    private final byte[] kinds;
    private final long[] times;
    private final long[] ids;
    private final long[] aux;
    private final int[] workers;
    private final List<String> labels = new ArrayList<>();
    private final Map<String, Integer> labelIndex = new HashMap<>();

    private long recorded;
    private long origin;
    private long running = -1;

    /**
     * @param clock    the clock of the loop this recorder will be installed on
     * @param capacity the number of events kept (the most recent ones)
     */
    public TraceRecorder(Clock clock, int capacity) {
        this("loop", clock, capacity);
    }

    /**
     * @param name     the name of the loop's own track (use the loop's name)
     * @param clock    the clock of the loop this recorder will be installed on
     * @param capacity the number of events kept (the most recent ones)
     */
    public TraceRecorder(String name, Clock clock, int capacity) {
        this.name = Objects.requireNonNull(name, "name");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.capacity = capacity;
        this.kinds = new byte[capacity];
        this.times = new long[capacity];
        this.ids = new long[capacity];
        this.aux = new long[capacity];
        this.workers = new int[capacity];
        labels.add(name);
        labelIndex.put(name, 0);
    }

    // ------------------------------------------------------------------------------------------- listener

    @Override
    public void onSubmit(TaskHandle<?> task) {
        record(SUBMIT, clock.nanoTime(), task.id(), 0, worker(task));
    }

    @Override
    public void onStart(TaskHandle<?> task) {
        long deadline = task.deadline();
        long start = task.startedAt();
        long waitFrom = Math.min(start, deadline != -1 ? deadline : task.submittedAt());
        running = task.id();
        record(START, start, task.id(), waitFrom, worker(task));
    }

    @Override
    public void onSuccess(TaskHandle<?> task) {
        end(SUCCESS, task);
    }

    @Override
    public void onFailure(TaskHandle<?> task, Throwable error) {
        end(FAILURE, task);
    }

    private void end(byte kind, TaskHandle<?> task) {
        byte k = running == task.id() ? kind : (byte) (kind | ASYNC);
        running = -1;
        record(k, clock.nanoTime(), task.id(), task.startedAt(), worker(task));
    }

    @Override
    public void onCancel(TaskHandle<?> task) {
        record(CANCEL, clock.nanoTime(), task.id(), 0, worker(task));
    }

    @Override
    public void onReject(TaskHandle<?> task, RejectedExecutionException reason) {
        record(REJECT, clock.nanoTime(), task.id(), 0, worker(task));
    }

    @Override
    public void onTimerFired(TaskHandle<?> task) {
        record(TIMER, clock.nanoTime(), task.id(), 0, worker(task));
    }

    @Override
    public void onIdle() {
        record(IDLE, clock.nanoTime(), -1, 0, 0);
    }

    @Override
    public void onWatermark(Watermark mark, int queueDepth) {
        record(mark == Watermark.HIGH ? HIGH : LOW, clock.nanoTime(), -1, queueDepth, 0);
    }

    private void record(byte kind, long time, long id, long auxValue, int worker) {
        if (recorded == 0) {
            origin = time;
        }
        int slot = (int) (recorded % capacity);
        kinds[slot] = kind;
        times[slot] = time;
        ids[slot] = id;
        aux[slot] = auxValue;
        workers[slot] = worker;
        recorded++;
    }

    private int worker(TaskHandle<?> task) {
        String label = task.label();
        if (label == null) {
            return 0;
        }
        Integer index = labelIndex.get(label);
        if (index != null) {
            return index;
        }
        if (labels.size() > MAX_LABELS) { // index 0 is the recorder's own track, not a label
            label = "other";
            index = labelIndex.get(label);
            if (index != null) {
                return index;
            }
        }
        int i = labels.size();
        labels.add(label);
        labelIndex.put(label, i);
        return i;
    }

    // ------------------------------------------------------------------------------------------- readings

    /** @return the number of events recorded since construction (kept or dropped) */
    public long recorded() {
        return recorded;
    }

    /** @return the number of events overwritten because the ring was full */
    public long dropped() {
        return Math.max(0, recorded - capacity);
    }

    /** @return the number of events the ring keeps */
    public int capacity() {
        return capacity;
    }

    /** @return the events kept, oldest first, one line each: {@code seq time kind id worker} (for tests and logs) */
    public List<String> events() {
        List<String> out = new ArrayList<>();
        for (long seq = firstKept(); seq < recorded; seq++) {
            int s = (int) (seq % capacity);
            int kind = kinds[s] & ~ASYNC;
            out.add(seq + " " + times[s] + " " + KIND_NAMES[kind] + " " + ids[s] + " " + labels.get(workers[s]));
        }
        return out;
    }

    private long firstKept() {
        return Math.max(0, recorded - capacity);
    }

    // --------------------------------------------------------------------------------------------- export

    /** Writes the kept events as Chrome Trace Event Format JSON to {@code path} (UTF-8, replacing the file). */
    public void writeChromeTrace(Path path) throws IOException {
        try (Writer w = Files.newBufferedWriter(path, StandardCharsets.UTF_8)) {
            writeChromeTrace(w);
        }
    }

    /** Writes the kept events as Chrome Trace Event Format JSON to {@code out} (UTF-8; flushed, not closed). */
    public void writeChromeTrace(OutputStream out) throws IOException {
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        writeChromeTrace(w);
        w.flush();
    }

    /** @return the kept events as Chrome Trace Event Format JSON */
    public String toChromeTrace() {
        StringBuilder sb = new StringBuilder(256 + (int) Math.min(1 << 24, 160L * Math.min(recorded, capacity)));
        try {
            writeChromeTrace(sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringBuilder does not throw
        }
        return sb.toString();
    }

    /** Writes the kept events as Chrome Trace Event Format JSON to {@code out}. */
    public void writeChromeTrace(Appendable out) throws IOException {
        out.append("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"recorder\":");
        string(out, name);
        out.append(",\"recorded\":").append(Long.toString(recorded))
                .append(",\"dropped\":").append(Long.toString(dropped())).append("},\"traceEvents\":[\n");
        out.append("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,\"args\":{\"name\":");
        string(out, name);
        out.append("}}");
        for (int i = 0; i < labels.size(); i++) {
            out.append(",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":").append(Integer.toString(i + 1))
                    .append(",\"args\":{\"name\":");
            string(out, labels.get(i));
            out.append("}}");
            out.append(",\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":")
                    .append(Integer.toString(i + 1)).append(",\"args\":{\"sort_index\":").append(Integer.toString(i))
                    .append("}}");
        }
        for (long seq = firstKept(); seq < recorded; seq++) {
            event(out, seq, (int) (seq % capacity));
        }
        out.append("\n]}\n");
    }

    private void event(Appendable out, long seq, int s) throws IOException {
        int kind = kinds[s];
        long time = times[s];
        long id = ids[s];
        int tid = workers[s] + 1;
        String label = workers[s] == 0 ? "task" : labels.get(workers[s]);
        switch (kind) {
            case START -> {
                async(out, "queued", "queue", 'b', "q", id, tid, aux[s], seq);
                async(out, "queued", "queue", 'e', "q", id, tid, time, seq);
            }
            case SUCCESS, FAILURE -> {
                long start = aux[s];
                head(out, label, "task", 'X', tid, start);
                out.append(",\"dur\":");
                micros(out, time - start);
                out.append(",\"args\":{\"id\":").append(Long.toString(id)).append(",\"outcome\":\"")
                        .append(kind == SUCCESS ? "success" : "failure").append("\",\"seq\":")
                        .append(Long.toString(seq)).append("}}");
            }
            case SUCCESS | ASYNC, FAILURE | ASYNC -> {
                async(out, label, "spawn", 'b', "s", id, tid, aux[s], seq);
                async(out, label, "spawn", 'e', "s", id, tid, time, seq);
            }
            case HIGH, LOW -> {
                head(out, KIND_NAMES[kind], "watermark", 'i', tid, time);
                out.append(",\"s\":\"p\",\"args\":{\"depth\":").append(Long.toString(aux[s])).append(",\"seq\":")
                        .append(Long.toString(seq)).append("}}");
            }
            case IDLE -> {
                head(out, "idle", "loop", 'i', tid, time);
                out.append(",\"s\":\"t\",\"args\":{\"seq\":").append(Long.toString(seq)).append("}}");
            }
            default -> { // SUBMIT, CANCEL, REJECT, TIMER
                head(out, KIND_NAMES[kind], KIND_NAMES[kind], 'i', tid, time);
                out.append(",\"s\":\"t\",\"args\":{\"id\":").append(Long.toString(id)).append(",\"seq\":")
                        .append(Long.toString(seq)).append("}}");
            }
        }
    }

    private void async(Appendable out, String eventName, String category, char phase, String idPrefix, long id,
                       int tid, long time, long seq) throws IOException {
        head(out, eventName, category, phase, tid, time);
        out.append(",\"id\":\"").append(idPrefix).append(Long.toString(id)).append("\",\"args\":{\"id\":")
                .append(Long.toString(id)).append(",\"seq\":").append(Long.toString(seq)).append("}}");
    }

    private void head(Appendable out, String eventName, String category, char phase, int tid, long time)
            throws IOException {
        out.append(",\n{\"name\":");
        string(out, eventName);
        out.append(",\"cat\":\"").append(category).append("\",\"ph\":\"").append(phase)
                .append("\",\"pid\":1,\"tid\":").append(Integer.toString(tid)).append(",\"ts\":");
        micros(out, time - origin);
    }

    /** Nanoseconds as microseconds with exactly three decimals, by integer arithmetic (no locale, no rounding). */
    static void micros(Appendable out, long nanos) throws IOException {
        if (nanos < 0) {
            out.append('-');
            if (nanos == Long.MIN_VALUE) {
                out.append("9223372036854775.808");
                return;
            }
            nanos = -nanos;
        }
        long frac = nanos % 1000;
        out.append(Long.toString(nanos / 1000)).append('.');
        if (frac < 100) {
            out.append('0');
        }
        if (frac < 10) {
            out.append('0');
        }
        out.append(Long.toString(frac));
    }

    static void string(Appendable out, String s) throws IOException {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
