package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.RawUpstream;
import dev.gatehouse.proxy.testing.TestProxies;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** What the proxy checks in upstream responses (RELIABILITY.md HDR-09 and UP-05). */
class UpstreamResponsesIT {

    /** An upstream that answers every request on a connection with {@code response}. */
    private static RawUpstream answering(String response) throws IOException {
        return new RawUpstream(connection -> {
            while (connection.readHead() != null) {
                connection.write(response);
            }
        });
    }

    private static RawHttp.Response get(ReverseProxy proxy) throws IOException {
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
            return client.read();
        }
    }

    private static ReverseProxy proxyTo(RawUpstream upstream) {
        return TestProxies.start(TestProxies.builder().route(Route.builder("all").upstreams(upstream.upstream()).build()));
    }

    @Test
    void repeatedSetCookieLinesPassIntact() throws Exception {
        try (RawUpstream upstream = answering("HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2, c\r\n"
                + "Content-Length: 2\r\n\r\nok"); ReverseProxy proxy = proxyTo(upstream)) {
            RawHttp.Response response = get(proxy);
            assertThat(response.headers("Set-Cookie")).containsExactly("a=1; Path=/", "b=2, c");
        }
    }

    @Test
    void aResponseWithALengthAndChunkedIsReadAsChunkedAndItsConnectionIsNotReused() throws Exception {
        // The 25 bytes after the empty chunked body would be a second "response" on a reused connection.
        try (RawUpstream upstream = answering("HTTP/1.1 200 OK\r\nContent-Length: 30\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nHTTP/1.1 200 OK\r\nX-Evil: 1\r\n"); ReverseProxy proxy = proxyTo(upstream)) {
            RawHttp.Response first = get(proxy);
            assertThat(first.status).isEqualTo(200);
            assertThat(first.body).isEmpty();
            RawHttp.Response second = get(proxy);
            assertThat(second.header("X-Evil")).isNull();
            assertThat(upstream.connections()).isEqualTo(2);
        }
    }

    @Test
    void conflictingLengthsAreA502() throws Exception {
        try (RawUpstream upstream = answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok");
             ReverseProxy proxy = proxyTo(upstream)) {
            assertThat(get(proxy).status).isEqualTo(502);
        }
    }

    @Test
    void aSpaceBeforeTheColonIsRemovedBeforeForwarding() throws Exception {
        // RFC 9112 5.1: a proxy MUST remove it from a response before forwarding.
        try (RawUpstream upstream = answering("HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 2\r\n\r\nok");
             ReverseProxy proxy = proxyTo(upstream); RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(200);
            assertThat(response.headers.stream().filter(h -> h[0].trim().equalsIgnoreCase("X-A")).map(h -> h[0]))
                    .containsExactly("X-A");
        }
    }

    @Test
    void hopByHopResponseFieldsNamedInConnectionAreRemoved() throws Exception {
        try (RawUpstream upstream = answering("HTTP/1.1 200 OK\r\nConnection: X-Internal\r\nX-Internal: secret\r\n"
                + "Keep-Alive: timeout=5\r\nProxy-Authenticate: Basic\r\nContent-Length: 2\r\n\r\nok");
             ReverseProxy proxy = proxyTo(upstream)) {
            RawHttp.Response response = get(proxy);
            assertThat(response.header("X-Internal")).isNull();
            assertThat(response.header("Keep-Alive")).isNull();
            assertThat(response.header("Proxy-Authenticate")).isNull();
            assertThat(response.text()).isEqualTo("ok");
        }
    }

    @Test
    void obsFoldIsReplacedByOneSpaceAndAMissingReasonIsAccepted() throws Exception {
        // RFC 9112 5.2: a proxy that accepts obs-fold replaces it with SP before forwarding.
        try (RawUpstream upstream = answering("HTTP/1.1 200\r\nX-Long: one\r\n  two\r\n\tthree\r\n"
                + "Content-Length: 2\r\n\r\nok"); ReverseProxy proxy = proxyTo(upstream)) {
            RawHttp.Response response = get(proxy);
            assertThat(response.status).isEqualTo(200);
            assertThat(response.header("X-Long")).isEqualTo("one two three");
            assertThat(response.text()).isEqualTo("ok");
        }
    }

    @Test
    void aHeadArrivingOneByteAtATimeIsReadWhole() throws Exception {
        String head = "HTTP/1.1 201 Created\r\nX-A: 1\r\nX-B:2\r\nContent-Length: 2\r\n\r\n";
        try (RawUpstream upstream = new RawUpstream(connection -> {
            while (connection.readHead() != null) {
                for (byte b : head.getBytes(java.nio.charset.StandardCharsets.US_ASCII)) {
                    connection.write(new byte[] {b});
                }
                connection.write("ok");
            }
        }); ReverseProxy proxy = proxyTo(upstream)) {
            RawHttp.Response response = get(proxy);
            assertThat(response.status).isEqualTo(201);
            assertThat(response.header("X-A")).isEqualTo("1");
            assertThat(response.header("X-B")).isEqualTo("2");
            assertThat(response.text()).isEqualTo("ok");
        }
    }

    @Test
    void malformedHeadsAreA502() throws Exception {
        String[] heads = {
            "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",
            "ICY 200 OK\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\n: no name\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nBad Name: 1\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\n continued: first\r\nContent-Length: 2\r\n\r\nok",
        };
        for (String head : heads) {
            try (RawUpstream upstream = answering(head); ReverseProxy proxy = proxyTo(upstream)) {
                assertThat(get(proxy).status).as(head).isEqualTo(502);
            }
        }
    }

    @Test
    void aHeadOverTheLimitIsA502() throws Exception {
        String big = "HTTP/1.1 200 OK\r\n" + ("X-Filler: " + "a".repeat(1000) + "\r\n").repeat(70)
                + "Content-Length: 2\r\n\r\nok";
        StringBuilder many = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < 300; i++) {
            many.append("X-").append(i).append(": 1\r\n");
        }
        many.append("Content-Length: 2\r\n\r\nok");
        for (String head : new String[] {big, many.toString()}) {
            try (RawUpstream upstream = answering(head); ReverseProxy proxy = proxyTo(upstream)) {
                assertThat(get(proxy).status).isEqualTo(502);
            }
        }
    }

    @Test
    void aHeadCutShortByTheUpstreamsCloseIsA502() throws Exception {
        try (RawUpstream upstream = new RawUpstream(connection -> {
            if (connection.readHead() != null) {
                connection.write("HTTP/1.1 200 OK\r\nX-A: 1\r\n");
                connection.close();
            }
        }); ReverseProxy proxy = proxyTo(upstream)) {
            assertThat(get(proxy).status).isEqualTo(502);
        }
    }
}
