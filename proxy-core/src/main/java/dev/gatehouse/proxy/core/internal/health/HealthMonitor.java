package dev.gatehouse.proxy.core.internal.health;

import dev.gatehouse.proxy.core.internal.client.UpstreamState;
import dev.gatehouse.proxy.health.HealthChecker;
import dev.gatehouse.proxy.health.HealthProbes;
import dev.gatehouse.proxy.health.HealthStatus;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the active health checks: every upstream is checked every interval (with up to 10 % jitter either
 * way, so checks of many upstreams do not line up), each verdict feeds the upstream's
 * {@link HealthStateMachine}, and each change of state is logged once at WARN and announced to the routes.
 * A check that fails, throws or outlasts the timeout counts as failed. Verdicts are applied on the control
 * thread, one at a time. Thread-safe.
 */
public final class HealthMonitor {

    private static final Logger logger = LoggerFactory.getLogger(HealthMonitor.class);

    private final HealthChecker checker;
    private final HealthProbes probes;
    private final ScheduledExecutorService control;
    private final long intervalNanos;
    private final long timeoutNanos;
    private final int rise;
    private final int fall;
    private final Map<UpstreamState, HealthStateMachine> watched = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    /** Creates the monitor; nothing is checked until {@link #watch}. */
    public HealthMonitor(HealthChecker checker, HealthProbes probes, ScheduledExecutorService control,
                         Duration interval, Duration timeout, int rise, int fall) {
        this.checker = checker;
        this.probes = probes;
        this.control = control;
        this.intervalNanos = interval.toNanos();
        this.timeoutNanos = timeout.toNanos();
        this.rise = rise;
        this.fall = fall;
    }

    /** Starts checking {@code state}, the first check within one interval. */
    public void watch(UpstreamState state) {
        if (watched.putIfAbsent(state, new HealthStateMachine(rise, fall)) == null) {
            schedule(state, ThreadLocalRandom.current().nextLong(Math.max(1, intervalNanos)));
        }
    }

    /** Stops checking {@code state}. */
    public void unwatch(UpstreamState state) {
        watched.remove(state);
    }

    /** Stops every check. */
    public void stop() {
        stopped = true;
    }

    private void schedule(UpstreamState state, long delayNanos) {
        if (stopped || !watched.containsKey(state)) {
            return;
        }
        try {
            control.schedule(() -> check(state), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            // The proxy is stopping.
        }
    }

    private void check(UpstreamState state) {
        if (stopped || !watched.containsKey(state)) {
            return;
        }
        CompletableFuture<HealthStatus> verdict;
        try {
            CompletionStage<HealthStatus> stage = checker.check(state.upstream(), probes);
            verdict = stage == null
                    ? CompletableFuture.failedFuture(new IllegalStateException("the checker returned null"))
                    : stage.toCompletableFuture();
        } catch (RuntimeException e) {
            verdict = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<HealthStatus> bounded = verdict.copy();
        control.schedule(() -> bounded.completeExceptionally(
                new java.util.concurrent.TimeoutException("no verdict within " + Duration.ofNanos(timeoutNanos))),
                timeoutNanos + TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.NANOSECONDS);
        bounded.whenComplete((status, failure) -> {
            try {
                control.execute(() -> apply(state, status, failure));
            } catch (RejectedExecutionException stopping) {
                // The proxy is stopping.
            }
        });
    }

    private void apply(UpstreamState state, HealthStatus status, Throwable failure) {
        HealthStateMachine machine = watched.get(state);
        if (machine == null || stopped) {
            return;
        }
        boolean passed = failure == null && status == HealthStatus.HEALTHY;
        if (machine.record(passed)) {
            if (machine.isHealthy()) {
                logger.warn("Upstream {} is healthy again: {} health checks passed in a row", state.upstream(), rise);
            } else {
                logger.warn("Upstream {} is unhealthy: {} health checks failed in a row (last: {})", state.upstream(),
                        fall, failure != null ? describe(failure) : "the checker answered " + status);
            }
            state.activeHealth(machine.isHealthy());
        } else if (!passed && logger.isDebugEnabled()) {
            logger.debug("Health check of {} failed: {}", state.upstream(),
                    failure != null ? describe(failure) : status);
        }
        long jitter = intervalNanos / 10;
        schedule(state, intervalNanos - jitter + ThreadLocalRandom.current().nextLong(2 * jitter + 1));
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause.getClass().getSimpleName() + (cause.getMessage() != null ? ": " + cause.getMessage() : "");
    }
}
