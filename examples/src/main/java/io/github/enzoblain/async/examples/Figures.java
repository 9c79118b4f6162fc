package io.github.enzoblain.async.examples;

import java.time.Duration;
import java.util.Locale;

/**
 * Formats the figures the examples print: counts with thousands separators, durations the way a person reads them,
 * byte sizes in MiB. Stateless; safe from any thread.
 */
final class Figures {

    private Figures() {
    }

    /** @return {@code n} with thousands separators, e.g. {@code 5,000,000} */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** @return e.g. {@code 2d 03h 00m}, {@code 3h 00m 05s}, {@code 412 ms} */
    static String duration(Duration d) {
        long s = d.getSeconds();
        if (s >= 86_400) {
            return String.format(Locale.ROOT, "%dd %02dh %02dm", s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
        }
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh %02dm %02ds", s / 3600, (s % 3600) / 60, s % 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
        }
        if (s >= 10 || s > 0 && d.getNano() == 0) {
            return s + " s";
        }
        return millis(d.toNanos());
    }

    /** @return {@code nanos} as milliseconds, e.g. {@code 412 ms} */
    static String millis(long nanos) {
        return count(nanos / 1_000_000) + " ms";
    }

    /** @return {@code bytes} in MiB, e.g. {@code 38.2 MiB} */
    static String mebibytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
