package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.filter.Filter;
import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.RawUpstream;
import dev.gatehouse.proxy.testing.TestProxies;
import dev.gatehouse.proxy.testing.TestUpstream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** RFC 9110 section 7.6: hop-by-hop headers go, Via comes, and forwarding headers are set from what the proxy knows. */
class IntermediaryIT {

    @RegisterExtension
    static final TestUpstream upstream = new TestUpstream("origin");

    /** Echoes the client address the exchange derived, so tests can see it. */
    private static final Filter CLIENT_ADDRESS = (exchange, chain) -> chain.proceed(exchange.request())
            .thenApply(response -> response.withHeader("X-Client-Address",
                    exchange.clientAddress().getHostAddress()));

    @Test
    void removesTheConfiguredDenyListAndUnderscoredNames() throws Exception {
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().removeRequestHeaders("X-Original-URL", "x-user")
                .route(Route.builder("all").upstreams(upstream.upstream()).build()));
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /headers HTTP/1.1\r\nHost: example.com\r\nX-Original-URL: /admin\r\nX-User: root\r\n"
                    + "X_Forwarded_For: 1.2.3.4\r\nX-Kept: 1\r\n\r\n");
            assertThat(client.read().status).isEqualTo(200);
        }
        TestUpstream.Recorded received = upstream.lastRequest();
        assertThat(received.header("X-Original-URL")).isNull();
        assertThat(received.header("X-User")).isNull();
        assertThat(received.header("X_Forwarded_For")).isNull();
        assertThat(received.header("X-Kept")).isEqualTo("1");
    }

    @Test
    void answersOptionsWithMaxForwardsZeroItselfAndDecrementsOthers() throws Exception {
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream())) {
            try (RawHttp client = RawHttp.connect(proxy.address())) {
                client.send("OPTIONS /x HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: 0\r\n\r\n");
                RawHttp.Response response = client.read();
                assertThat(response.status).isEqualTo(200);
                assertThat(response.header("Allow")).contains("GET");
            }
            assertThat(upstream.requests()).isEmpty();
            try (RawHttp client = RawHttp.connect(proxy.address())) {
                client.send("OPTIONS /x HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: 3\r\n\r\n");
                assertThat(client.read().status).isEqualTo(200);
            }
            assertThat(upstream.lastRequest().header("Max-Forwards")).isEqualTo("2");
        }
    }

    @Test
    void removesHopByHopAndConnectionNamedRequestHeaders() throws Exception {
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /headers HTTP/1.1\r\nHost: example.com\r\n"
                    + "Connection: keep-alive, X-Foo, X-Bar\r\nX-Foo: 1\r\nX-Bar: 2\r\nKeep-Alive: timeout=5\r\n"
                    + "Proxy-Connection: keep-alive\r\nTE: trailers, gzip\r\nUpgrade: websocket\r\n"
                    + "Proxy-Authorization: Basic c2VjcmV0\r\nTrailer: X-Sum\r\nX-Keep: yes\r\n\r\n");
            assertThat(client.read().status).isEqualTo(200);
        }
        TestUpstream.Recorded received = upstream.lastRequest();
        assertThat(received.header("X-Keep")).isEqualTo("yes");
        assertThat(received.header("TE")).isEqualTo("trailers");
        for (String gone : new String[] {"X-Foo", "X-Bar", "Keep-Alive", "Proxy-Connection", "Upgrade",
                "Proxy-Authorization", "Trailer"}) {
            assertThat(received.header(gone)).as(gone).isNull();
        }
        // The proxy's own connection management, not the client's.
        assertThat(received.header("Connection")).isNull();
    }

    @Test
    void aClientCannotRemoveTheForwardingHeadersTheProxyAdds() throws Exception {
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /headers HTTP/1.1\r\nHost: example.com\r\n"
                    + "Connection: X-Forwarded-For, Forwarded, Via, Content-Length, Host\r\n\r\n");
            assertThat(client.read().status).isEqualTo(200);
        }
        TestUpstream.Recorded received = upstream.lastRequest();
        assertThat(received.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(received.header("Forwarded")).isEqualTo("for=127.0.0.1;host=example.com;proto=http");
        assertThat(received.header("Via")).isEqualTo("1.1 gatehouse");
        assertThat(received.header("Host")).isEqualTo("example.com");
    }

    @Test
    void removesHopByHopAndConnectionNamedResponseHeaders() throws Exception {
        try (RawUpstream raw = new RawUpstream(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\nConnection: X-Secret\r\nX-Secret: s\r\nKeep-Alive: timeout=5\r\n"
                    + "Proxy-Authenticate: Basic\r\nUpgrade: h2c\r\nX-Keep: yes\r\nSet-Cookie: a=1\r\n"
                    + "Set-Cookie: b=2\r\nContent-Length: 2\r\n\r\nok");
            c.awaitClose(5_000);
        }); ReverseProxy proxy = TestProxies.startRoundRobin(raw.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.text()).isEqualTo("ok");
            assertThat(response.header("X-Keep")).isEqualTo("yes");
            assertThat(response.headers("Set-Cookie")).containsExactly("a=1", "b=2");
            assertThat(response.header("Via")).isEqualTo("1.1 gatehouse");
            for (String gone : new String[] {"X-Secret", "Keep-Alive", "Proxy-Authenticate", "Upgrade"}) {
                assertThat(response.header(gone)).as(gone).isNull();
            }
        }
    }

    @Test
    void replacesForwardingHeadersFromAnUntrustedPeer() throws Exception {
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().filter(CLIENT_ADDRESS)
                .route(Route.builder("all").upstreams(upstream.upstream()).build()));
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /headers HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 10.9.9.9\r\n"
                    + "X-Forwarded-For: 10.8.8.8\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: admin.internal\r\n"
                    + "X-Forwarded-Port: 443\r\nX-Real-IP: 10.7.7.7\r\nForwarded: for=10.9.9.9;proto=https\r\n"
                    + "Via: 1.1 edge\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.header("X-Client-Address")).isEqualTo("127.0.0.1");
        }
        TestUpstream.Recorded received = upstream.lastRequest();
        assertThat(received.headers("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(received.header("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(received.header("X-Forwarded-Host")).isEqualTo("shop.example");
        assertThat(received.headers("Forwarded")).containsExactly("for=127.0.0.1;host=shop.example;proto=http");
        assertThat(received.header("X-Forwarded-Port")).isNull();
        assertThat(received.header("X-Real-IP")).isNull();
        // Via is a trace, not a claim: it is appended to whatever came.
        assertThat(received.headers("Via")).containsExactly("1.1 edge", "1.1 gatehouse");
    }

    @Test
    void appendsToForwardingHeadersFromATrustedPeer() throws Exception {
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().trustedProxies("127.0.0.0/8")
                .filter(CLIENT_ADDRESS).route(Route.builder("all").upstreams(upstream.upstream()).build()));
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /headers HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 203.0.113.9, 127.0.0.5\r\n"
                    + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: www.shop.example\r\n"
                    + "Forwarded: for=203.0.113.9;proto=https\r\n\r\n");
            RawHttp.Response response = client.read();
            // Right to left, the first address that is not a trusted proxy is the client.
            assertThat(response.header("X-Client-Address")).isEqualTo("203.0.113.9");
        }
        TestUpstream.Recorded received = upstream.lastRequest();
        assertThat(received.header("X-Forwarded-For")).isEqualTo("203.0.113.9, 127.0.0.5, 127.0.0.1");
        assertThat(received.header("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(received.header("X-Forwarded-Host")).isEqualTo("www.shop.example");
        assertThat(received.header("Forwarded"))
                .isEqualTo("for=203.0.113.9;proto=https, for=127.0.0.1;host=shop.example;proto=http");
    }

    @Test
    void quotesAnIpv6ClientInForwarded() throws Exception {
        Assumptions.assumeTrue(ipv6LoopbackWorks(), "IPv6 loopback is not available");
        try (ReverseProxy proxy = TestProxies.start(dev.gatehouse.proxy.core.ReverseProxy.builder()
                .listen(new InetSocketAddress(InetAddress.getByName("::1"), 0)).ioThreads(1)
                .route(Route.builder("all").upstreams(upstream.upstream()).build()));
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /headers HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(client.read().status).isEqualTo(200);
        }
        TestUpstream.Recorded received = upstream.lastRequest();
        assertThat(received.header("Forwarded")).isEqualTo("for=\"[::1]\";host=example.com;proto=http");
        assertThat(received.header("X-Forwarded-For")).isEqualTo("::1");
    }

    @Test
    void addsViaToResponses() throws Exception {
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().viaName("edge-7")
                .route(Route.builder("all").upstreams(upstream.upstream()).build()));
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(client.read().header("Via")).isEqualTo("1.1 edge-7");
            assertThat(upstream.lastRequest().header("Via")).isEqualTo("1.1 edge-7");
        }
    }

    private static boolean ipv6LoopbackWorks() {
        try {
            return NetworkInterface.getByInetAddress(InetAddress.getByName("::1")) != null
                    && InetAddress.getByName("::1") instanceof Inet6Address;
        } catch (Exception e) {
            return false;
        }
    }

}
