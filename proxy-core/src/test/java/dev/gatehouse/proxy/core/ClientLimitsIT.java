package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.TestProxies;
import dev.gatehouse.proxy.testing.TestUpstream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The limits on what clients send and how long they take (RELIABILITY.md section E): body size, request
 * head deadline (slowloris), body pace (slow POST), header limits, connection cap and pipelining cap.
 * Timeouts are set short so the slow cases stay within seconds; they carry the {@code slow} tag.
 */
class ClientLimitsIT {

    @RegisterExtension
    static final TestUpstream upstream = new TestUpstream("upstream");

    private static ReverseProxy start(ReverseProxyBuilder builder) {
        return TestProxies.start(builder.route(Route.builder("all").upstreams(upstream.upstream()).build()));
    }

    @Test
    void aDeclaredBodyOverTheLimitIs413BeforeItIsRead() throws Exception {
        try (ReverseProxy proxy = start(TestProxies.builder().maxRequestBody(1000));
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5000\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(413);
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(upstream.requests()).isEmpty();
        }
    }

    @Test
    void aChunkedBodyThatGrowsPastTheLimitIs413() throws Exception {
        try (ReverseProxy proxy = start(TestProxies.builder().maxRequestBody(1000));
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "800\r\n" + "a".repeat(0x800) + "\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(413);
            assertThat(client.isClosedByPeer(5000)).isTrue();
        }
    }

    @Test
    void aBodyWithinTheLimitPasses() throws Exception {
        try (ReverseProxy proxy = start(TestProxies.builder().maxRequestBody(1000));
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1000\r\n\r\n" + "b".repeat(1000));
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(200);
            assertThat(response.text()).hasSize(1000);
        }
    }

    @Test
    void headerLimitsSetInTheBuilderAnswer431() throws Exception {
        try (ReverseProxy proxy = start(TestProxies.builder().maxHeaders(5).maxHeaderBytes(1024).maxRequestLine(200))) {
            assertThat(send(proxy, "GET /whoami HTTP/1.1\r\nHost: example.com\r\n" + "X-A: 1\r\n".repeat(5) + "\r\n").status)
                    .isEqualTo(431);
            assertThat(send(proxy, "GET /whoami HTTP/1.1\r\nHost: example.com\r\nX-Big: " + "v".repeat(1100) + "\r\n\r\n").status)
                    .isEqualTo(431);
            assertThat(send(proxy, "GET /" + "p".repeat(250) + " HTTP/1.1\r\nHost: example.com\r\n\r\n").status)
                    .isEqualTo(431);
            assertThat(send(proxy, "GET /whoami HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\n\r\n").text()).isEqualTo("upstream");
        }
    }

    @Test
    @Tag("slow")
    void slowlorisConnectionsAreClosedAtTheHeadDeadlineWhileOthersAreServed() throws Exception {
        try (ReverseProxy proxy = start(TestProxies.builder().requestHeadTimeout(Duration.ofMillis(800)))) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    Socket socket = new Socket(proxy.address().getAddress(), proxy.address().getPort());
                    socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: exa".getBytes());
                    slow.add(socket);
                }
                long started = System.nanoTime();
                // One more byte every 200 ms keeps every read timeout at bay; only the head deadline stops them.
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    for (Socket socket : slow) {
                        try {
                            socket.getOutputStream().write('m');
                        } catch (IOException closed) {
                            // closed by the proxy: what the test waits for
                        }
                    }
                    assertThat(send(proxy, "GET /whoami HTTP/1.1\r\nHost: example.com\r\n\r\n").text()).isEqualTo("upstream");
                    return proxy.openConnections() == 0;
                });
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThanOrEqualTo(500);
            } finally {
                for (Socket socket : slow) {
                    socket.close();
                }
            }
        }
    }

    @Test
    @Tag("slow")
    void aSlowPostGets408AndTheConnectionIsClosed() throws Exception {
        try (ReverseProxy proxy = start(TestProxies.builder().requestBodyIdleTimeout(Duration.ofMillis(600)));
             RawHttp client = RawHttp.connect(proxy.address())) {
            // The upstream reads the whole body before it answers, so no response has started.
            client.send("POST /status?code=200 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 100\r\n\r\nfirst bytes");
            long started = System.nanoTime();
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(408);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThanOrEqualTo(500);
            assertThat(client.isClosedByPeer(5000)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.upstreams().status(upstream.upstream()).inFlight() == 0);
        }
    }

    @Test
    void connectionsOverTheCapAreClosedAtOnce() throws Exception {
        try (ReverseProxy proxy = start(TestProxies.builder().maxClientConnections(3))) {
            List<RawHttp> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    RawHttp client = RawHttp.connect(proxy.address());
                    client.send("GET /whoami HTTP/1.1\r\nHost: example.com\r\n\r\n");
                    assertThat(client.read().status).isEqualTo(200);
                    held.add(client);
                }
                assertThat(closedAtOnce(proxy.address())).isTrue();
                held.remove(0).close();
                await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openConnections() == 2);
                assertThat(send(proxy, "GET /whoami HTTP/1.1\r\nHost: example.com\r\n\r\n").status).isEqualTo(200);
            } finally {
                for (RawHttp client : held) {
                    client.close();
                }
            }
        }
    }

    /**
     * Connects and tells whether the proxy closed the connection without a word. The reset can overtake the
     * end of the client's connect on loopback, so a connect that fails with a reset counts too.
     */
    private static boolean closedAtOnce(InetSocketAddress address) throws IOException {
        try (RawHttp over = RawHttp.connect(address)) {
            return over.isClosedByPeer(5000);
        } catch (SocketException e) {
            if (String.valueOf(e.getMessage()).contains("reset")) {
                return true;
            }
            throw e;
        }
    }

    @Test
    void aFloodOfPipelinedRequestsClosesTheConnection() throws Exception {
        try (ReverseProxy proxy = start(TestProxies.builder().maxPipelinedRequests(4));
             Socket socket = new Socket(proxy.address().getAddress(), proxy.address().getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /delay?ms=300 HTTP/1.1\r\nHost: example.com\r\n\r\n".repeat(50).getBytes());
            out.flush();
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                int read;
                while ((read = socket.getInputStream().read(buffer)) >= 0) {     // ends when the proxy closes
                    all.write(buffer, 0, read);
                }
            } catch (IOException reset) {
                // closed with a reset: also the end
            }
            String text = all.toString();
            int answered = text.split("HTTP/1.1 200", -1).length - 1;
            assertThat(answered).isLessThan(50);
        }
    }

    private static RawHttp.Response send(ReverseProxy proxy, String request) throws IOException {
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            client.send(request);
            return client.read();
        }
    }
}
