package dev.gatehouse.proxy.core;

import static java.util.Objects.requireNonNull;

import dev.gatehouse.proxy.core.internal.health.HttpHealthChecker;
import dev.gatehouse.proxy.core.internal.health.TcpHealthChecker;
import dev.gatehouse.proxy.health.HealthChecker;

/**
 * The built-in {@link HealthChecker health checkers}. Give one to {@link ReverseProxyBuilder#healthCheck};
 * the proxy schedules it and applies the thresholds. Immutable and thread-safe.
 */
public final class HealthCheckers {

    private HealthCheckers() {
    }

    /** Healthy when {@code GET path} answers 2xx or 3xx. */
    public static HealthChecker http(String path) {
        return http(path, 200, 399);
    }

    /**
     * Healthy when {@code GET path} answers a status from {@code minStatus} to {@code maxStatus}.
     *
     * @throws IllegalArgumentException if the path does not start with {@code /} or the range is empty
     */
    public static HealthChecker http(String path, int minStatus, int maxStatus) {
        requireNonNull(path, "path");
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            throw new IllegalArgumentException("path: \"" + path + "\" (expected: a path that starts with /)");
        }
        if (minStatus < 100 || maxStatus > 599 || minStatus > maxStatus) {
            throw new IllegalArgumentException("status range: " + minStatus + "-" + maxStatus
                    + " (expected: 100 <= min <= max <= 599)");
        }
        return new HttpHealthChecker(path, minStatus, maxStatus);
    }

    /** Healthy when a TCP connection can be opened. */
    public static HealthChecker tcp() {
        return TcpHealthChecker.INSTANCE;
    }
}
