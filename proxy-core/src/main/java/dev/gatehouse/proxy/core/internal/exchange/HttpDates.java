package dev.gatehouse.proxy.core.internal.exchange;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The current time as an HTTP {@code Date} value, formatted at most once a second: a response that lacks
 * a Date gets one (RFC 9110 6.6.1), and formatting dates per response would show up in a profile.
 * Thread-safe: the cache is one immutable pair swapped in a volatile field.
 */
final class HttpDates {

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private static volatile Cached cached = new Cached(0, "");

    private HttpDates() {
    }

    /** Returns the current time, such as {@code Mon, 23 Nov 2026 09:40:17 GMT}. */
    static String now() {
        long second = System.currentTimeMillis() / 1000;
        Cached current = cached;
        if (current.second != second) {
            current = new Cached(second, FORMAT.format(Instant.ofEpochSecond(second)));
            cached = current;
        }
        return current.text;
    }

    private static final class Cached {
        final long second;
        final String text;

        Cached(long second, String text) {
            this.second = second;
            this.text = text;
        }
    }
}
