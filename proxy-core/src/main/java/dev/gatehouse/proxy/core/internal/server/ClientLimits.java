package dev.gatehouse.proxy.core.internal.server;

import java.time.Duration;

/**
 * What a client may send and how long it may take, validated by the builder.
 *
 * @param maxRequestLine the longest request line, in bytes (431 beyond)
 * @param maxHeaderBytes the most bytes of request line and header fields together (431 beyond); trailers
 *     have the same budget of their own
 * @param maxHeaders the most header fields (431 beyond); trailers have the same limit
 * @param maxBody the largest request body, in bytes (413 beyond); {@code Long.MAX_VALUE} for no limit
 * @param headTimeout the longest time from a request head's first byte to its last (slowloris); the
 *     connection is closed when it passes
 * @param bodyIdleTimeout the longest silence between bytes of a request body (slow POST): 408 and close
 * @param maxConnections the most client connections open at once; more are closed as they are accepted
 * @param maxPipelined the most requests one connection may have in flight at once (pipelining); beyond it
 *     the connection is closed
 */
public record ClientLimits(
        int maxRequestLine,
        int maxHeaderBytes,
        int maxHeaders,
        long maxBody,
        Duration headTimeout,
        Duration bodyIdleTimeout,
        int maxConnections,
        int maxPipelined) {

    /**
     * The defaults: an 8 KiB request line, 64 KiB and 100 header fields (Envoy's 60 KiB / 100, nginx's
     * 4 x 8 KiB), no body limit (as Envoy and HAProxy), 10 s for a head (HAProxy's suggested
     * {@code timeout http-request}), 30 s between body bytes, 10,000 connections (Envoy's edge example) and
     * 16 pipelined requests.
     */
    public static final ClientLimits DEFAULTS = new ClientLimits(8192, 64 * 1024, 100, Long.MAX_VALUE,
            Duration.ofSeconds(10), Duration.ofSeconds(30), 10_000, 16);
}
