package dev.gatehouse.proxy.core.internal.balancer;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.balancer.UpstreamSelector;
import dev.gatehouse.proxy.balancer.UpstreamStats;
import dev.gatehouse.proxy.filter.ProxyExchange;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * Consistent hashing with Maglev's lookup table (Eisenbud et al., NSDI 2016): each upstream fills the
 * slots of a prime-sized table in the order of its own permutation, taking turns in proportion to its
 * weight, so every upstream holds its share of slots to within one, and a key's upstream is one table
 * read. When an upstream joins or leaves, few keys move (about their share).
 *
 * <p>With a balance factor {@code c > 1} it bounds the load (Mirrokni et al., "Consistent Hashing with
 * Bounded Loads", HAProxy's {@code hash-balance-factor}): an upstream with more than
 * {@code ceil(c * (in flight + 1) * its weight share)} requests in flight is passed over for the next
 * slots' upstreams, the same order for the same key. Keys without a value go to a random upstream.
 */
public final class MaglevStrategy implements LoadBalancingStrategy {

    private static final long OFFSET_SEED = 0x9E3779B97F4A7C15L;
    private static final long SKIP_SEED = 0xC2B2AE3D27D4EB4FL;
    static final int MIN_TABLE = 65_537;

    private final Function<ProxyExchange, String> key;
    private final double balanceFactor;
    private final String name;

    /**
     * Creates the strategy.
     *
     * @param key extracts the hash key of an exchange; null means none
     * @param balanceFactor 0 for plain consistent hashing, or the bound {@code c > 1}
     */
    public MaglevStrategy(Function<ProxyExchange, String> key, double balanceFactor, String name) {
        this.key = key;
        this.balanceFactor = balanceFactor;
        this.name = name;
    }

    @Override
    public UpstreamSelector newSelector(List<Upstream> upstreams, UpstreamStats stats) {
        Upstream[] members = upstreams.toArray(new Upstream[0]);
        int[] weights = new int[members.length];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = stats.weight(i);
        }
        int[] table = table(members, weights);
        return new Selector(members, weights, table, stats, key, balanceFactor);
    }

    /** Builds the lookup table: slot to index of the upstream. */
    static int[] table(Upstream[] members, int[] weights) {
        int n = members.length;
        int size = tableSize(n);
        long[] offset = new long[n];
        long[] skip = new long[n];
        int maxWeight = 1;
        for (int i = 0; i < n; i++) {
            String id = members[i].authority();
            offset[i] = Math.floorMod(Hashing.hash(id, OFFSET_SEED), size);
            skip[i] = Math.floorMod(Hashing.hash(id, SKIP_SEED), size - 1) + 1;
            maxWeight = Math.max(maxWeight, weights[i]);
        }
        int[] table = new int[size];
        Arrays.fill(table, -1);
        long[] next = new long[n];
        long[] taken = new long[n];
        int filled = 0;
        for (long round = 1; filled < size; round++) {
            for (int i = 0; i < n && filled < size; i++) {
                // Weighted turns: upstream i may hold round * weight / maxWeight slots after this round.
                if (taken[i] * maxWeight >= round * weights[i]) {
                    continue;
                }
                int slot;
                do {
                    slot = (int) ((offset[i] + next[i] * skip[i]) % size);
                    next[i]++;
                } while (table[slot] >= 0);
                table[slot] = i;
                taken[i]++;
                filled++;
            }
        }
        return table;
    }

    /** A prime table size with at least 100 slots per upstream, 65,537 at the least. */
    static int tableSize(int upstreams) {
        long wanted = Math.max(MIN_TABLE, 100L * upstreams);
        for (long candidate = wanted | 1; ; candidate += 2) {
            if (isPrime(candidate)) {
                return (int) candidate;
            }
        }
    }

    private static boolean isPrime(long value) {
        for (long divisor = 3; divisor * divisor <= value; divisor += 2) {
            if (value % divisor == 0) {
                return false;
            }
        }
        return value % 2 != 0;
    }

    @Override
    public String toString() {
        return name;
    }

    private static final class Selector implements UpstreamSelector {
        private final Upstream[] members;
        private final int[] weights;
        private final long totalWeight;
        private final int[] table;
        private final UpstreamStats stats;
        private final Function<ProxyExchange, String> key;
        private final double balanceFactor;

        Selector(Upstream[] members, int[] weights, int[] table, UpstreamStats stats,
                 Function<ProxyExchange, String> key, double balanceFactor) {
            this.members = members;
            this.weights = weights;
            this.table = table;
            this.stats = stats;
            this.key = key;
            this.balanceFactor = balanceFactor;
            long sum = 0;
            for (int weight : weights) {
                sum += weight;
            }
            this.totalWeight = sum;
        }

        @Override
        public Upstream select(ProxyExchange exchange) {
            String value = key.apply(exchange);
            if (value == null) {
                return members[ThreadLocalRandom.current().nextInt(members.length)];
            }
            int slot = Math.floorMod(Hashing.hash(value), table.length);
            if (balanceFactor <= 0 || members.length == 1) {
                return members[table[slot]];
            }
            double budget = balanceFactor * (stats.totalInFlight() + 1) / totalWeight;
            for (int probe = 0; probe < table.length; probe++) {
                int index = table[slot];
                if (stats.inFlight(index) < Math.ceil(budget * weights[index])) {
                    return members[index];
                }
                if (++slot == table.length) {
                    slot = 0;
                }
            }
            return members[table[Math.floorMod(Hashing.hash(value), table.length)]];
        }
    }
}
