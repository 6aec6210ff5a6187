package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.testing.BytePattern;
import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.RawUpstream;
import dev.gatehouse.proxy.testing.TestProxies;
import dev.gatehouse.proxy.testing.TestUpstream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every upstream failure maps to one clear status with a short body; a failure after the response head
 * was sent closes the client connection, so a cut body never looks complete; and the proxy keeps serving.
 */
class FailuresIT {

    @RegisterExtension
    static final TestUpstream healthy = new TestUpstream("healthy");

    private static final List<RawUpstream> raws = new ArrayList<>();
    private static ReverseProxy proxy;
    private static int closedPort;

    private static Upstream raw(RawUpstream.Script script) throws Exception {
        RawUpstream upstream = new RawUpstream(script);
        raws.add(upstream);
        return upstream.upstream();
    }

    @BeforeAll
    static void startProxy() throws Exception {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        proxy = TestProxies.start(TestProxies.builder()
                .route(route("refused", Upstream.of("127.0.0.1", closedPort)))
                .route(route("garbage", raw(c -> {
                    c.readHead();
                    c.write("this is not HTTP\r\n\r\n");
                    c.awaitClose(5_000);
                }))).route(route("silent-close", raw(c -> {
                    c.readHead();
                    c.close();
                }))).route(route("reset", raw(c -> {
                    c.readHead();
                    c.reset();
                }))).route(route("bad-status", raw(c -> {
                    c.readHead();
                    c.write("HTTP/1.1 600 Nope\r\nContent-Length: 0\r\n\r\n");
                    c.awaitClose(5_000);
                }))).route(route("switching", raw(c -> {
                    c.readHead();
                    c.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\nxxxx");
                    c.awaitClose(5_000);
                }))).route(Route.builder("slow-head").pathPrefix("/slow-head").responseTimeout(Duration.ofMillis(500))
                        .upstreams(raw(c -> {
                            c.readHead();
                            c.awaitClose(10_000);
                        })).build())
                .route(route("cut-length", raw(c -> {
                    c.readHead();
                    c.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
                    c.write(new byte[40_000]);
                    c.close();
                }))).route(route("cut-chunked", raw(c -> {
                    c.readHead();
                    c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2710\r\n");
                    c.write(new byte[10_000]);
                    c.write("\r\n1000\r\nabc");
                    c.reset();
                }))).route(Route.builder("stalled-body").pathPrefix("/stalled-body").idleTimeout(Duration.ofMillis(700))
                        .upstreams(raw(c -> {
                            c.readHead();
                            c.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly-a-little");
                            c.awaitClose(10_000);
                        })).build())
                .route(Route.builder("no-upstream").pathPrefix("/no-upstream")
                        .loadBalancing((upstreams, stats) -> exchange -> null)
                        .upstreams(healthy.upstream()).build())
                .route(Route.builder("healthy").pathPrefix("/healthy").stripPrefix().upstreams(healthy.upstream()).build()));
    }

    private static Route route(String name, Upstream upstream) {
        return Route.builder(name).pathPrefix("/" + name).upstreams(upstream).build();
    }

    @AfterAll
    static void stopProxy() throws Exception {
        proxy.close();
        for (RawUpstream upstream : raws) {
            upstream.close();
        }
    }

