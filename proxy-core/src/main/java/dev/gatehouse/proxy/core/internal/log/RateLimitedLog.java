package dev.gatehouse.proxy.core.internal.log;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A WARN line that is written at most once per interval; the lines held back in between are counted and
 * the count is reported with the next line written. For failures that can happen thousands of times a
 * second (an upstream that refuses connections), in the manner of Armeria's
 * {@code DefaultUnloggedExceptionsReporter}. Thread-safe and lock-free.
 */
public final class RateLimitedLog {

    private final Logger logger;
    private final long intervalNanos;
    private final LongSupplier ticker;
    private final AtomicLong nextAllowed;
    private final AtomicLong suppressed = new AtomicLong();

    /** Creates a log that writes at most one line per {@code intervalMillis} to {@code logger}. */
    public RateLimitedLog(Logger logger, long intervalMillis, LongSupplier nanoTicker) {
        this.logger = logger;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        this.ticker = nanoTicker;
        this.nextAllowed = new AtomicLong(nanoTicker.getAsLong());
    }

    /**
     * Writes {@code format} at WARN unless a line was written less than an interval ago, in which case
     * the line is counted. The last argument may be a Throwable, as with SLF4J.
     *
     * @return true when the line was written
     */
    public boolean warn(String format, Object... arguments) {
        if (!logger.isWarnEnabled()) {
            return false;
        }
        long now = ticker.getAsLong();
        long allowed = nextAllowed.get();
        if (now - allowed < 0 || !nextAllowed.compareAndSet(allowed, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return false;
        }
        long held = suppressed.getAndSet(0);
        if (held > 0) {
            logger.warn(format + " (" + held + " similar lines suppressed)", arguments);
        } else {
            logger.warn(format, arguments);
        }
        return true;
    }
}
