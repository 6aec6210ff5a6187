package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.core.internal.balancer.UpstreamGroup;
import dev.gatehouse.proxy.filter.Filter;
import org.apache.hc.core5.util.Timeout;

/**
 * What a route needs at run time: its upstream group, its whole filter chain (the proxy's filters, then
 * its own) and its timeouts with the proxy's defaults filled in. Immutable.
 */
public final class RouteRuntime {

    private final Route route;
    private final UpstreamGroup group;
    private final Filter[] filters;
    private final Timeout connectTimeout;
    private final Timeout responseTimeout;
    private final Timeout idleTimeout;

    RouteRuntime(Route route, UpstreamGroup group, Filter[] filters, Timeout connectTimeout,
                 Timeout responseTimeout, Timeout idleTimeout) {
        this.route = route;
        this.group = group;
        this.filters = filters;
        this.connectTimeout = connectTimeout;
        this.responseTimeout = responseTimeout;
        this.idleTimeout = idleTimeout;
    }

    /** Returns the route. */
    public Route route() {
        return route;
    }

    /** Returns the upstream group. */
    public UpstreamGroup group() {
        return group;
    }

    /** Returns the filters to run, proxy-level first. Callers must not modify the array. */
    public Filter[] filters() {
        return filters;
    }

    /** Returns the connect timeout. */
    public Timeout connectTimeout() {
        return connectTimeout;
    }

    /** Returns the time allowed from request sent to response head. */
    public Timeout responseTimeout() {
        return responseTimeout;
    }

    /** Returns the longest silence allowed during a transfer. */
    public Timeout idleTimeout() {
        return idleTimeout;
    }
}
