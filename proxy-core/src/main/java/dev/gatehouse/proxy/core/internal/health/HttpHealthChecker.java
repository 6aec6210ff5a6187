package dev.gatehouse.proxy.core.internal.health;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.health.HealthChecker;
import dev.gatehouse.proxy.health.HealthProbes;
import dev.gatehouse.proxy.health.HealthStatus;
import java.util.concurrent.CompletionStage;

/** Healthy when {@code GET path} answers with a status in {@code [min, max]}. Immutable. */
public final class HttpHealthChecker implements HealthChecker {

    private final String path;
    private final int min;
    private final int max;

    /** Creates the checker. */
    public HttpHealthChecker(String path, int min, int max) {
        this.path = path;
        this.min = min;
        this.max = max;
    }

    @Override
    public CompletionStage<HealthStatus> check(Upstream upstream, HealthProbes probes) {
        return probes.get(upstream, path).thenApply(response ->
                response.status() >= min && response.status() <= max ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY);
    }

    @Override
    public String toString() {
        return "http(GET " + path + ", " + min + "-" + max + ")";
    }
}
