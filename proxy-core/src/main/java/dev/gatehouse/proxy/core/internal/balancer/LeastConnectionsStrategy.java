package dev.gatehouse.proxy.core.internal.balancer;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.balancer.UpstreamSelector;
import dev.gatehouse.proxy.balancer.UpstreamStats;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The upstream with the fewest requests in flight relative to its weight. Every pick looks at every
 * upstream, starting at a random one so ties go to a random upstream, not always the first; comparisons
 * cross-multiply, so there is no division. Suits requests of very different cost.
 */
public enum LeastConnectionsStrategy implements LoadBalancingStrategy {
    /** The only instance. */
    INSTANCE;

    @Override
    public UpstreamSelector newSelector(List<Upstream> upstreams, UpstreamStats stats) {
        Upstream[] members = upstreams.toArray(new Upstream[0]);
        int[] weights = new int[members.length];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = stats.weight(i);
        }
        return exchange -> {
            int n = members.length;
            int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
            int best = start;
            long bestLoad = stats.inFlight(start);
            for (int step = 1; step < n; step++) {
                int candidate = start + step;
                if (candidate >= n) {
                    candidate -= n;
                }
                long load = stats.inFlight(candidate);
                // load / weight < bestLoad / bestWeight, without dividing.
                if (load * weights[best] < bestLoad * weights[candidate]) {
                    best = candidate;
                    bestLoad = load;
                }
            }
            return members[best];
        };
    }

    @Override
    public String toString() {
        return "least-connections";
    }

}
