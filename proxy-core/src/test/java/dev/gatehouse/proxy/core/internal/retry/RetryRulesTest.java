package dev.gatehouse.proxy.core.internal.retry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.RetryPolicy;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.ProtocolException;
import org.junit.jupiter.api.Test;

class RetryRulesTest {

    @Test
    void idempotentMethodsAreThoseOfRfc9110() {
        for (String method : new String[] {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) {
            assertThat(RetryRules.isIdempotent(method)).as(method).isTrue();
        }
        for (String method : new String[] {"POST", "PATCH", "CONNECT", "LOCK", "get"}) {
            assertThat(RetryRules.isIdempotent(method)).as(method).isFalse();
        }
    }

    @Test
    void classifiesFailuresByWhetherAConnectionWasMade() {
        assertThat(RetryRules.classify(new ConnectException("refused"), false)).isEqualTo(RetryPolicy.Condition.CONNECT_FAILURE);
        assertThat(RetryRules.classify(new SocketTimeoutException("connect"), false)).isEqualTo(RetryPolicy.Condition.CONNECT_FAILURE);
        assertThat(RetryRules.classify(new SocketTimeoutException("read"), true)).isEqualTo(RetryPolicy.Condition.TIMEOUT);
        assertThat(RetryRules.classify(new ConnectionClosedException(), true)).isEqualTo(RetryPolicy.Condition.RESET);
        assertThat(RetryRules.classify(new IOException("Connection reset by peer"), true)).isEqualTo(RetryPolicy.Condition.RESET);
        assertThat(RetryRules.classify(new ProtocolException("bad status"), true)).isEqualTo(RetryPolicy.Condition.RESET);
    }

    @Test
    void backoffIsFullyJitteredExponentialAndCapped() {
        RetryPolicy policy = RetryPolicy.builder().backoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
        long first = 0;
        long third = 0;
        for (int i = 0; i < 2000; i++) {
            long one = RetryRules.backoffNanos(policy, 1);
            long three = RetryRules.backoffNanos(policy, 3);
            assertThat(one).isBetween(0L, TimeUnit.MILLISECONDS.toNanos(10));
            assertThat(three).isBetween(0L, TimeUnit.MILLISECONDS.toNanos(50));   // 70 ms capped at 50
            first = Math.max(first, one);
            third = Math.max(third, three);
        }
        assertThat(first).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(8));
        assertThat(third).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(40));
        assertThat(RetryRules.backoffNanos(policy, 60)).isBetween(0L, TimeUnit.MILLISECONDS.toNanos(50));
    }

    @Test
    void readsRetryAfterAsSecondsOrADate() {
        long now = Instant.parse("2026-11-23T12:00:00Z").toEpochMilli();
        assertThat(RetryRules.retryAfterNanos("3", now)).isEqualTo(TimeUnit.SECONDS.toNanos(3));
        assertThat(RetryRules.retryAfterNanos(" 0 ", now)).isZero();
        String inFive = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochMilli(now + 5000).atOffset(ZoneOffset.UTC));
        assertThat(RetryRules.retryAfterNanos(inFive, now)).isEqualTo(TimeUnit.SECONDS.toNanos(5));
        assertThat(RetryRules.retryAfterNanos("Sun, 22 Nov 2026 12:00:00 GMT", now)).isZero();
        assertThat(RetryRules.retryAfterNanos("99999999999", now)).isEqualTo(Long.MAX_VALUE);
        assertThat(RetryRules.retryAfterNanos(null, now)).isEqualTo(-1);
        assertThat(RetryRules.retryAfterNanos("soon", now)).isEqualTo(-1);
        assertThat(RetryRules.retryAfterNanos("-1", now)).isEqualTo(-1);
    }
}
