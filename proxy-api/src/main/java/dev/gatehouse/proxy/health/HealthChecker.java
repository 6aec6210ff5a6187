package dev.gatehouse.proxy.health;

import dev.gatehouse.proxy.Upstream;
import java.util.concurrent.CompletionStage;

/**
 * Runs one active health check of one upstream. The proxy owns the schedule (interval with jitter), the
 * thresholds (unhealthy after {@code fall} failed checks in a row, healthy again after {@code rise}
 * passed ones) and the logging; a checker only judges once. Built-in checkers come from
 * {@code dev.gatehouse.proxy.core.HealthCheckers}.
 *
 * <pre>{@code
 * HealthChecker readiness = (upstream, probes) -> probes.get(upstream, "/ready")
 *         .thenApply(response -> response.status() == 200 && response.header("X-Draining") == null
 *                 ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY);
 * }</pre>
 *
 * <p>Implementations must be thread-safe and must not block: do I/O through {@code probes}, which uses the
 * proxy's own I/O threads and connections separate from the ones that carry requests. A stage that fails,
 * or that has not completed within the proxy's health-check timeout, counts as {@link HealthStatus#UNHEALTHY}.
 */
@FunctionalInterface
public interface HealthChecker {

    /**
     * Checks {@code upstream} once.
     *
     * @param upstream the upstream to check
     * @param probes the proxy's probing tools
     * @return the stage of the verdict; never null
     */
    CompletionStage<HealthStatus> check(Upstream upstream, HealthProbes probes);
}
