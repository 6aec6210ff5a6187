package dev.gatehouse.proxy.core.internal.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.ProxyRequest;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.balancer.UpstreamSelector;
import dev.gatehouse.proxy.balancer.UpstreamStats;
import dev.gatehouse.proxy.core.HashKeys;
import dev.gatehouse.proxy.core.LoadBalancers;
import dev.gatehouse.proxy.filter.ProxyExchange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How each strategy spreads 100,000 picks, without sockets. */
class DistributionTest {

    private static final int PICKS = 100_000;

    /**
     * Random choices come from a seeded generator, so each test draws the same numbers every run: the
     * spread of 100,000 truly random picks exceeds 5 % in a few runs in a hundred, and a test must not
     * fail by chance. Production strategies use ThreadLocalRandom through the same code.
     */
    private static final java.util.SplittableRandom SEEDED = new java.util.SplittableRandom(20261123);

    private static final LoadBalancingStrategy RANDOM = new RandomStrategy(false, () -> SEEDED);
    private static final LoadBalancingStrategy WEIGHTED_RANDOM = new RandomStrategy(true, () -> SEEDED);
    private static final LoadBalancingStrategy LEAST_CONNECTIONS = new LeastConnectionsStrategy(() -> SEEDED);
    private static final LoadBalancingStrategy LEAST_REQUEST = new PowerOfTwoStrategy(false, () -> SEEDED);
    private static final LoadBalancingStrategy PEAK_EWMA = new PowerOfTwoStrategy(true, () -> SEEDED);

    /** Live figures that a test controls: in flight, latency and effective weight per upstream. */
    static final class FakeStats implements UpstreamStats {
        final int[] inFlight;
        final long[] latency;
        final int[] weights;

        FakeStats(List<Upstream> upstreams) {
            inFlight = new int[upstreams.size()];
            latency = new long[upstreams.size()];
            weights = new int[upstreams.size()];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = upstreams.get(i).weight() * 1000;
            }
        }

        @Override
        public int inFlight(int index) {
            return inFlight[index];
        }

        @Override
        public int totalInFlight() {
            int total = 0;
            for (int value : inFlight) {
                total += value;
            }
            return total;
        }

        @Override
        public long latencyNanos(int index) {
            return latency[index];
        }

