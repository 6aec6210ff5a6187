package dev.gatehouse.proxy.core.internal.balancer;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.balancer.UpstreamSelector;
import dev.gatehouse.proxy.balancer.UpstreamStats;
import dev.gatehouse.proxy.filter.ProxyExchange;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Each upstream in turn, as many times per cycle as its weight, interleaved: weights 5, 1, 1 give
 * {@code a a a b c a a}, not five a's in a row. The cycle is computed once per selector (earliest deadline
 * first, each upstream's k-th turn due at {@code (k + 1/2) / weight}); a pick is one atomic increment and
 * an array read.
 */
public enum WeightedRoundRobinStrategy implements LoadBalancingStrategy {
    /** The only instance. */
    INSTANCE;

    /** The longest cycle; larger weight sums are scaled down to it (error under 0.1 %). */
    static final int MAX_CYCLE = 1 << 16;

    @Override
    public UpstreamSelector newSelector(List<Upstream> upstreams, UpstreamStats stats) {
        int n = upstreams.size();
        long[] weights = new long[n];
        long sum = 0;
        long gcd = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = stats.weight(i);
            sum += weights[i];
            gcd = gcd(gcd, weights[i]);
        }
        long total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] /= gcd;
            total += weights[i];
        }
        if (total > MAX_CYCLE) {
            total = 0;
            for (int i = 0; i < n; i++) {
                weights[i] = Math.max(1, Math.round((double) weights[i] * MAX_CYCLE / (sum / gcd)));
                total += weights[i];
            }
        }
        int[] cycle = new int[(int) total];
        long[] turns = new long[n];
        long[] finalWeights = weights;
        PriorityQueue<Integer> due = new PriorityQueue<>((a, b) -> {
            int order = Double.compare((turns[a] + 0.5) / finalWeights[a], (turns[b] + 0.5) / finalWeights[b]);
            return order != 0 ? order : Integer.compare(a, b);
        });
        for (int i = 0; i < n; i++) {
            due.add(i);
        }
        for (int slot = 0; slot < cycle.length; slot++) {
            int next = due.poll();
            cycle[slot] = next;
            turns[next]++;
            due.add(next);
        }
        return new Selector(upstreams.toArray(new Upstream[0]), cycle);
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    @Override
    public String toString() {
        return "weighted-round-robin";
    }

    private static final class Selector implements UpstreamSelector {
        private final Upstream[] upstreams;
        private final int[] cycle;
        private final AtomicInteger next = new AtomicInteger();

        Selector(Upstream[] upstreams, int[] cycle) {
            this.upstreams = upstreams;
            this.cycle = cycle;
        }

        @Override
        public Upstream select(ProxyExchange exchange) {
            return upstreams[cycle[Math.floorMod(next.getAndIncrement(), cycle.length)]];
        }
    }
}
