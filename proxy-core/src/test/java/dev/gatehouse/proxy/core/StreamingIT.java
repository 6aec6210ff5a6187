package dev.gatehouse.proxy.core;

import static dev.gatehouse.proxy.testing.TestProxies.client;
import static dev.gatehouse.proxy.testing.TestProxies.uri;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.testing.BytePattern;
import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.TestProxies;
import dev.gatehouse.proxy.testing.TestUpstream;
import dev.gatehouse.proxy.testing.Transfers;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bodies stream through intact, in both directions, fixed-length and chunked, one at a time and many at once. */
class StreamingIT {

    private static final long MB = 1024 * 1024;

    @RegisterExtension
    static final TestUpstream upstream = new TestUpstream("origin");

    private static ReverseProxy proxy;

    @BeforeAll
    static void startProxy() {
        proxy = TestProxies.startRoundRobin(upstream.upstream());
    }

    @AfterAll
    static void stopProxy() {
        proxy.close();
    }

    @Test
    void downloadsSixtyMegabytesWithAContentLengthByteForByte() throws Exception {
        HttpResponse<InputStream> response = client().send(
                HttpRequest.newBuilder(uri(proxy, "/bytes?n=" + 60 * MB)).build(),
                HttpResponse.BodyHandlers.ofInputStream());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Length")).hasValue(Long.toString(60 * MB));
        try (InputStream body = response.body()) {
            assertThat(BytePattern.verify(body)).isEqualTo(60 * MB);
        }
    }

    @Test
    void downloadsSixtyMegabytesChunkedByteForByte() throws Exception {
        HttpResponse<InputStream> response = client().send(
                HttpRequest.newBuilder(uri(proxy, "/bytes?chunked&n=" + 60 * MB)).build(),
                HttpResponse.BodyHandlers.ofInputStream());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Transfer-Encoding")).hasValue("chunked");
        try (InputStream body = response.body()) {
            assertThat(BytePattern.verify(body)).isEqualTo(60 * MB);
        }
    }

    @Test
    void echoesAThirtyMegabyteUploadWithAContentLengthByteForByte() throws Exception {
        RawHttp.Response response = Transfers.upload(proxy.address(), "/echo", 30 * MB, false);

        assertThat(response.status).isEqualTo(200);
        assertThat(response.complete).isTrue();
        assertThat(response.length).isEqualTo(30 * MB);
        assertThat(upstream.lastRequest().header("Content-Length")).isEqualTo(Long.toString(30 * MB));
    }

    @Test
    void echoesAThirtyMegabyteChunkedUploadByteForByte() throws Exception {
        RawHttp.Response response = Transfers.upload(proxy.address(), "/echo?chunked", 30 * MB, true);

        assertThat(response.status).isEqualTo(200);
        assertThat(response.header("Transfer-Encoding")).isEqualTo("chunked");
        assertThat(response.complete).isTrue();
        assertThat(response.length).isEqualTo(30 * MB);
        assertThat(upstream.lastRequest().header("Transfer-Encoding")).isEqualTo("chunked");
    }

    @Test
    void carriesTwentyParallelFiveMegabyteTransfersIntact() throws Exception {
        long size = 5 * MB;
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<RawHttp.Response>> transfers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                boolean upload = i % 2 == 0;
                boolean chunked = i % 4 < 2;
                transfers.add(pool.submit(() -> upload
                        ? Transfers.upload(proxy.address(), chunked ? "/echo?chunked" : "/echo", size, chunked)
                        : Transfers.download(proxy.address(), "/bytes?n=" + size + (chunked ? "&chunked" : ""))));
            }
            for (Future<RawHttp.Response> transfer : transfers) {
                RawHttp.Response response = transfer.get(120, TimeUnit.SECONDS);
                assertThat(response.status).isEqualTo(200);
                assertThat(response.complete).isTrue();
                assertThat(response.length).isEqualTo(size);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void keepsOneUpstreamConnectionForSequentialRequests() throws Exception {
        long before = proxy.upstreams().status(upstream.upstream()).connectionsOpened();
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            for (int i = 0; i < 50; i++) {
                client.send("GET /bytes?n=1000 HTTP/1.1\r\nHost: example.com\r\n\r\n");
                RawHttp.Response response = client.read();
                assertThat(response.status).isEqualTo(200);
                assertThat(response.body).hasSize(1000);
            }
        }
        long after = proxy.upstreams().status(upstream.upstream()).connectionsOpened();
        // One client connection stays on one I/O thread, so 50 requests in a row need at most one new
        // upstream connection (none if an idle one was pooled already).
        assertThat(after - before).isLessThanOrEqualTo(1);
    }

    @Test
    void manyConnectionsReadyAtOnceEachGetTheirOwnAnswers() throws Exception {
        // Every wave sends one request on each connection before reading any answer, so the proxy's I/O threads
        // find many keys ready in one select and write their answers together at the end of it.
        int connections = 48;
        int waves = 25;
        List<RawHttp> clients = new ArrayList<>();
        try {
            for (int c = 0; c < connections; c++) {
                clients.add(RawHttp.connect(proxy.address()));
            }
            for (int wave = 0; wave < waves; wave++) {
                for (int c = 0; c < connections; c++) {
                    String body = "wave " + wave + " connection " + c + " " + "x".repeat(c * 37 % 500);
                    clients.get(c).send("POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: " + body.length()
                            + "\r\n\r\n" + body);
                }
                for (int c = 0; c < connections; c++) {
                    RawHttp.Response response = clients.get(c).read();
                    assertThat(response.status).isEqualTo(200);
                    assertThat(response.text()).isEqualTo("wave " + wave + " connection " + c + " "
                            + "x".repeat(c * 37 % 500));
                }
            }
        } finally {
            for (RawHttp client : clients) {
                client.close();
            }
        }
    }

    @Test
    void streamsAResponseOfUnknownLengthToAnHttp11ClientChunked() throws Exception {
        try (dev.gatehouse.proxy.testing.RawUpstream closeDelimited = new dev.gatehouse.proxy.testing.RawUpstream(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            byte[] chunk = new byte[10_000];
            for (int i = 0; i < 100; i++) {
                BytePattern.fill(chunk, chunk.length, (long) i * chunk.length);
                c.write(chunk);
            }
            c.close();
        }); ReverseProxy unknownLength = TestProxies.startRoundRobin(closeDelimited.upstream());
             RawHttp client = RawHttp.connect(unknownLength.address())) {
            client.send("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(response.complete).isTrue();
            assertThat(BytePattern.verify(new java.io.ByteArrayInputStream(response.body))).isEqualTo(1_000_000);
        }
    }
}
