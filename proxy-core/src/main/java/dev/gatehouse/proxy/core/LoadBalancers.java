package dev.gatehouse.proxy.core;

import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.core.internal.balancer.RoundRobinStrategy;

/**
 * The built-in {@link LoadBalancingStrategy load-balancing strategies}. Each factory returns an immutable,
 * thread-safe strategy that can be shared between routes.
 */
public final class LoadBalancers {

    private LoadBalancers() {
    }

    /**
     * Each upstream in turn, ignoring weights; the default. Costs one atomic increment per pick. Use it
     * when the upstreams are alike and requests cost about the same.
     */
    public static LoadBalancingStrategy roundRobin() {
        return RoundRobinStrategy.INSTANCE;
    }
}
