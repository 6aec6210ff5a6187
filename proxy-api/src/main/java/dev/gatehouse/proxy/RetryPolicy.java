package dev.gatehouse.proxy;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * When and how a failed upstream attempt is tried again. A proxy has one (by default
 * {@link #defaults()}) and a route may set its own.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.builder()
 *         .retries(2)
 *         .retryOn(RetryPolicy.Condition.CONNECT_FAILURE, RetryPolicy.Condition.RESET, RetryPolicy.Condition.TIMEOUT)
 *         .retryOnStatus(502, 503, 504)
 *         .perTryTimeout(Duration.ofSeconds(2))
 *         .deadline(Duration.ofSeconds(5))
 *         .build();
 * }</pre>
 *
 * <p><b>Safety comes first.</b> A retry is only made when it cannot run a request twice:
 * <ul>
 *   <li>when no byte of the request reached an upstream (a refused or timed-out connect, a pooled
 *       connection found closed before it was written to), for any method;</li>
 *   <li>otherwise only for idempotent methods (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), or for a request that
 *       carries an {@code Idempotency-Key} header when {@link Builder#retryIdempotencyKey} is on. A POST that
 *       reached an upstream is never sent again, whatever happened to it.</li>
 * </ul>
 * Nor is a retry made after the first byte of the response went to the client, or when the request body
 * cannot be replayed: a body is kept for a replay up to {@link Builder#bufferLimit} bytes (64 KiB by
 * default); a larger one streams through without being kept, and its request is retried only if no byte of
 * it was sent yet.
 *
 * <p><b>Pacing.</b> Retries go to another upstream where the route has one. Each waits a fully jittered,
 * exponentially growing back-off (a random time up to {@code base x (2^n - 1)}, capped), or the upstream's
 * {@code Retry-After} when that is longer; a {@code Retry-After} longer than {@link Builder#maxRetryAfter}
 * ends the retries and the upstream's answer goes to the client. A retry budget caps retries at a share of
 * the route's requests over the last ten seconds, plus a small floor per second, so an outage does not
 * multiply the load on the upstreams that are left.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class RetryPolicy {

    /** A failure that may be retried. */
    public enum Condition {
        /** The connection could not be opened: refused, unreachable, or the connect timed out. */
        CONNECT_FAILURE,
        /** The connection was reset or closed, or the response was invalid, before any response byte arrived. */
        RESET,
        /** The response head did not arrive within the per-try timeout. */
        TIMEOUT
    }

    private static final RetryPolicy NONE = builder().retries(0).build();
    private static final RetryPolicy DEFAULTS = builder().build();

    private final int retries;
    private final Set<Condition> conditions;
    private final Set<Integer> statuses;
    private final Duration perTryTimeout;
    private final Duration deadline;
    private final int bufferLimit;
    private final Duration backoffBase;
    private final Duration backoffMax;
    private final Duration maxRetryAfter;
    private final boolean retryIdempotencyKey;
    private final int budgetPercent;
    private final int budgetMinPerSecond;

    private RetryPolicy(Builder builder) {
        this.retries = builder.retries;
        this.conditions = Collections.unmodifiableSet(EnumSet.copyOf(builder.conditions));
        this.statuses = Collections.unmodifiableSet(new TreeSet<>(builder.statuses));
        this.perTryTimeout = builder.perTryTimeout;
        this.deadline = builder.deadline;
        this.bufferLimit = builder.bufferLimit;
        this.backoffBase = builder.backoffBase;
        this.backoffMax = builder.backoffMax;
        this.maxRetryAfter = builder.maxRetryAfter;
        this.retryIdempotencyKey = builder.retryIdempotencyKey;
        this.budgetPercent = builder.budgetPercent;
        this.budgetMinPerSecond = builder.budgetMinPerSecond;
    }

    /**
     * Returns the default policy: one retry, on a connect failure or a reset before the response, with the
     * defaults of {@link Builder}. Like nginx's {@code proxy_next_upstream error} and HAProxy's
     * {@code retry-on conn-failure} with {@code redispatch}.
     */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /** Returns a policy that never retries. */
    public static RetryPolicy none() {
        return NONE;
    }

    /** Returns a builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns how many times a request may be retried after its first attempt. */
    public int retries() {
        return retries;
    }

    /** Returns the failures that are retried. */
    public Set<Condition> conditions() {
        return conditions;
    }

    /** Returns the upstream response statuses that are retried, in order. */
    public Set<Integer> statuses() {
        return statuses;
    }

    /** Returns the time each attempt may wait for the response head, or null for the route's response timeout. */
    public Duration perTryTimeout() {
        return perTryTimeout;
    }

    /** Returns the time from the request's arrival by which a response head must have arrived, or null for none. */
    public Duration deadline() {
        return deadline;
    }

    /** Returns the largest request body kept for a replay, in bytes. */
    public int bufferLimit() {
        return bufferLimit;
    }

    /** Returns the back-off unit. */
    public Duration backoffBase() {
        return backoffBase;
    }

    /** Returns the longest back-off. */
    public Duration backoffMax() {
        return backoffMax;
    }

    /** Returns the longest {@code Retry-After} the proxy waits for before a retry. */
    public Duration maxRetryAfter() {
        return maxRetryAfter;
    }

    /** Returns true when a non-idempotent request with an {@code Idempotency-Key} header may be retried. */
    public boolean retryIdempotencyKey() {
        return retryIdempotencyKey;
    }

    /** Returns the share of a route's requests (percent, over ten seconds) that may be retries. */
    public int budgetPercent() {
        return budgetPercent;
    }

    /** Returns the retries per second a route may always make, whatever the budget. */
    public int budgetMinPerSecond() {
        return budgetMinPerSecond;
    }

    /** Returns true when this policy retries anything. */
    public boolean retriesAnything() {
        return retries > 0 && (!conditions.isEmpty() || !statuses.isEmpty());
    }

    /** Returns a builder holding this policy's settings. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.retries = retries;
        builder.conditions = EnumSet.copyOf(conditions);
        builder.statuses = new TreeSet<>(statuses);
        builder.perTryTimeout = perTryTimeout;
        builder.deadline = deadline;
        builder.bufferLimit = bufferLimit;
        builder.backoffBase = backoffBase;
        builder.backoffMax = backoffMax;
        builder.maxRetryAfter = maxRetryAfter;
        builder.retryIdempotencyKey = retryIdempotencyKey;
        builder.budgetPercent = budgetPercent;
        builder.budgetMinPerSecond = budgetMinPerSecond;
        return builder;
    }

    @Override
    public String toString() {
        return "RetryPolicy[retries=" + retries + ", on=" + conditions + ", statuses=" + statuses
                + ", perTryTimeout=" + perTryTimeout + ", deadline=" + deadline + ", bufferLimit=" + bufferLimit
                + ", backoff=" + backoffBase + ".." + backoffMax + ", maxRetryAfter=" + maxRetryAfter
                + ", idempotencyKey=" + retryIdempotencyKey + ", budget=" + budgetPercent + "%+"
                + budgetMinPerSecond + "/s]";
    }

    /** Builds a {@link RetryPolicy}; every setting has a default. */
    public static final class Builder {
        private int retries = 1;
        private Set<Condition> conditions = EnumSet.of(Condition.CONNECT_FAILURE, Condition.RESET);
        private Set<Integer> statuses = new TreeSet<>();
        private Duration perTryTimeout;
        private Duration deadline;
        private int bufferLimit = 64 * 1024;
        private Duration backoffBase = Duration.ofMillis(25);
        private Duration backoffMax = Duration.ofMillis(250);
        private Duration maxRetryAfter = Duration.ofSeconds(2);
        private boolean retryIdempotencyKey;
        private int budgetPercent = 20;
        private int budgetMinPerSecond = 10;

        private Builder() {
        }

        /** Sets how many times a request may be retried after its first attempt: 0 to 10, 1 by default. */
        public Builder retries(int retries) {
            if (retries < 0 || retries > 10) {
                throw new IllegalArgumentException("retries: " + retries + " (expected: 0 to 10)");
            }
            this.retries = retries;
            return this;
        }

        /** Sets the failures to retry; by default connect failures and resets. None is allowed. */
        public Builder retryOn(Condition... conditions) {
            requireNonNull(conditions, "conditions");
            EnumSet<Condition> set = EnumSet.noneOf(Condition.class);
            for (Condition condition : conditions) {
                set.add(requireNonNull(condition, "condition"));
            }
            this.conditions = set;
            return this;
        }

        /** Sets the upstream statuses to retry, each from 500 to 599; none by default. */
        public Builder retryOnStatus(int... statuses) {
            requireNonNull(statuses, "statuses");
            Set<Integer> set = new TreeSet<>();
            for (int status : statuses) {
                if (status < 500 || status > 599) {
                    throw new IllegalArgumentException("retryOnStatus: " + status + " (expected: 500 to 599)");
                }
                set.add(status);
            }
            this.statuses = set;
            return this;
        }

        /**
         * Sets how long each attempt may wait for the response head once its request is on a connection
         * (while the request body is being sent, the longest silence). By default the route's response timeout.
         */
        public Builder perTryTimeout(Duration timeout) {
            this.perTryTimeout = positive("perTryTimeout", timeout);
            return this;
        }

        /**
         * Sets the overall deadline: from the request's arrival, a response head must arrive within it, over
         * all attempts and back-offs, or the client gets 504. None by default.
         */
        public Builder deadline(Duration deadline) {
            this.deadline = positive("deadline", deadline);
            return this;
        }

        /** Sets the largest request body kept for a replay, in bytes (64 KiB by default); 0 keeps none. */
        public Builder bufferLimit(int bytes) {
            if (bytes < 0 || bytes > 16 * 1024 * 1024) {
                throw new IllegalArgumentException("bufferLimit: " + bytes + " (expected: 0 to 16 MiB)");
            }
            this.bufferLimit = bytes;
            return this;
        }

        /** Sets the back-off unit and cap (25 ms and 250 ms by default, as Envoy). */
        public Builder backoff(Duration base, Duration max) {
            positive("backoff base", base);
            positive("backoff max", max);
            if (max.compareTo(base) < 0) {
                throw new IllegalArgumentException("backoff: max " + max + " is below base " + base);
            }
            this.backoffBase = base;
            this.backoffMax = max;
            return this;
        }

        /** Sets the longest {@code Retry-After} the proxy honours by waiting (2 s by default); longer ones end the retries. */
        public Builder maxRetryAfter(Duration max) {
            requireNonNull(max, "maxRetryAfter");
            if (max.isNegative()) {
                throw new IllegalArgumentException("maxRetryAfter: " + max + " (expected: >= 0)");
            }
            this.maxRetryAfter = max;
            return this;
        }

        /** Lets non-idempotent requests that carry an {@code Idempotency-Key} header be retried; off by default. */
        public Builder retryIdempotencyKey(boolean on) {
            this.retryIdempotencyKey = on;
            return this;
        }

        /**
         * Sets the retry budget: retries may be at most {@code percent} of the route's requests over the last
         * ten seconds, except that {@code minPerSecond} retries a second are always allowed. 20 % and 10 by
         * default, as Linkerd.
         */
        public Builder budget(int percent, int minPerSecond) {
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException("budget percent: " + percent + " (expected: 0 to 100)");
            }
            if (minPerSecond < 0) {
                throw new IllegalArgumentException("budget minPerSecond: " + minPerSecond + " (expected: >= 0)");
            }
            this.budgetPercent = percent;
            this.budgetMinPerSecond = minPerSecond;
            return this;
        }

        /** Returns the policy. */
        public RetryPolicy build() {
            return new RetryPolicy(this);
        }

        private static Duration positive(String property, Duration value) {
            requireNonNull(value, property);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(property + ": " + value + " (expected: > 0)");
            }
            return value;
        }
    }
}
