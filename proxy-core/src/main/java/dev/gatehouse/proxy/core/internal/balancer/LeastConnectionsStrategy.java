package dev.gatehouse.proxy.core.internal.balancer;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.balancer.UpstreamSelector;
import dev.gatehouse.proxy.balancer.UpstreamStats;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The upstream with the fewest requests in flight relative to its weight. Every pick looks at every
 * upstream, from a random one in a random direction each time, so when several share the lowest load a
 * random one of them is taken, not always the first. Suits requests of
 * very different cost; for large groups prefer least request.
 */
public final class LeastConnectionsStrategy implements LoadBalancingStrategy {

    /** The instance the public factory returns. */
    public static final LeastConnectionsStrategy INSTANCE = new LeastConnectionsStrategy(ThreadLocalRandom::current);

    private final Supplier<? extends RandomGenerator> generator;

    LeastConnectionsStrategy(Supplier<? extends RandomGenerator> generator) {
        this.generator = generator;
    }

    @Override
    public UpstreamSelector newSelector(List<Upstream> upstreams, UpstreamStats stats) {
        Upstream[] members = upstreams.toArray(new Upstream[0]);
        int n = members.length;
        int[] weights = new int[n];
        for (int i = 0; i < n; i++) {
            weights[i] = stats.weight(i);
        }
        return exchange -> {
            int draw = generator.get().nextInt(2 * n);
            return members[pick(stats, weights, n, draw >> 1, (draw & 1) == 0)];
        };
    }

    /**
     * One pass over every upstream, keeping the first with the lowest load per weight. The pass starts at
     * a random upstream and goes forwards or backwards at random, in two runs of constant stride (no wrap
     * inside a loop, so the compiler unrolls it and drops the bounds checks): that random order is what
     * settles ties, with no branch or random number per upstream. (Settling ties one by one cost more than
     * the scan itself. JMH, 100 upstreams.) Comparisons cross-multiply: no division.
     */
    private static int pick(UpstreamStats stats, int[] weights, int n, int start, boolean forwards) {
        if (forwards) {
            return scanForwards(stats, weights, 0, start, scanForwards(stats, weights, start + 1, n, start));
        }
        return scanBackwards(stats, weights, n - 1, start, scanBackwards(stats, weights, start - 1, -1, start));
    }

    /** Returns the least loaded of {@code best} and the upstreams from {@code from} up to {@code to}, exclusive. */
    private static int scanForwards(UpstreamStats stats, int[] weights, int from, int to, int best) {
        long bestLoad = stats.inFlight(best);
        long bestWeight = weights[best];
        for (int i = from; i < to; i++) {
            long load = stats.inFlight(i);
            if (load * bestWeight < bestLoad * weights[i]) {
                best = i;
                bestLoad = load;
                bestWeight = weights[i];
            }
        }
        return best;
    }

    /** Returns the least loaded of {@code best} and the upstreams from {@code from} down to {@code to}, exclusive. */
    private static int scanBackwards(UpstreamStats stats, int[] weights, int from, int to, int best) {
        long bestLoad = stats.inFlight(best);
        long bestWeight = weights[best];
        for (int i = from; i > to; i--) {
            long load = stats.inFlight(i);
            if (load * bestWeight < bestLoad * weights[i]) {
                best = i;
                bestLoad = load;
                bestWeight = weights[i];
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "least-connections";
    }

}
