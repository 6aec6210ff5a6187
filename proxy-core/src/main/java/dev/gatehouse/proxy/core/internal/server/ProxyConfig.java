package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.filter.Filter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Everything a {@code ReverseProxyBuilder} collected, validated and immutable.
 *
 * @param name the prefix of thread names
 * @param listeners the addresses to bind, in order
 * @param routes the routes, in the order added
 * @param filters the proxy-level filters, in the order added
 * @param connectTimeout the default connect timeout
 * @param responseTimeout the default time from request sent to response head
 * @param idleTimeout the default longest silence during a transfer
 * @param keepAliveTimeout how long an idle client connection stays open between requests
 * @param drainTimeout how long {@code close()} lets exchanges in flight finish
 * @param upstreamIdleTimeout how long an idle upstream connection stays in the pool
 * @param trustedProxies addresses and CIDR blocks whose forwarding headers are believed
 * @param viaName the pseudonym written into {@code Via}
 * @param ioThreads the number of I/O threads
 * @param expectContinueTimeout how long to wait for an upstream's {@code 100 Continue} before sending the body
 * @param healthChecker the active health checker, or null for none
 * @param healthInterval the time between checks of an upstream
 * @param healthTimeout the time a check may take
 * @param healthRise passed checks in a row that make an unhealthy upstream healthy
 * @param healthFall failed checks in a row that make a healthy upstream unhealthy
 * @param balancing panic mode, slow start, passive health and connection limits
 * @param retryPolicy the retry policy of routes that set none
 * @param clientLimits what clients may send and how long they may take
 * @param pathPolicy how request paths are normalised
 * @param removedRequestHeaders names of request fields removed at the edge
 */
public record ProxyConfig(
        String name,
        List<InetSocketAddress> listeners,
        List<Route> routes,
        List<Filter> filters,
        Duration connectTimeout,
        Duration responseTimeout,
        Duration idleTimeout,
        Duration keepAliveTimeout,
        Duration drainTimeout,
        Duration upstreamIdleTimeout,
        List<String> trustedProxies,
        String viaName,
        int ioThreads,
        Duration expectContinueTimeout,
        dev.gatehouse.proxy.health.HealthChecker healthChecker,
        Duration healthInterval,
        Duration healthTimeout,
        int healthRise,
        int healthFall,
        dev.gatehouse.proxy.core.internal.balancer.Balancing balancing,
        dev.gatehouse.proxy.RetryPolicy retryPolicy,
        ClientLimits clientLimits,
        PathPolicy pathPolicy,
        List<String> removedRequestHeaders) {

    /** Copies the lists. */
    public ProxyConfig {
        listeners = List.copyOf(listeners);
        routes = List.copyOf(routes);
        filters = List.copyOf(filters);
        trustedProxies = List.copyOf(trustedProxies);
        removedRequestHeaders = List.copyOf(removedRequestHeaders);
    }
}
