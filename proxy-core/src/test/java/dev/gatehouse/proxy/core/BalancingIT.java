package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.TestProxies;
import dev.gatehouse.proxy.testing.TestUpstream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Load-aware strategies, sticky sessions and limits against real upstreams. */
class BalancingIT {

    @RegisterExtension
    static final TestUpstream fast = new TestUpstream("fast");
    @RegisterExtension
    static final TestUpstream slow = new TestUpstream("slow");

    private static RawHttp.Response get(ReverseProxy proxy, String path, String... headers) throws IOException {
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: example.com\r\n" + String.join("", headers) + "\r\n");
            return client.read();
        }
    }

    /** Sends 320 requests from 8 clients at once and counts which upstream answered. */
    private static Map<String, Integer> load(ReverseProxy proxy) throws Exception {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                done.add(clients.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        counts.merge(get(proxy, "/work").text(), 1, Integer::sum);
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }
        return counts;
    }

    private void slowUpstreamTakes(long millis) {
        slow.handle("/work", exchange -> {
            try {
                Thread.sleep(millis);        // the upstream's own slowness, not a synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            TestUpstream.text(exchange, 200, "slow");
        });
        fast.handle("/work", exchange -> TestUpstream.text(exchange, 200, "fast"));
    }

    private ReverseProxy proxyWith(LoadBalancingStrategy strategy) {
        return TestProxies.start(TestProxies.builder().route(Route.builder("all")
                .upstreams(fast.upstream(), slow.upstream()).loadBalancing(strategy).build()));
    }

    @Test
    void leastConnectionsSteersAwayFromASlowUpstream() throws Exception {
        slowUpstreamTakes(100);
        try (ReverseProxy proxy = proxyWith(LoadBalancers.leastConnections())) {
            Map<String, Integer> counts = load(proxy);
            // It balances requests in flight, not latency: the slow upstream keeps about its share of the
            // concurrency, which is well below round robin's half of the requests.
            assertThat(counts.getOrDefault("slow", 0)).as("%s", counts).isLessThan(320 * 3 / 10);
        }
    }

    @Test
    void peakEwmaSteersAwayFromASlowUpstream() throws Exception {
        slowUpstreamTakes(100);
        try (ReverseProxy proxy = proxyWith(LoadBalancers.peakEwma())) {
            Map<String, Integer> counts = load(proxy);
            assertThat(counts.getOrDefault("slow", 0)).as("%s", counts).isLessThan(320 / 5);
        }
    }

    @Test
    void roundRobinDoesNotAndServesAsAControl() throws Exception {
        slowUpstreamTakes(20);
        try (ReverseProxy proxy = proxyWith(LoadBalancers.roundRobin())) {
            Map<String, Integer> counts = load(proxy);
            assertThat(counts.get("slow")).isEqualTo(160);
        }
    }

    @Test
    void stickyCookiesHoldAndMoveOnWhenTheirUpstreamLeaves() throws Exception {
        try (ReverseProxy proxy = proxyWith(LoadBalancers.sticky("GH_STICKY", LoadBalancers.roundRobin()))) {
            RawHttp.Response first = get(proxy, "/whoami");
            String setCookie = first.header("Set-Cookie");
            assertThat(setCookie).startsWith("GH_STICKY=").contains("HttpOnly");
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));
            String pinned = first.text();
            for (int i = 0; i < 10; i++) {
                RawHttp.Response again = get(proxy, "/whoami", "Cookie: theme=dark; " + cookie + "\r\n");
                assertThat(again.text()).isEqualTo(pinned);
                assertThat(again.header("Set-Cookie")).isNull();
            }
            TestUpstream pinnedUpstream = pinned.equals("fast") ? fast : slow;
            proxy.upstreams().drain(pinnedUpstream.upstream());
            RawHttp.Response moved = get(proxy, "/whoami", "Cookie: " + cookie + "\r\n");
            assertThat(moved.text()).isNotEqualTo(pinned);
            assertThat(moved.header("Set-Cookie")).startsWith("GH_STICKY=").isNotEqualTo(setCookie);
        }
    }

    @Test
    void consistentHashSendsAKeyToOneUpstream() throws Exception {
        try (ReverseProxy proxy = proxyWith(LoadBalancers.consistentHash(HashKeys.header("X-User")))) {
            for (String user : new String[] {"alice", "bob", "carol", "dave"}) {
                String first = get(proxy, "/whoami", "X-User: " + user + "\r\n").text();
                for (int i = 0; i < 5; i++) {
                    assertThat(get(proxy, "/whoami", "X-User: " + user + "\r\n").text()).isEqualTo(first);
                }
            }
        }
    }

    @Test
    void queuesAtTheConnectionLimitAndAnswers503WhenTheQueueIsFull() throws Exception {
        slow.handle("/hold", exchange -> {
            try {
                Thread.sleep(600);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            TestUpstream.text(exchange, 200, "held");
        });
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().maxConnectionsPerUpstream(2)
                .maxPendingPerUpstream(2)
                .route(Route.builder("all").connectTimeout(Duration.ofSeconds(5)).upstreams(slow.upstream()).build()))) {
            ExecutorService clients = Executors.newFixedThreadPool(6);
            try {
                List<Future<Integer>> statuses = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    statuses.add(clients.submit(() -> get(proxy, "/hold").status));
                }
                List<Integer> seen = new ArrayList<>();
                for (Future<Integer> status : statuses) {
                    seen.add(status.get(30, TimeUnit.SECONDS));
                }
                assertThat(seen).containsOnly(200, 503);
                assertThat(seen.stream().filter(s -> s == 200).count()).isEqualTo(4);
                assertThat(proxy.upstreams().status(slow.upstream()).openConnections()).isLessThanOrEqualTo(2);
            } finally {
                clients.shutdownNow();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.upstreams().status(slow.upstream()).waiting() == 0);
        }
    }
}
