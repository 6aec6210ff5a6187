package dev.gatehouse.proxy.core.internal.retry;

import dev.gatehouse.proxy.RetryPolicy;
import dev.gatehouse.proxy.core.internal.client.UpstreamSaturatedException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** What may be retried and when: the failure kinds, method idempotency, back-off and {@code Retry-After}. */
public final class RetryRules {

    private RetryRules() {
    }

    /**
     * Returns true for the methods RFC 9110 section 9.2.2 calls idempotent: running them twice has the effect of
     * running them once.
     */
    public static boolean isIdempotent(String method) {
        switch (method) {
            case "GET":
            case "HEAD":
            case "OPTIONS":
            case "TRACE":
            case "PUT":
            case "DELETE":
                return true;
            default:
                return false;
        }
    }

    /**
     * Returns which retry condition a failure before the response head is, or null for one that is never
     * retried (the upstream's limits were reached: trying again adds to the overload).
     *
     * @param connected whether a connection to the upstream was established
     */
    public static RetryPolicy.Condition classify(Throwable cause, boolean connected) {
        if (cause instanceof UpstreamSaturatedException) {
            return null;
        }
        if (!connected) {
            return RetryPolicy.Condition.CONNECT_FAILURE;
        }
        if (cause instanceof SocketTimeoutException) {
            return RetryPolicy.Condition.TIMEOUT;
        }
        if (cause instanceof ConnectException || cause instanceof NoRouteToHostException
                || cause instanceof UnknownHostException) {
            return RetryPolicy.Condition.CONNECT_FAILURE;
        }
        return RetryPolicy.Condition.RESET;
    }

    /**
     * Returns the back-off before retry number {@code retry} (1 for the first), fully jittered: a random
     * time from 0 to {@code base x (2^retry - 1)}, at most {@code max}. Envoy's formula.
     */
    public static long backoffNanos(RetryPolicy policy, int retry) {
        long base = policy.backoffBase().toNanos();
        long max = policy.backoffMax().toNanos();
        long ceiling = retry >= 20 ? max : Math.min(max, base * ((1L << retry) - 1));
        return ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1);
    }

    /**
     * Returns the wait a {@code Retry-After} value asks for, in nanoseconds: delta-seconds or an HTTP-date
     * (RFC 9110 section 10.2.3); 0 for a date in the past; -1 when the value is absent or invalid.
     *
     * @param nowMillis the current time, in milliseconds since the epoch, for dates
     */
    public static long retryAfterNanos(String value, long nowMillis) {
        if (value == null) {
            return -1;
        }
        String trimmed = value.trim();
        if (trimmed.isEmpty()) {
            return -1;
        }
        if (trimmed.chars().allMatch(c -> c >= '0' && c <= '9')) {
            if (trimmed.length() > 9) {
                return Long.MAX_VALUE;
            }
            return TimeUnit.SECONDS.toNanos(Long.parseLong(trimmed));
        }
        try {
            long at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            return TimeUnit.MILLISECONDS.toNanos(Math.max(0, at - nowMillis));
        } catch (DateTimeParseException e) {
            return -1;
        }
    }
}
