package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.RetryPolicy;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.core.internal.balancer.UpstreamGroup;
import dev.gatehouse.proxy.core.internal.retry.RetryBudget;
import dev.gatehouse.proxy.filter.Filter;
import org.apache.hc.core5.util.Timeout;

/**
 * What a route needs at run time: its upstream group, its whole filter chain (the proxy's filters, then
 * its own), its timeouts and retry policy with the proxy's defaults filled in, and its retry budget.
 */
public final class RouteRuntime {

    private final Route route;
    private final UpstreamGroup group;
    private final Filter[] filters;
    private final Timeout connectTimeout;
    private final Timeout responseTimeout;
    private final Timeout idleTimeout;
    private final RetryPolicy retryPolicy;
    private final RetryBudget retryBudget;

    RouteRuntime(Route route, UpstreamGroup group, Filter[] filters, Timeout connectTimeout,
                 Timeout responseTimeout, Timeout idleTimeout, RetryPolicy retryPolicy) {
        this.route = route;
        this.group = group;
        this.filters = filters;
        this.connectTimeout = connectTimeout;
        this.responseTimeout = responseTimeout;
        this.idleTimeout = idleTimeout;
        this.retryPolicy = retryPolicy;
        this.retryBudget = retryPolicy.retriesAnything()
                ? new RetryBudget(retryPolicy.budgetPercent(), retryPolicy.budgetMinPerSecond()) : null;
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

    /** Returns the retry policy: the route's, else the proxy's. */
    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    /** Returns the retry budget, or null when the policy retries nothing. */
    public RetryBudget retryBudget() {
        return retryBudget;
    }
}