    private static RawHttp.Response get(String path) throws Exception {
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: example.com\r\n\r\n");
            return client.read();
        }
    }

    @Test
    void aRefusedConnectionIs502AndTheClientConnectionStaysUsable() throws Exception {
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /refused HTTP/1.1\r\nHost: example.com\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(502);
            assertThat(response.text()).isEqualTo("502 Bad Gateway\n");
            client.send("GET /healthy HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(client.read().text()).isEqualTo("healthy");
        }
    }

    @Test
    void anInvalidResponseIs502() throws Exception {
        assertThat(get("/garbage").status).isEqualTo(502);
        assertThat(get("/bad-status").status).isEqualTo(502);
        assertThat(get("/switching").status).isEqualTo(502);
    }

    @Test
    void aConnectionClosedOrResetBeforeAResponseIs502() throws Exception {
        assertThat(get("/silent-close").status).isEqualTo(502);
        assertThat(get("/reset").status).isEqualTo(502);
    }

    @Test
    void noAvailableUpstreamIs503() throws Exception {
        RawHttp.Response response = get("/no-upstream");
        assertThat(response.status).isEqualTo(503);
        assertThat(response.text()).isEqualTo("503 Service Unavailable\n");
    }

    @Test
    void aResponseThatTakesTooLongIs504() throws Exception {
        long started = System.nanoTime();
        RawHttp.Response response = get("/slow-head");
        assertThat(response.status).isEqualTo(504);
        assertThat(response.text()).isEqualTo("504 Gateway Timeout\n");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThanOrEqualTo(450);
    }

    @Test
    void aConnectThatTakesTooLongIs504() throws Exception {
        // A listener that never accepts, with its accept queue full: further SYNs are dropped, so a
        // connect neither succeeds nor is refused.
        try (ServerSocket blackhole = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Socket filler = new Socket();
                    try {
                        filler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), blackhole.getLocalPort()), 200);
                        fillers.add(filler);
                    } catch (java.io.IOException full) {
                        filler.close();
                        break;
                    }
                }
                try (ReverseProxy timingOut = TestProxies.start(TestProxies.builder()
                        .route(Route.builder("blackhole").connectTimeout(Duration.ofMillis(500))
                                .upstreams(Upstream.of("127.0.0.1", blackhole.getLocalPort())).build()));
                     RawHttp client = RawHttp.connect(timingOut.address())) {
                    client.send("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
                    assertThat(client.read().status).isEqualTo(504);
                }
            } finally {
                for (Socket filler : fillers) {
                    filler.close();
                }
            }
        }
    }

    @Test
    void anUpstreamThatClosesMidBodyClosesTheClientConnectionBeforeTheLengthIsMet() throws Exception {
        RawHttp.Response response = get("/cut-length");
        assertThat(response.status).isEqualTo(200);
        assertThat(response.complete).isFalse();
        assertThat(response.failure).isNotNull();
        assertThat(response.length).isLessThan(100_000);
    }

    @Test
    void anUpstreamThatResetsMidChunkedBodyNeverSendsTheLastChunk() throws Exception {
        // The reset can come before the proxy flushed the head it had buffered: then the client gets the
        // close and no response at all. Either way, nothing looks complete.
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /cut-chunked HTTP/1.1\r\nHost: example.com\r\n\r\n");
            RawHttp.Response response;
            try {
                response = client.read();
            } catch (java.io.IOException closedBeforeAHead) {
                return;
            }
            assertThat(response.status).isEqualTo(200);
            assertThat(response.complete).isFalse();
        }
    }

    @Test
    void anUpstreamThatStallsMidBodyIsCutAfterTheIdleTimeout() throws Exception {
        RawHttp.Response response = get("/stalled-body");
        assertThat(response.status).isEqualTo(200);
        assertThat(response.complete).isFalse();
    }

    @Test
    void theProxyKeepsServingAfterEveryKindOfFailure() throws Exception {
        for (String path : new String[] {"/refused", "/garbage", "/silent-close", "/reset", "/bad-status",
                "/switching", "/cut-length", "/cut-chunked", "/no-upstream"}) {
            try {
                get(path);
            } catch (java.io.IOException cut) {
                // a cut response is the expected outcome for some of these
            }
        }
        assertThat(proxy.isRunning()).isTrue();
        for (int i = 0; i < 20; i++) {
            RawHttp.Response response = get("/healthy/bytes?n=10000");
            assertThat(response.status).isEqualTo(200);
            assertThat(BytePattern.verify(new java.io.ByteArrayInputStream(response.body))).isEqualTo(10_000);
        }
    }
}
