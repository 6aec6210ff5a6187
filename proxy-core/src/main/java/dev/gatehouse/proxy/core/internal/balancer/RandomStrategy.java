package dev.gatehouse.proxy.core.internal.balancer;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.balancer.UpstreamSelector;
import dev.gatehouse.proxy.balancer.UpstreamStats;
import dev.gatehouse.proxy.filter.ProxyExchange;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * A uniformly random upstream, or, weighted, one drawn in proportion to its weight through Vose's alias
 * table: one random number and two array reads per pick, whatever the number of upstreams.
 */
public final class RandomStrategy implements LoadBalancingStrategy {

    /** Every upstream equally likely. */
    public static final RandomStrategy UNIFORM = new RandomStrategy(false, ThreadLocalRandom::current);
    /** Upstreams drawn in proportion to their effective weights. */
    public static final RandomStrategy WEIGHTED = new RandomStrategy(true, ThreadLocalRandom::current);

    private final boolean weighted;
    private final Supplier<? extends RandomGenerator> random;

    RandomStrategy(boolean weighted, Supplier<? extends RandomGenerator> random) {
        this.weighted = weighted;
        this.random = random;
    }

    @Override
    public UpstreamSelector newSelector(List<Upstream> upstreams, UpstreamStats stats) {
        Upstream[] members = upstreams.toArray(new Upstream[0]);
        if (!weighted || members.length == 1) {
            return exchange -> members[random.get().nextInt(members.length)];
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
        return new Alias(members, probability, alias, random);
    }

    @Override
    public String toString() {
        return weighted ? "weighted-random" : "random";
    }

    private static final class Alias implements UpstreamSelector {
        private final Upstream[] members;
        private final double[] probability;
        private final int[] alias;
        private final Supplier<? extends RandomGenerator> generator;

        Alias(Upstream[] members, double[] probability, int[] alias, Supplier<? extends RandomGenerator> generator) {
            this.members = members;
            this.probability = probability;
            this.alias = alias;
            this.generator = generator;
        }

        @Override
        public Upstream select(ProxyExchange exchange) {
            RandomGenerator random = generator.get();
            int column = random.nextInt(members.length);
            return members[random.nextDouble() < probability[column] ? column : alias[column]];
        }
    }
}