        @Override
        public int weight(int index) {
            return weights[index];
        }
    }

    static List<Upstream> upstreams(int count, int... weights) {
        List<Upstream> upstreams = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Upstream upstream = Upstream.of("10.0." + (i / 250) + "." + (i % 250 + 1), 8080);
            upstreams.add(weights.length > 0 ? upstream.withWeight(weights[i]) : upstream);
        }
        return upstreams;
    }

    static ProxyExchange exchange(String header) {
        ProxyRequest request = ProxyRequest.builder().method("GET").path("/").authority("h")
                .headers(header == null ? dev.gatehouse.proxy.Headers.empty() : dev.gatehouse.proxy.Headers.of("X-Key", header))
                .build();
        return new FakeExchange(request);
    }

    /** Counts picks per upstream; in flight is left untouched (every request completes before the next). */
    private static Map<Upstream, Integer> spread(LoadBalancingStrategy strategy, List<Upstream> upstreams) {
        FakeStats stats = new FakeStats(upstreams);
        UpstreamSelector selector = strategy.newSelector(upstreams, stats);
        Map<Upstream, Integer> counts = new IdentityHashMap<>();
        ProxyExchange exchange = exchange(null);
        for (int i = 0; i < PICKS; i++) {
            counts.merge(selector.select(exchange), 1, Integer::sum);
        }
        return counts;
    }

    private static void assertEven(String strategy, Map<Upstream, Integer> counts, int upstreams) {
        assertThat(counts).as(strategy).hasSize(upstreams);
        int busiest = counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        int quietest = counts.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
        assertThat(busiest).as(strategy + ": busiest %d, quietest %d", busiest, quietest)
                .isLessThanOrEqualTo((int) (quietest * 1.05));
    }

    @Test
    void everyStrategySpreadsEvenlyOverTenEqualUpstreams() {
        List<Upstream> ten = upstreams(10);
        Map<String, LoadBalancingStrategy> strategies = new HashMap<>();
        strategies.put("round-robin", LoadBalancers.roundRobin());
        strategies.put("weighted-round-robin", LoadBalancers.weightedRoundRobin());
        strategies.put("random", RANDOM);
        strategies.put("weighted-random", WEIGHTED_RANDOM);
        strategies.put("least-connections", LEAST_CONNECTIONS);
        strategies.put("least-request", LEAST_REQUEST);
        strategies.put("peak-ewma", PEAK_EWMA);
        strategies.put("sticky", LoadBalancers.sticky("GH", LoadBalancers.roundRobin()));
        strategies.forEach((name, strategy) -> assertEven(name, spread(strategy, ten), 10));
    }

    @Test
    void consistentHashSpreadsDistinctKeysEvenly() {
        List<Upstream> ten = upstreams(10);
        UpstreamSelector selector = LoadBalancers.consistentHash(HashKeys.header("X-Key"))
                .newSelector(ten, new FakeStats(ten));
        Map<Upstream, Integer> counts = new IdentityHashMap<>();
        for (int i = 0; i < PICKS; i++) {
            counts.merge(selector.select(exchange("user-" + i)), 1, Integer::sum);
        }
        assertEven("consistent-hash", counts, 10);
    }

    @Test
    void weightedStrategiesGiveSharesWithinTwoPercentOfTheWeights() {
        int[] weights = {1, 2, 3, 4, 5, 1, 2, 3, 4, 5};
        List<Upstream> upstreams = upstreams(10, weights);
        int total = 30;
        for (LoadBalancingStrategy strategy : List.of(LoadBalancers.weightedRoundRobin(), WEIGHTED_RANDOM,
                LEAST_CONNECTIONS, LEAST_REQUEST)) {
            Map<Upstream, Integer> counts = strategy == LEAST_CONNECTIONS || strategy == LEAST_REQUEST
                    ? spreadUnderLoad(strategy, upstreams) : spread(strategy, upstreams);
            for (int i = 0; i < upstreams.size(); i++) {
                double share = counts.getOrDefault(upstreams.get(i), 0) / (double) PICKS;
                double expected = weights[i] / (double) total;
                assertThat(share).as("%s, upstream %d (weight %d)", strategy, i, weights[i])
                        .isCloseTo(expected, org.assertj.core.data.Offset.offset(0.02));
            }
        }
    }

    /**
     * Load-aware strategies only show weights under load: keep 300 requests in flight, each completing
     * after a fixed number of later picks, so in flight per upstream follows the picks.
     */
    private static Map<Upstream, Integer> spreadUnderLoad(LoadBalancingStrategy strategy, List<Upstream> upstreams) {
        FakeStats stats = new FakeStats(upstreams);
        UpstreamSelector selector = strategy.newSelector(upstreams, stats);
        Map<Upstream, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < upstreams.size(); i++) {
            index.put(upstreams.get(i), i);
        }
        Map<Upstream, Integer> counts = new IdentityHashMap<>();
        int[] ring = new int[300];
        java.util.Arrays.fill(ring, -1);
        ProxyExchange exchange = exchange(null);
        for (int i = 0; i < PICKS; i++) {
            int slot = i % ring.length;
            if (ring[slot] >= 0) {
                stats.inFlight[ring[slot]]--;
            }
            Upstream chosen = selector.select(exchange);
            int picked = index.get(chosen);
            stats.inFlight[picked]++;
            ring[slot] = picked;
            counts.merge(chosen, 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void weightedRoundRobinInterleavesInsteadOfBursting() {
        List<Upstream> upstreams = upstreams(3, 5, 1, 1);
        UpstreamSelector selector = LoadBalancers.weightedRoundRobin().newSelector(upstreams, new FakeStats(upstreams));
        StringBuilder cycle = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            cycle.append((char) ('a' + upstreams.indexOf(selector.select(exchange(null)))));
        }
        assertThat(cycle.toString()).isEqualTo("aaabcaa");
    }

    @Test
    void consistentHashMovesAboutOneElevenththOfTheKeysWhenAnUpstreamJoins() {
        List<Upstream> ten = upstreams(10);
        List<Upstream> eleven = upstreams(11);
        UpstreamSelector before = LoadBalancers.consistentHash(HashKeys.header("X-Key")).newSelector(ten, new FakeStats(ten));
        UpstreamSelector after = LoadBalancers.consistentHash(HashKeys.header("X-Key")).newSelector(eleven, new FakeStats(eleven));
        int moved = 0;
        for (int i = 0; i < PICKS; i++) {
            ProxyExchange exchange = exchange("key-" + i);
            if (!before.select(exchange).equals(after.select(exchange))) {
                moved++;
            }
        }
        System.out.printf("Maglev: %d of %d keys moved when an 11th upstream joined (ideal %d)%n", moved, PICKS, PICKS / 11);
        assertThat(moved).as("keys moved").isLessThanOrEqualTo((int) (PICKS * (1.0 / 11 + 0.03)));
        assertThat(moved).as("keys moved").isGreaterThan(PICKS / 20);
    }

    @Test
    void boundedLoadKeepsEveryUpstreamUnderItsShareTimesTheFactor() {
        List<Upstream> ten = upstreams(10);
        FakeStats stats = new FakeStats(ten);
        double factor = 1.25;
        UpstreamSelector selector = LoadBalancers.consistentHash(HashKeys.header("X-Key"), factor).newSelector(ten, stats);
        Map<Upstream, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < ten.size(); i++) {
            index.put(ten.get(i), i);
        }
        // Heavily skewed keys: half the requests share one key. Nothing completes, so in flight only grows.
        for (int i = 0; i < 10_000; i++) {
            String key = i % 2 == 0 ? "hot" : "key-" + i;
            stats.inFlight[index.get(selector.select(exchange(key)))]++;
        }
        int bound = (int) Math.ceil(factor * 10_000 / 10.0);
        for (int count : stats.inFlight) {
            assertThat(count).isLessThanOrEqualTo(bound);
        }
    }

    @Test
    void consistentHashSendsTheSameKeyToTheSameUpstream() {
        List<Upstream> ten = upstreams(10);
        UpstreamSelector selector = LoadBalancers.consistentHash(HashKeys.header("X-Key")).newSelector(ten, new FakeStats(ten));
        Upstream first = selector.select(exchange("user-42"));
        for (int i = 0; i < 100; i++) {
            assertThat(selector.select(exchange("user-42"))).isSameAs(first);
        }
    }

    @Test
    void leastConnectionsAvoidsTheBusyAndBreaksTiesAtRandom() {
        List<Upstream> three = upstreams(3);
        FakeStats stats = new FakeStats(three);
        stats.inFlight[0] = 5;
        UpstreamSelector selector = LEAST_CONNECTIONS.newSelector(three, stats);
        Map<Upstream, Integer> counts = new IdentityHashMap<>();
        for (int i = 0; i < 1000; i++) {
            counts.merge(selector.select(exchange(null)), 1, Integer::sum);
        }
        assertThat(counts).doesNotContainKey(three.get(0));
        assertThat(counts.get(three.get(1))).isBetween(400, 600);
    }

    @Test
    void peakEwmaPrefersTheFasterUpstream() {
        List<Upstream> two = upstreams(2);
        FakeStats stats = new FakeStats(two);
        stats.latency[0] = 50_000_000;
        stats.latency[1] = 1_000_000;
        UpstreamSelector selector = LoadBalancers.peakEwma().newSelector(two, stats);
        for (int i = 0; i < 100; i++) {
            assertThat(selector.select(exchange(null))).isSameAs(two.get(1));
        }
    }

    @Test
    void stickyHonoursItsCookieAndIssuesOneOtherwise() {
        List<Upstream> three = upstreams(3);
        UpstreamSelector selector = LoadBalancers.sticky("GH", LoadBalancers.roundRobin())
                .newSelector(three, new FakeStats(three));
        FakeExchange fresh = (FakeExchange) exchange(null);
        Upstream chosen = selector.select(fresh);
        assertThat(fresh.cookie).startsWith("GH=").endsWith("; Path=/; HttpOnly; SameSite=Lax");
        String value = fresh.cookie.substring(3, fresh.cookie.indexOf(';'));
        assertThat(value).isEqualTo(StickyStrategy.id(chosen)).doesNotContain("10.0.");
        for (int i = 0; i < 10; i++) {
            FakeExchange returning = new FakeExchange(ProxyRequest.builder().method("GET").path("/").authority("h")
                    .headers(dev.gatehouse.proxy.Headers.of("Cookie", "a=b; GH=" + value)).build());
            assertThat(selector.select(returning)).isSameAs(chosen);
            assertThat(returning.cookie).isNull();
        }
    }

    /** A hand-written exchange that records the cookie a selector sets. */
    static final class FakeExchange implements ProxyExchange, ResponseCookies {
        final ProxyRequest request;
        String cookie;

        FakeExchange(ProxyRequest request) {
            this.request = request;
        }

        @Override
        public void setResponseCookie(String value) {
            cookie = value;
        }

        @Override
        public String id() {
            return "1";
        }

        @Override
        public ProxyRequest request() {
            return request;
        }

        @Override
        public dev.gatehouse.proxy.Route route() {
            return null;
        }

        @Override
        public Map<String, String> pathParameters() {
            return Map.of();
        }

        @Override
        public java.net.InetSocketAddress remoteAddress() {
            return new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 1);
        }

        @Override
        public java.net.InetAddress clientAddress() {
            return java.net.InetAddress.getLoopbackAddress();
        }

        @Override
        public <T> T attribute(dev.gatehouse.proxy.filter.AttributeKey<T> key) {
            return null;
        }

        @Override
        public <T> T putAttribute(dev.gatehouse.proxy.filter.AttributeKey<T> key, T value) {
            return null;
        }
    }
}
