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
 * Two distinct upstreams drawn at random, and the less loaded of the two: "the power of two choices".
 * Least-request compares requests in flight per weight; peak-EWMA (Finagle's and Linkerd's balancer)
 * compares latency times requests in flight, per weight, so it steers away from an upstream that is slow
 * before it piles up requests. Constant cost per pick; no herd on the momentarily least loaded upstream.
 */
public final class PowerOfTwoStrategy implements LoadBalancingStrategy {

    /** Fewer requests in flight (per weight) wins. */
    public static final PowerOfTwoStrategy LEAST_REQUEST = new PowerOfTwoStrategy(false, ThreadLocalRandom::current);
    /** Lower peak-EWMA latency times (requests in flight + 1), per weight, wins. */
    public static final PowerOfTwoStrategy PEAK_EWMA = new PowerOfTwoStrategy(true, ThreadLocalRandom::current);

    private final boolean ewma;
    private final Supplier<? extends RandomGenerator> generator;

    PowerOfTwoStrategy(boolean ewma, Supplier<? extends RandomGenerator> generator) {
        this.ewma = ewma;
        this.generator = generator;
    }

    @Override
    public UpstreamSelector newSelector(List<Upstream> upstreams, UpstreamStats stats) {
        Upstream[] members = upstreams.toArray(new Upstream[0]);
        if (members.length == 1) {
            Upstream only = members[0];
            return exchange -> only;
        }
        int[] weights = new int[members.length];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = stats.weight(i);
        }
        boolean byLatency = ewma;
        return exchange -> {
            RandomGenerator random = generator.get();
            int n = members.length;
            int a = random.nextInt(n);
            int b = random.nextInt(n - 1);
            if (b >= a) {
                b++;
            }
            return members[byLatency ? cheaperByLatency(stats, weights, a, b) : cheaperByLoad(stats, weights, a, b)];
        };
    }

    private static int cheaperByLoad(UpstreamStats stats, int[] weights, int a, int b) {
        long loadA = stats.inFlight(a);
        long loadB = stats.inFlight(b);
        return loadB * weights[a] < loadA * weights[b] ? b : a;
    }

    private static int cheaperByLatency(UpstreamStats stats, int[] weights, int a, int b) {
        long latencyA = stats.latencyNanos(a);
        long latencyB = stats.latencyNanos(b);
        // An upstream not measured yet is taken to be as fast as the other, so only load decides.
        if (latencyA == 0) {
            latencyA = latencyB;
        }
        if (latencyB == 0) {
            latencyB = latencyA;
        }
        double costA = (latencyA + 1.0) * (stats.inFlight(a) + 1) / weights[a];
        double costB = (latencyB + 1.0) * (stats.inFlight(b) + 1) / weights[b];
        return costB < costA ? b : a;
    }

    @Override
    public String toString() {
        return ewma ? "peak-ewma" : "least-request";
    }
}
