package dev.gatehouse.proxy.core;

import static java.util.Objects.requireNonNull;

import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.core.internal.balancer.LeastConnectionsStrategy;
import dev.gatehouse.proxy.core.internal.balancer.MaglevStrategy;
import dev.gatehouse.proxy.core.internal.balancer.PowerOfTwoStrategy;
import dev.gatehouse.proxy.core.internal.balancer.RandomStrategy;
import dev.gatehouse.proxy.core.internal.balancer.RoundRobinStrategy;
import dev.gatehouse.proxy.core.internal.balancer.StickyStrategy;
import dev.gatehouse.proxy.core.internal.balancer.WeightedRoundRobinStrategy;
import dev.gatehouse.proxy.filter.ProxyExchange;
import java.util.List;
import java.util.function.Function;

/**
 * The built-in {@link LoadBalancingStrategy load-balancing strategies}. Each factory returns an immutable,
 * thread-safe strategy that can be shared between routes. Every pick is lock-free and allocation-free;
 * tables are built when a route's set of available upstreams (or their weights) changes, not per request.
 * Weighted strategies use each upstream's effective weight, which slow start lowers while it ramps up.
 */
public final class LoadBalancers {

    /** The strategies {@link #named(String)} knows: those that need no options. */
    private static final List<LoadBalancingStrategy> NAMED = List.of(roundRobin(), weightedRoundRobin(), random(),
            weightedRandom(), leastConnections(), leastRequest(), peakEwma());

    private LoadBalancers() {
    }

    /**
     * Returns the strategy with this name, for configuration read from text: {@code round-robin},
     * {@code weighted-round-robin}, {@code random}, {@code weighted-random}, {@code least-connections},
     * {@code least-request} or {@code peak-ewma}, as each strategy's {@code toString()} names it.
     * Consistent hashing and sticky sessions need options, so they have only their factories.
     *
     * @throws IllegalArgumentException for any other name; the message lists the names
     */
    public static LoadBalancingStrategy named(String name) {
        requireNonNull(name, "name");
        for (LoadBalancingStrategy strategy : NAMED) {
            if (strategy.toString().equals(name)) {
                return strategy;
            }
        }
        throw new IllegalArgumentException("strategy \"" + name + "\" (expected one of " + names() + ")");
    }

    /** Returns the names {@link #named(String)} accepts, comma-separated. */
    private static String names() {
        StringBuilder names = new StringBuilder();
        for (LoadBalancingStrategy strategy : NAMED) {
            names.append(names.length() == 0 ? "" : ", ").append(strategy);
        }
        return names.toString();
    }

    /** Each upstream in turn, ignoring weights; the default. One atomic increment per pick. */
    public static LoadBalancingStrategy roundRobin() {
        return RoundRobinStrategy.INSTANCE;
    }

    /**
     * Each upstream in turn, as often per cycle as its weight, interleaved smoothly: weights 5, 1, 1 give
     * {@code a a a b c a a}, never a burst of five. One atomic increment and one array read per pick.
     */
    public static LoadBalancingStrategy weightedRoundRobin() {
        return WeightedRoundRobinStrategy.INSTANCE;
    }

    /** A uniformly random upstream, ignoring weights. */
    public static LoadBalancingStrategy random() {
        return RandomStrategy.UNIFORM;
    }

    /** A random upstream drawn in proportion to its weight (an alias table: constant cost per pick). */
    public static LoadBalancingStrategy weightedRandom() {
        return RandomStrategy.WEIGHTED;
    }

    /**
     * The upstream with the fewest requests in flight per weight, ties broken at random. Looks at every
     * upstream on each pick; use {@link #leastRequest()} for large groups.
     */
    public static LoadBalancingStrategy leastConnections() {
        return LeastConnectionsStrategy.INSTANCE;
    }

    /**
     * The less loaded (requests in flight per weight) of two upstreams drawn at random: nearly as good as
     * least connections at constant cost, and it never herds every request onto one upstream.
     */
    public static LoadBalancingStrategy leastRequest() {
        return PowerOfTwoStrategy.LEAST_REQUEST;
    }

    /**
     * Latency-aware: of two upstreams drawn at random, the one with the lower peak-EWMA response latency
     * times (requests in flight + 1), per weight (the Finagle and Linkerd balancer). It steers away from an
     * upstream that turns slow before requests pile up there.
     */
    public static LoadBalancingStrategy peakEwma() {
        return PowerOfTwoStrategy.PEAK_EWMA;
    }

    /**
     * Consistent hashing (Maglev): requests with the same key go to the same upstream, and when an
     * upstream joins or leaves only about its share of keys moves. Keys come from {@code key}, such as
     * {@link HashKeys#header(String)}; an exchange without a key goes to a random upstream.
     */
    public static LoadBalancingStrategy consistentHash(Function<ProxyExchange, String> key) {
        return new MaglevStrategy(requireNonNull(key, "key"), 0, "consistent-hash");
    }

    /**
     * Consistent hashing with bounded loads: like {@link #consistentHash(Function)}, but no upstream gets
     * more than {@code balanceFactor} times its share of the requests in flight; a key whose upstream is
     * full goes to the next upstream in its own fixed order. HAProxy's {@code hash-balance-factor}
     * expressed as a ratio: 1.25 allows 25 % over the mean.
     *
     * @throws IllegalArgumentException unless {@code balanceFactor} is greater than 1
     */
    public static LoadBalancingStrategy consistentHash(Function<ProxyExchange, String> key, double balanceFactor) {
        requireNonNull(key, "key");
        if (!(balanceFactor > 1.0) || Double.isInfinite(balanceFactor)) {
            throw new IllegalArgumentException("balanceFactor: " + balanceFactor + " (expected: > 1, such as 1.25)");
        }
        return new MaglevStrategy(key, balanceFactor, "consistent-hash(bounded " + balanceFactor + ")");
    }

    /**
     * Sticky sessions: the proxy issues cookie {@code cookieName} naming the upstream that served a client,
     * and sends the client back there while that upstream can take requests; otherwise, and for new
     * clients, {@code fallback} picks and a new cookie is issued. The cookie holds a hash, not the address.
     */
    public static LoadBalancingStrategy sticky(String cookieName, LoadBalancingStrategy fallback) {
        requireNonNull(cookieName, "cookieName");
        requireNonNull(fallback, "fallback");
        if (cookieName.isEmpty() || !cookieName.chars().allMatch(c -> c > 0x20 && c < 0x7f
                && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
            throw new IllegalArgumentException("cookieName: \"" + cookieName + "\" (expected: a cookie name token)");
        }
        return new StickyStrategy(cookieName, fallback);
    }
}
