package dev.gatehouse.proxy.core.internal.balancer;

import java.time.Duration;

/**
 * The proxy-wide balancing and health settings, validated by the builder.
 *
 * @param panicThreshold below this share of available upstreams (percent), a route spreads requests over
 *     all of them, healthy or not, rather than overload the few; 0 turns panic mode off
 * @param slowStart how long an upstream that joins or recovers takes to reach its full share; zero for none
 * @param consecutiveFailures failures in a row (5xx, connect failures, timeouts) that eject an upstream; 0 for none
 * @param baseEjection how long the first ejection lasts; each further one lasts as many times longer
 * @param maxEjection the longest ejection
 * @param maxEjectionPercent the largest share of all upstreams that may be ejected at once
 * @param maxConnections connections per upstream, over all I/O threads
 * @param maxPending requests that may wait for a connection per upstream when it is at its limit
 * @param maxRequests requests per upstream at once, over all routes, on a connection or waiting for one
 * @param maxRetries retries per upstream at once, over all routes
 */
public record Balancing(
        int panicThreshold,
        Duration slowStart,
        int consecutiveFailures,
        Duration baseEjection,
        Duration maxEjection,
        int maxEjectionPercent,
        int maxConnections,
        int maxPending,
        int maxRequests,
        int maxRetries) {

    /**
     * The defaults: panic below 50 %, no slow start, eject after 5 failures for 30 s (at most 300 s, 50 % of
     * upstreams); per upstream 1024 connections, 1024 waiting requests, 2048 requests and 64 retries at once.
     */
    public static final Balancing DEFAULTS = new Balancing(50, Duration.ZERO, 5, Duration.ofSeconds(30),
            Duration.ofSeconds(300), 50, 1024, 1024, 2048, 64);
}
