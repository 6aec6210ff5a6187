package dev.gatehouse.proxy.core.internal.balancer;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.balancer.UpstreamSelector;
import dev.gatehouse.proxy.balancer.UpstreamStats;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The upstream with the fewest requests in flight relative to its weight. Every pick looks at every
 * upstream; when several share the lowest load, one of them is taken uniformly at random (a second pass,
 * only then), not always the first. Comparisons cross-multiply, so there is no division. Suits requests of
 * very different cost.
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
            int best = 0;
            long bestLoad = stats.inFlight(0);
            int ties = 1;
            for (int candidate = 1; candidate < n; candidate++) {
                long load = stats.inFlight(candidate);
                // load / weight against bestLoad / bestWeight, without dividing.
                long left = load * weights[best];
                long right = bestLoad * weights[candidate];
                if (left < right) {
                    best = candidate;
                    bestLoad = load;
                    ties = 1;
                } else if (left == right) {
                    ties++;
                }
            }
            if (ties == 1) {
                return members[best];
            }
            // Several upstreams share the lowest load: take one of them uniformly at random.
            int skip = ThreadLocalRandom.current().nextInt(ties);
            for (int candidate = best; candidate < n; candidate++) {
                if (stats.inFlight(candidate) * weights[best] == bestLoad * weights[candidate] && skip-- == 0) {
                    return members[candidate];
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
