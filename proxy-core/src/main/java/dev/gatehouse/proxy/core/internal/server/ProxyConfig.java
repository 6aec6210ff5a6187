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
        Duration expectContinueTimeout) {

    /** Copies the lists. */
    public ProxyConfig {
        listeners = List.copyOf(listeners);
        routes = List.copyOf(routes);
        filters = List.copyOf(filters);
        trustedProxies = List.copyOf(trustedProxies);
    }
}
