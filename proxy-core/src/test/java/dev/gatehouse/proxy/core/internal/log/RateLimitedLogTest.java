package dev.gatehouse.proxy.core.internal.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class RateLimitedLogTest {

    /** Records formatted lines instead of printing them. */
    private static final class RecordingLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;
        final List<String> lines = new ArrayList<>();

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String format, Object[] arguments,
                                                   Throwable throwable) {
            lines.add(level + " " + MessageFormatter.basicArrayFormat(format, arguments));
        }

        @Override
        public boolean isTraceEnabled() {
            return true;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }

    @org.junit.jupiter.api.Test
    void writesOneLineAnIntervalAndCountsTheRest() {
        RecordingLogger logger = new RecordingLogger();
        AtomicLong now = new AtomicLong(1_000);
        RateLimitedLog log = new RateLimitedLog(logger, 1000, now::get);

        assertThat(log.warn("upstream {} failed", "a")).isTrue();
        assertThat(log.warn("upstream {} failed", "b")).isFalse();
        assertThat(log.warn("upstream {} failed", "c")).isFalse();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1001));
        assertThat(log.warn("upstream {} failed", "d")).isTrue();

        assertThat(logger.lines).containsExactly("WARN upstream a failed",
                "WARN upstream d failed (2 similar lines suppressed)");
    }
}
