package dev.gatehouse.proxy.core.internal.health;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.health.HealthChecker;
import dev.gatehouse.proxy.health.HealthProbes;
import dev.gatehouse.proxy.health.HealthStatus;
import java.util.concurrent.CompletionStage;

/** Healthy when a TCP connection can be opened. */
public enum TcpHealthChecker implements HealthChecker {
    /** The only instance. */
    INSTANCE;

    @Override
    public CompletionStage<HealthStatus> check(Upstream upstream, HealthProbes probes) {
        return probes.connect(upstream).thenApply(connected -> HealthStatus.HEALTHY);
    }

    @Override
    public String toString() {
        return "tcp";
    }
}
