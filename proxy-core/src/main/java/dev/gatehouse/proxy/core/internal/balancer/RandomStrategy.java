package dev.gatehouse.proxy.core.internal.balancer;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.balancer.UpstreamSelector;
import dev.gatehouse.proxy.balancer.UpstreamStats;
import dev.gatehouse.proxy.filter.ProxyExchange;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A uniformly random upstream, or, weighted, one drawn in proportion to its weight through Vose's alias
 * table: one random number and two array reads per pick, whatever the number of upstreams.
 */
public enum RandomStrategy implements LoadBalancingStrategy {
    /** Every upstream equally likely. */
    UNIFORM,
    /** Upstreams drawn in proportion to their effective weights. */
    WEIGHTED;

    @Override
    public UpstreamSelector newSelector(List<Upstream> upstreams, UpstreamStats stats) {
        Upstream[] members = upstreams.toArray(new Upstream[0]);
        if (this == UNIFORM || members.length == 1) {
            return exchange -> members[ThreadLocalRandom.current().nextInt(members.length)];
        }
        int n = members.length;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += stats.weight(i);
        }
        double[] scaled = new double[n];
        ArrayDeque<Integer> small = new ArrayDeque<>();
        ArrayDeque<Integer> large = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            scaled[i] = stats.weight(i) * n / sum;
            (scaled[i] < 1.0 ? small : large).add(i);
        }
        double[] probability = new double[n];
        int[] alias = new int[n];
        while (!small.isEmpty() && !large.isEmpty()) {
            int less = small.poll();
            int more = large.poll();
            probability[less] = scaled[less];
            alias[less] = more;
            scaled[more] = scaled[more] + scaled[less] - 1.0;
            (scaled[more] < 1.0 ? small : large).add(more);
        }
        while (!large.isEmpty()) {
            probability[large.poll()] = 1.0;
        }
        while (!small.isEmpty()) {
            probability[small.poll()] = 1.0;     // rounding leftovers
        }
        return new Alias(members, probability, alias);
    }

    @Override
    public String toString() {
        return this == UNIFORM ? "random" : "weighted-random";
    }

    private static final class Alias implements UpstreamSelector {
        private final Upstream[] members;
        private final double[] probability;
        private final int[] alias;

        Alias(Upstream[] members, double[] probability, int[] alias) {
            this.members = members;
            this.probability = probability;
            this.alias = alias;
        }

        @Override
        public Upstream select(ProxyExchange exchange) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int column = random.nextInt(members.length);
            return members[random.nextDouble() < probability[column] ? column : alias[column]];
        }
    }
}
