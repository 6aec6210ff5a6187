package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.proxy.RetryPolicy;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.testing.CountingBackend;
import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.RawUpstream;
import dev.gatehouse.proxy.testing.TestProxies;
import dev.gatehouse.proxy.testing.TestUpstream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Retries, failover, the retry budget, deadlines, stale connections and client aborts, against real
 * loopback backends that count every request by id.
 */
class ResilienceIT {

    @RegisterExtension
    static final TestUpstream steady = new TestUpstream("steady");

    /** Always names the first upstream, so a test knows where the first attempt goes. */
    private static final LoadBalancingStrategy FIRST = (upstreams, stats) -> exchange -> upstreams.get(0);

    private static RawHttp.Response send(ReverseProxy proxy, String request) throws IOException {
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            client.send(request);
            return client.read();
        }
    }

    private static String post(String method, String path, String id, String body) {
        return method + " " + path + " HTTP/1.1\r\nHost: example.com\r\nX-Request-Id: " + id + "\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
    }

    private static String get(String path, String id) {
        return "GET " + path + " HTTP/1.1\r\nHost: example.com\r\nX-Request-Id: " + id + "\r\n\r\n";
    }

    /** A chunked PUT of {@code body} in chunks of 700 bytes. */
    private static String chunked(String id, String body) {
        StringBuilder request = new StringBuilder("PUT /blob HTTP/1.1\r\nHost: example.com\r\nX-Request-Id: " + id
                + "\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < body.length(); i += 700) {
            String chunk = body.substring(i, Math.min(body.length(), i + 700));
            request.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        return request.append("0\r\n\r\n").toString();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    // ------------------------------------------------------------------------------------------------

    @Test
    void failoverUnderLoadLosesNoGetAndRunsNoPostTwice() throws Exception {
        List<CountingBackend> backends = List.of(new CountingBackend("a"), new CountingBackend("b"),
                new CountingBackend("c"));
        Map<String, Integer> statuses = new ConcurrentHashMap<>();
        Map<String, String> bodies = new ConcurrentHashMap<>();
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        int total = 20_000;
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().route(Route.builder("all")
                .upstreams(backends.stream().map(CountingBackend::upstream).toArray(Upstream[]::new)).build()))) {
            HttpClient client = TestProxies.client();
            long stopAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<Future<?>> loops = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                loops.add(clients.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < total && System.nanoTime() < stopAt) {
                        String id = "r" + i;
                        boolean isPost = i % 2 == 1;
                        HttpRequest.Builder request = HttpRequest.newBuilder(TestProxies.uri(proxy, "/work"))
                                .timeout(Duration.ofSeconds(20)).header("X-Request-Id", id);
                        request = isPost ? request.POST(HttpRequest.BodyPublishers.ofString("payload " + id))
                                : request.GET();
                        try {
                            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
                            statuses.put(id, response.statusCode());
                            bodies.put(id, response.body());
                        } catch (IOException e) {
                            errors.add(id + ": " + e);
                        }
                    }
                    return null;
                }));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> next.get() >= total / 3 || loops.stream().allMatch(Future::isDone));
            backends.get(1).kill();
            for (Future<?> loop : loops) {
                loop.get(90, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
            for (CountingBackend backend : backends) {
                backend.close();
            }
        }

        assertThat(errors).as("requests that got no response").isEmpty();
        int gets = 0;
        int posts = 0;
        int failedPosts = 0;
        for (Map.Entry<String, Integer> entry : statuses.entrySet()) {
            String id = entry.getKey();
            int status = entry.getValue();
            int executed = backends.stream().mapToInt(backend -> backend.count(id)).sum();
            boolean isPost = Integer.parseInt(id.substring(1)) % 2 == 1;
            if (isPost) {
                posts++;
                assertThat(executed).as("times POST %s reached a backend", id).isLessThanOrEqualTo(1);
                if (status == 200) {
                    assertThat(bodies.get(id)).isEqualTo("payload " + id);
                    assertThat(executed).as("times POST %s reached a backend", id).isEqualTo(1);
                } else {
                    assertThat(status).as("status of POST %s", id).isIn(502, 503);
                    failedPosts++;
                }
            } else {
                gets++;
                assertThat(status).as("status of GET %s", id).isEqualTo(200);
                assertThat(executed).as("times GET %s reached a backend", id).isBetween(1, 2);
            }
        }
        assertThat(gets + posts).isEqualTo(statuses.size());
        System.out.printf("failover: %d requests (%d GET, %d POST), %d POSTs failed, backend b served %d before it was"
                + " killed%n", statuses.size(), gets, posts, failedPosts, backends.get(1).requests());
        assertThat(backends.get(1).requests()).as("requests the killed backend served").isPositive();
        // Only the POSTs in flight on the killed backend may fail; there are at most as many as connections.
        assertThat(failedPosts).isLessThanOrEqualTo(16);
    }

    @Test
    void aPostThatReachedAnUpstreamIsNeverSentAgainButAGetGoesToAnotherUpstream() throws Exception {
        try (CountingBackend dropper = new CountingBackend("dropper"); CountingBackend good = new CountingBackend("good")) {
            dropper.behave(CountingBackend.Behaviour.RESET);
            try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().route(Route.builder("all")
                    .upstreams(dropper.upstream(), good.upstream()).loadBalancing(FIRST).build()))) {
                RawHttp.Response post = send(proxy, post("POST", "/orders", "p1", "order"));
                assertThat(post.status).isEqualTo(502);
                assertThat(dropper.count("p1")).isEqualTo(1);
                assertThat(good.count("p1")).isZero();

                RawHttp.Response patch = send(proxy, post("PATCH", "/orders/1", "p2", "change"));
                assertThat(patch.status).isEqualTo(502);
                assertThat(good.count("p2")).isZero();

                RawHttp.Response fetched = send(proxy, get("/orders/1", "g1"));
                assertThat(fetched.status).isEqualTo(200);
                assertThat(fetched.text()).isEqualTo("good");
                assertThat(dropper.count("g1")).isEqualTo(1);
                assertThat(good.count("g1")).isEqualTo(1);

                // An idempotent request with a body gets the same body on the retry.
                RawHttp.Response put = send(proxy, post("PUT", "/orders/1", "u1", "replace me"));
                assertThat(put.status).isEqualTo(200);
                assertThat(put.text()).isEqualTo("replace me");
                assertThat(good.count("u1")).isEqualTo(1);
            }
        }
    }

    @Test
    void anUpstreamThatResetsHalfwayThroughAResponseCutsTheClientAndIsNotRetried() throws Exception {
        try (RawUpstream raw = new RawUpstream(connection -> {
            connection.readHead();
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n").write(new byte[50_000]);
            connection.reset();
        }); ReverseProxy proxy = TestProxies.start(TestProxies.builder().route(Route.builder("all")
                .upstreams(raw.upstream()).retryPolicy(RetryPolicy.builder().retries(3)
                        .retryOn(RetryPolicy.Condition.RESET, RetryPolicy.Condition.CONNECT_FAILURE).build()).build()));
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send(get("/big", "cut"));
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(200);
            assertThat(response.complete).isFalse();
            assertThat(response.length).isLessThan(100_000);
            assertThat(client.isClosedByPeer(5000)).isTrue();
            assertThat(raw.connections()).isEqualTo(1);
        }
    }

    @Test
    void aRequestThatNeverReachedAnUpstreamIsRetriedWhateverItsMethod() throws Exception {
        try (CountingBackend good = new CountingBackend("good");
             ReverseProxy proxy = TestProxies.start(TestProxies.builder().route(Route.builder("all")
                     .upstreams(Upstream.of("127.0.0.1", closedPort()), good.upstream()).loadBalancing(FIRST).build()))) {
            RawHttp.Response post = send(proxy, post("POST", "/orders", "p1", "order"));
            assertThat(post.status).isEqualTo(200);
            assertThat(post.text()).isEqualTo("order");
            assertThat(good.count("p1")).isEqualTo(1);
        }
    }

    @Test
    void anIdempotencyKeyMakesAPostRetryableWhenTheRouteOptsIn() throws Exception {
        try (CountingBackend dropper = new CountingBackend("dropper"); CountingBackend good = new CountingBackend("good")) {
            dropper.behave(CountingBackend.Behaviour.RESET);
            try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().route(Route.builder("all")
                    .upstreams(dropper.upstream(), good.upstream()).loadBalancing(FIRST)
                    .retryPolicy(RetryPolicy.builder().retryIdempotencyKey(true).build()).build()))) {
                RawHttp.Response keyed = send(proxy, "POST /pay HTTP/1.1\r\nHost: example.com\r\nX-Request-Id: k1\r\n"
                        + "Idempotency-Key: 8e03978e\r\nContent-Length: 3\r\n\r\nabc");
                assertThat(keyed.status).isEqualTo(200);
                assertThat(good.count("k1")).isEqualTo(1);
                RawHttp.Response plain = send(proxy, post("POST", "/pay", "k2", "abc"));
                assertThat(plain.status).isEqualTo(502);
                assertThat(good.count("k2")).isZero();
            }
        }
    }

    @Test
    void aBodyLargerThanTheReplayLimitStreamsAndIsNotRetried() throws Exception {
        try (CountingBackend dropper = new CountingBackend("dropper"); CountingBackend good = new CountingBackend("good")) {
            dropper.behave(CountingBackend.Behaviour.RESET);
            try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().route(Route.builder("all")
                    .upstreams(dropper.upstream(), good.upstream()).loadBalancing(FIRST)
                    .retryPolicy(RetryPolicy.builder().bufferLimit(1024).build()).build()))) {
                String small = "s".repeat(1000);
                RawHttp.Response kept = send(proxy, post("PUT", "/blob", "small", small));
                assertThat(kept.status).isEqualTo(200);
                assertThat(kept.text()).isEqualTo(small);
                String large = "L".repeat(200_000);
                RawHttp.Response streamed = send(proxy, post("PUT", "/blob", "large", large));
                assertThat(streamed.status).isEqualTo(502);
                assertThat(good.count("large")).isZero();
                // Without a length the proxy keeps the body while it fits, and lets go once it does not.
                RawHttp.Response keptChunked = send(proxy, chunked("small-chunked", small));
                assertThat(keptChunked.status).isEqualTo(200);
                assertThat(keptChunked.text()).isEqualTo(small);
                RawHttp.Response streamedChunked = send(proxy, chunked("large-chunked", large));
                assertThat(streamedChunked.status).isEqualTo(502);
                assertThat(good.count("large-chunked")).isZero();
            }
        }
    }

    @Test
    void theRetryBudgetCapsRetriesDuringATotalOutage() throws Exception {
        try (CountingBackend one = new CountingBackend("one"); CountingBackend two = new CountingBackend("two")) {
            one.behave(CountingBackend.Behaviour.UNAVAILABLE);
            two.behave(CountingBackend.Behaviour.UNAVAILABLE);
            RetryPolicy policy = RetryPolicy.builder().retries(3).retryOnStatus(503)
                    .backoff(Duration.ofMillis(1), Duration.ofMillis(2)).budget(20, 1).build();
            int requests = 200;
            long started = System.nanoTime();
            try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().outlierDetection(0, Duration.ofSeconds(1))
                    .route(Route.builder("all").upstreams(one.upstream(), two.upstream()).retryPolicy(policy).build()))) {
                for (int i = 0; i < requests; i++) {
                    assertThat(send(proxy, get("/outage", "o" + i)).status).isEqualTo(503);
                }
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + 1;
            int attempts = one.requests() + two.requests();
            // Without a budget: 800 attempts. With it: the requests, 20 % more, and the floor of 1 a second.
            assertThat(attempts).isGreaterThan(requests).isLessThanOrEqualTo(requests + requests / 5 + (int) seconds + 1);
        }
    }

    @Test
    void retriesOnStatusHonourRetryAfterAndPassTheLastAnswerThrough() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        steady.handle("/busy", exchange -> {
            if (calls.incrementAndGet() == 1) {
                exchange.getResponseHeaders().set("Retry-After", "1");
                TestUpstream.text(exchange, 503, "busy");
            } else {
                TestUpstream.text(exchange, 200, "done");
            }
        });
        steady.handle("/later", exchange -> {
            exchange.getResponseHeaders().set("Retry-After", "120");
            TestUpstream.text(exchange, 503, "come back later");
        });
        RetryPolicy policy = RetryPolicy.builder().retries(2).retryOnStatus(503).build();
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().route(Route.builder("all")
                .upstreams(steady.upstream()).retryPolicy(policy).build()))) {
            long started = System.nanoTime();
            RawHttp.Response busy = send(proxy, get("/busy", "b1"));
            assertThat(busy.status).isEqualTo(200);
            assertThat(busy.text()).isEqualTo("done");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThanOrEqualTo(950);

            RawHttp.Response later = send(proxy, get("/later", "l1"));
            assertThat(later.status).isEqualTo(503);
            assertThat(later.header("Retry-After")).isEqualTo("120");
            assertThat(later.text()).isEqualTo("come back later");
            assertThat(steady.requests().stream().filter(r -> r.target.equals("/later")).count()).isEqualTo(1);
        }
    }

    @Test
    void perTryTimeoutsRetryAndTheDeadlineEndsWith504() throws Exception {
        RetryPolicy policy = RetryPolicy.builder().retries(5).retryOn(RetryPolicy.Condition.TIMEOUT)
                .perTryTimeout(Duration.ofMillis(300)).deadline(Duration.ofMillis(1000)).build();
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().route(Route.builder("all")
                .upstreams(steady.upstream()).retryPolicy(policy).build()))) {
            long started = System.nanoTime();
            RawHttp.Response response = send(proxy, get("/delay?ms=3000", "d1"));
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(response.status).isEqualTo(504);
            assertThat(took).isBetween(900L, 2900L);
            // 300 ms a try within 1 s: three or four tries, never the six the retries alone would allow.
            assertThat(steady.requests()).hasSizeBetween(2, 4);
        }
    }

    @Test
    void stalePooledConnectionsAfterAnUpstreamRestartCauseNoErrorForAnyMethod() throws Exception {
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().route(Route.builder("all")
                .upstreams(steady.upstream()).retryPolicy(RetryPolicy.none()).build()))) {
            for (int round = 0; round < 5; round++) {
                // Fill the pool with a few connections, then restart the upstream under them.
                ExecutorService warm = Executors.newFixedThreadPool(4);
                try {
                    List<Future<RawHttp.Response>> warming = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        String id = "w" + round + "-" + i;
                        warming.add(warm.submit(() -> send(proxy, get("/delay?ms=50", id))));
                    }
                    for (Future<RawHttp.Response> response : warming) {
                        assertThat(response.get(10, TimeUnit.SECONDS).status).isEqualTo(200);
                    }
                } finally {
                    warm.shutdownNow();
                }
                assertThat(proxy.upstreams().status(steady.upstream()).idleConnections()).isPositive();
                steady.stop();
                steady.start();
                for (String method : new String[] {"POST", "PATCH", "PUT", "DELETE"}) {
                    RawHttp.Response response = send(proxy, post(method, "/echo", method + round, "body " + method));
                    assertThat(response.status).as("%s after restart %d", method, round).isEqualTo(200);
                    assertThat(response.text()).isEqualTo("body " + method);
                }
                assertThat(send(proxy, get("/whoami", "g" + round)).status).isEqualTo(200);
            }
        }
    }

    @Test
    void theUpstreamsKeepAliveTimeoutIsHonoured() throws Exception {
        try (RawUpstream raw = new RawUpstream(connection -> {
            while (connection.readHead() != null) {
                connection.write("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok");
            }
        }); ReverseProxy proxy = TestProxies.start(TestProxies.builder().route(Route.builder("all")
                .upstreams(raw.upstream()).build()))) {
            assertThat(send(proxy, get("/", "k1")).text()).isEqualTo("ok");
            assertThat(proxy.upstreams().status(raw.upstream()).idleConnections()).isEqualTo(1);
            // The pool lets it go well before the upstream's second is up (after half of it).
            await().atMost(Duration.ofMillis(950)).until(() -> proxy.upstreams().status(raw.upstream()).openConnections() == 0);
            assertThat(send(proxy, get("/", "k2")).text()).isEqualTo("ok");
            assertThat(raw.connections()).isEqualTo(2);
        }
    }

    @Test
    void aConnectionIsNeverReusedAfterAnEarlyAnswer() throws Exception {
        try (RawUpstream raw = new RawUpstream(connection -> {
            while (connection.readHead() != null) {
                // Answers at once, before any of the body, and would keep the connection if let.
                connection.write("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n");
            }
        }); ReverseProxy proxy = TestProxies.start(TestProxies.builder().route(Route.builder("all")
                .upstreams(raw.upstream()).build()))) {
            String upload = "POST /upload HTTP/1.1\r\nHost: example.com\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 300000\r\n\r\n";
            assertThat(send(proxy, upload).status).isEqualTo(413);
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.upstreams().status(raw.upstream()).openConnections() == 0);
            assertThat(send(proxy, upload).status).isEqualTo(413);
            assertThat(raw.connections()).isEqualTo(2);
        }
    }

    @Test
    void aClientGoneWhileTheUpstreamWorksLeavesNoConnectionLeased() throws Exception {
        // Cancelled when the client goes, not when the upstream answers five seconds later.
        abortAndCheck(get("/delay?ms=5000", "a1"));
    }

    @Test
    void aClientGoneHalfwayThroughADownloadLeavesNoConnectionLeased() throws Exception {
        abortAndCheck(get("/slow?n=1000000&ms=3000", "a2"));
    }

    @Test
    void aClientGoneHalfwayThroughAnUploadLeavesNoConnectionLeased() throws Exception {
        abortAndCheck("POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1000000\r\n\r\n" + "u".repeat(100_000));
    }

    /** Sends {@code request}, goes away once the upstream has it, and checks that every count returns to zero. */
    private static void abortAndCheck(String request) throws Exception {
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().route(Route.builder("all")
                .upstreams(steady.upstream()).build()))) {
            Upstream upstream = steady.upstream();
            try (RawHttp client = RawHttp.connect(proxy.address())) {
                client.send(request);
                await().atMost(Duration.ofSeconds(5)).until(() -> proxy.upstreams().status(upstream).inFlight() == 1);
            }
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
                UpstreamStatus status = proxy.upstreams().status(upstream);
                assertThat(status.inFlight()).isZero();
                assertThat(status.openConnections()).isEqualTo(status.idleConnections());
                assertThat(proxy.inFlight()).isZero();
            });
            // And the proxy serves on.
            assertThat(send(proxy, get("/whoami", "after")).text()).isEqualTo("steady");
        }
    }

    @Test
    void anUpstreamAtItsLimitOfRequestsIsAnswered503AtOnce() throws Exception {
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().maxRequestsPerUpstream(2)
                .route(Route.builder("all").upstreams(steady.upstream()).build()))) {
            List<RawHttp> holders = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    RawHttp holder = RawHttp.connect(proxy.address());
                    holder.send(get("/delay?ms=2000", "h" + i));
                    holders.add(holder);
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> proxy.upstreams().status(steady.upstream()).inFlight() == 2);
                long started = System.nanoTime();
                RawHttp.Response refused = send(proxy, get("/whoami", "over"));
                assertThat(refused.status).isEqualTo(503);
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(1000);
                for (RawHttp holder : holders) {
                    assertThat(holder.read().status).isEqualTo(200);
                }
            } finally {
                for (RawHttp holder : holders) {
                    holder.close();
                }
            }
        }
    }
}
