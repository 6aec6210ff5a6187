package dev.gatehouse.proxy.core.internal.balancer;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.balancer.UpstreamSelector;
import dev.gatehouse.proxy.balancer.UpstreamStats;
import dev.gatehouse.proxy.filter.ProxyExchange;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Each upstream in turn, ignoring weights. Stateless factory; each selector keeps one atomic counter. */
public enum RoundRobinStrategy implements LoadBalancingStrategy {
    /** The only instance. */
    INSTANCE;

    @Override
    public UpstreamSelector newSelector(List<Upstream> upstreams, UpstreamStats stats) {
        Upstream[] members = upstreams.toArray(new Upstream[0]);
        if (members.length == 1) {
            Upstream only = members[0];
            return exchange -> only;
        }
        return new Selector(members);
    }

    @Override
    public String toString() {
        return "round-robin";
    }

    private static final class Selector implements UpstreamSelector {
        private final Upstream[] members;
        private final AtomicInteger next = new AtomicInteger();

        Selector(Upstream[] members) {
            this.members = members;
        }

        @Override
        public Upstream select(ProxyExchange exchange) {
            return members[Math.floorMod(next.getAndIncrement(), members.length)];
        }
    }
}
