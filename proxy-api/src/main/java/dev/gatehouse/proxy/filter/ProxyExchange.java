package dev.gatehouse.proxy.filter;

import dev.gatehouse.proxy.ProxyRequest;
import dev.gatehouse.proxy.Route;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One request/response pair passing through the proxy, as filters and balancers see it.
 *
 * <p>Methods are thread-safe. {@link #request()} changes as the request moves down the chain: each filter
 * sees the request the previous one passed on.
 */
public interface ProxyExchange {

    /** Returns a short identifier, unique within the proxy, that log lines about this exchange start with. */
    String id();

    /** Returns the request as the current filter (or balancer) received it. */
    ProxyRequest request();

    /** Returns the matched route, or null when none matched (the proxy then answers 404). */
    Route route();

    /**
     * Returns the values the route's path template captured, such as {@code id -> 42} for
     * {@code /users/{id}}; empty for other routes.
     */
    Map<String, String> pathParameters();

    /** Returns the address and port of the TCP peer. */
    InetSocketAddress remoteAddress();

    /**
     * Returns the client's address: the TCP peer's, or, when the peer is a configured trusted proxy, the
     * nearest address in {@code X-Forwarded-For} that is not a trusted proxy. Rate limits and access
     * control should use this.
     */
    InetAddress clientAddress();

    /** Returns the value stored under {@code key}, or null. */
    <T> T attribute(AttributeKey<T> key);

    /**
     * Stores {@code value} under {@code key} for the rest of this exchange, or removes it when null.
     *
     * @return the previous value, or null
     */
    <T> T putAttribute(AttributeKey<T> key, T value);
}
