package dev.gatehouse.proxy.balancer;

import dev.gatehouse.proxy.Upstream;
import java.util.List;

/**
 * Chooses how a route spreads requests over its upstreams: a stateless factory of
 * {@link UpstreamSelector}s. Built-in strategies come from {@code dev.gatehouse.proxy.core.LoadBalancers}.
 *
 * <p>The proxy calls {@link #newSelector} when a route starts and again whenever the set of available
 * upstreams changes, off the request path; it swaps the new selector in atomically. Expensive preparation
 * (a hash ring, a weighted schedule) belongs here, not in {@link UpstreamSelector#select}.
 *
 * <p>Implementations must be thread-safe; {@code newSelector} may be called from any thread.
 */
@FunctionalInterface
public interface LoadBalancingStrategy {

    /**
     * Returns a selector over {@code upstreams}.
     *
     * @param upstreams the upstreams that may take requests now, in the route's order; never empty
     * @param stats live figures for those upstreams, indexed like {@code upstreams}
     */
    UpstreamSelector newSelector(List<Upstream> upstreams, UpstreamStats stats);
}
