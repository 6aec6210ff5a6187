package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.TestProxies;
import dev.gatehouse.proxy.testing.TestUpstream;
import dev.gatehouse.proxy.testing.Transfers;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Active and passive health checks, slow start, panic mode and runtime membership, against real upstreams. */
class HealthIT {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final int FALL = 2;

    @RegisterExtension
    static final TestUpstream one = new TestUpstream("one");
    @RegisterExtension
    static final TestUpstream two = new TestUpstream("two");
    @RegisterExtension
    static final TestUpstream three = new TestUpstream("three");

    private static RawHttp.Response get(ReverseProxy proxy, String path) throws IOException {
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: example.com\r\n\r\n");
            return client.read();
        }
    }

    private static Map<String, Integer> spread(ReverseProxy proxy, int requests) throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            counts.merge(get(proxy, "/whoami").text(), 1, Integer::sum);
        }
        return counts;
    }

    private static ReverseProxy checked(String strategyName) {
        return TestProxies.start(TestProxies.builder()
                .healthCheck(HealthCheckers.http("/status?code=200"), INTERVAL)
                .healthThresholds(2, FALL)
                .healthCheckTimeout(Duration.ofMillis(500))
                .slowStart(Duration.ofSeconds(3))
                .route(Route.builder("all").upstreams(one.upstream(), two.upstream(), three.upstream())
                        .loadBalancing("wrr".equals(strategyName) ? LoadBalancers.weightedRoundRobin()
                                : LoadBalancers.roundRobin())
                        .build()));
    }

    @Test
    void aStoppedUpstreamGetsNoRequestsWithinFallTimesIntervalAndRejoinsAfterItsRestart() throws Exception {
        try (ReverseProxy proxy = checked("rr")) {
            assertThat(spread(proxy, 30)).containsOnlyKeys("one", "two", "three");
            two.stop();
            long stopped = System.nanoTime();
            await().atMost(INTERVAL.multipliedBy(FALL).plusSeconds(1).plusMillis(300))
                    .until(() -> !proxy.upstreams().status(two.upstream()).healthy());
            long detected = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
            System.out.printf("HealthIT: a stopped upstream was taken out after %d ms (interval %d ms, fall %d)%n",
                    detected, INTERVAL.toMillis(), FALL);
            assertThat(spread(proxy, 30)).containsOnlyKeys("one", "three");

            two.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.upstreams().status(two.upstream()).healthy());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(spread(proxy, 30)).containsKeys("one", "two", "three"));
        }
    }

    @Test
    void aRecoveredUpstreamRampsUpWithSlowStart() throws Exception {
        try (ReverseProxy proxy = checked("wrr")) {
            two.stop();
            await().atMost(Duration.ofSeconds(3)).until(() -> !proxy.upstreams().status(two.upstream()).healthy());
            two.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.upstreams().status(two.upstream()).healthy());
            // Right after recovery it has about a tenth of its weight: far below its third.
            Map<String, Integer> early = spread(proxy, 60);
            assertThat(early.getOrDefault("two", 0)).as("%s", early).isLessThan(12);
            // Three seconds later it has all of it.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Map<String, Integer> later = spread(proxy, 60);
                assertThat(later.getOrDefault("two", 0)).as("%s", later).isGreaterThanOrEqualTo(18);
            });
        }
    }

    @Test
    void ejectsAnUpstreamThatKeepsFailingEvenIfItsHealthCheckPasses() throws Exception {
        two.handle("/whoami", exchange -> TestUpstream.text(exchange, 500, "broken"));
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder()
                .healthCheck(HealthCheckers.http("/status?code=200"), INTERVAL)
                .outlierDetection(3, Duration.ofSeconds(30))
                .route(Route.builder("all").upstreams(one.upstream(), two.upstream(), three.upstream()).build()))) {
            for (int i = 0; i < 15; i++) {
                get(proxy, "/whoami");
            }
            await().atMost(Duration.ofSeconds(2)).until(() -> proxy.upstreams().status(two.upstream()).ejected());
            assertThat(proxy.upstreams().status(two.upstream()).healthy()).isTrue();
            assertThat(spread(proxy, 30)).containsOnlyKeys("one", "three");
        }
    }

    @Test
    void panicModeKeepsRoutingWhenTooFewAreHealthyAndCanBeTurnedOff() throws Exception {
        for (int panic : new int[] {50, 0}) {
            try (ReverseProxy proxy = TestProxies.start(TestProxies.builder()
                    .healthCheck(HealthCheckers.http("/status?code=503"), INTERVAL)
                    .healthThresholds(1, 1)
                    .panicThreshold(panic)
                    .route(Route.builder("all").upstreams(one.upstream(), two.upstream()).build()))) {
                await().atMost(Duration.ofSeconds(3)).until(() -> !proxy.upstreams().status(one.upstream()).healthy()
                        && !proxy.upstreams().status(two.upstream()).healthy());
                // The route's balancer learns of the change from the control thread, a moment after the status.
                if (panic > 0) {
                    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                            .until(() -> get(proxy, "/whoami").status == 200);
                } else {
                    await().atMost(Duration.ofSeconds(3)).untilAsserted(() ->
                            assertThat(get(proxy, "/whoami").status).as("panic threshold 0").isEqualTo(503));
                }
            }
        }
    }

    @Test
    void aRemovedUpstreamFinishesItsRequestsInFlightAndGetsNoNewOnes() throws Exception {
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder()
                .route(Route.builder("all").upstreams(one.upstream(), two.upstream()).build()))) {
            CompletableFuture<RawHttp.Response> inFlight = new CompletableFuture<>();
            // Round robin: find the request that two serves, then remove two while it streams.
            CompletableFuture.runAsync(() -> {
                try {
                    RawHttp.Response response = Transfers.download(proxy.address(), "/slow?n=200000&ms=1500");
                    RawHttp.Response second = Transfers.download(proxy.address(), "/slow?n=200000&ms=1500");
                    inFlight.complete(response.length == 200_000 && second.length == 200_000 && second.complete
                            && response.complete ? second : null);
                } catch (IOException e) {
                    inFlight.completeExceptionally(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.upstreams().status(two.upstream()).inFlight() == 1);
            assertThat(proxy.upstreams().remove("all", two.upstream())).isTrue();
            assertThat(proxy.upstreams().of("all")).containsExactly(one.upstream());
            assertThat(spread(proxy, 10)).containsOnlyKeys("one");

            assertThat(inFlight.get(30, TimeUnit.SECONDS)).isNotNull();
            assertThat(proxy.upstreams().add("all", three.upstream())).isTrue();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(spread(proxy, 10)).containsOnlyKeys("one", "three"));
        }
    }

    @Test
    void aDrainedUpstreamFinishesItsRequestsAndIsResumed() throws Exception {
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder()
                .route(Route.builder("all").upstreams(one.upstream(), two.upstream()).build()))) {
            proxy.upstreams().drain(two.upstream());
            assertThat(proxy.upstreams().status(two.upstream()).draining()).isTrue();
            assertThat(spread(proxy, 10)).containsOnlyKeys("one");
            assertThat(proxy.upstreams().status(two.upstream()).idleConnections()).isZero();
            proxy.upstreams().resume(two.upstream());
            assertThat(spread(proxy, 10)).containsOnlyKeys("one", "two");
        }
    }
}
