package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.RawUpstream;
import dev.gatehouse.proxy.testing.TestProxies;
import dev.gatehouse.proxy.testing.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bodyless responses, informational responses, HTTP/1.0 clients and connection lifetime. */
class HttpSemanticsIT {

    @RegisterExtension
    static final TestUpstream upstream = new TestUpstream("origin");

    /** Answers {@code response} to every request on every connection, then the name on a second request. */
    private static RawUpstream answering(String response) throws Exception {
        return new RawUpstream(c -> {
            String head;
            while ((head = c.readHead()) != null) {
                c.write(head.startsWith("GET /next") ? "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext" : response);
            }
        });
    }

    @Test
    void aHeadResponseKeepsItsLengthAndSendsNoBody() throws Exception {
        try (RawUpstream raw = answering("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Type: text/plain\r\n\r\n");
             ReverseProxy proxy = TestProxies.startRoundRobin(raw.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("HEAD /file HTTP/1.1\r\nHost: example.com\r\n\r\n");
            RawHttp.Response response = client.read(true);
            assertThat(response.status).isEqualTo(200);
            assertThat(response.header("Content-Length")).isEqualTo("1234");

            client.send("GET /next HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(client.read().text()).isEqualTo("next");
        }
    }

    @Test
    void a204HasNoBodyAndNoLength() throws Exception {
        try (RawUpstream raw = answering("HTTP/1.1 204 No Content\r\nX-Done: yes\r\n\r\n");
             ReverseProxy proxy = TestProxies.startRoundRobin(raw.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("DELETE /item HTTP/1.1\r\nHost: example.com\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(204);
            assertThat(response.header("X-Done")).isEqualTo("yes");
            assertThat(response.header("Content-Length")).isNull();
            assertThat(response.header("Transfer-Encoding")).isNull();

            client.send("GET /next HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(client.read().text()).isEqualTo("next");
        }
    }

    @Test
    void a304KeepsItsValidatorsAndDeclaredLengthWithoutABody() throws Exception {
        try (RawUpstream raw = answering("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 50\r\n\r\n");
             ReverseProxy proxy = TestProxies.startRoundRobin(raw.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /page HTTP/1.1\r\nHost: example.com\r\nIf-None-Match: \"v1\"\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(304);
            assertThat(response.header("ETag")).isEqualTo("\"v1\"");
            assertThat(response.header("Content-Length")).isEqualTo("50");

            client.send("GET /next HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(client.read().text()).isEqualTo("next");
        }
    }

    @Test
    void relays103EarlyHintsBeforeTheFinalResponse() throws Exception {
        try (RawUpstream raw = answering("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
             ReverseProxy proxy = TestProxies.startRoundRobin(raw.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /page HTTP/1.1\r\nHost: example.com\r\n\r\n");
            RawHttp.Response hints = client.read();
            assertThat(hints.status).isEqualTo(103);
            assertThat(hints.header("Link")).isEqualTo("</style.css>; rel=preload");
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(200);
            assertThat(response.text()).isEqualTo("ok");
        }
    }

    @Test
    void passesTrailersOfAChunkedResponse() throws Exception {
        try (RawUpstream raw = answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
                + "5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n");
             ReverseProxy proxy = TestProxies.startRoundRobin(raw.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /page HTTP/1.1\r\nHost: example.com\r\nTE: trailers\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.text()).isEqualTo("hello");
            assertThat(response.trailers).anySatisfy(trailer -> {
                assertThat(trailer[0]).isEqualToIgnoringCase("X-Checksum");
                assertThat(trailer[1]).isEqualTo("abc");
            });
        }
    }

    @Test
    void anHttp10ClientWithoutKeepAliveGetsALengthAndAClose() throws Exception {
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /whoami HTTP/1.0\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(200);
            assertThat(response.text()).isEqualTo("origin");
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(client.isClosedByPeer(5_000)).isTrue();
        }
    }

    @Test
    void anHttp10ClientThatAsksForKeepAliveGetsIt() throws Exception {
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /whoami HTTP/1.0\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.header("Connection")).isEqualTo("keep-alive");
            client.send("GET /whoami HTTP/1.0\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n");
            assertThat(client.read().text()).isEqualTo("origin");
        }
    }

    @Test
    void aResponseOfUnknownLengthToAnHttp10ClientEndsWithTheConnection() throws Exception {
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /bytes?chunked&n=5000 HTTP/1.0\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.header("Transfer-Encoding")).isNull();
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(response.closed).isTrue();
            assertThat(response.body).hasSize(5000);
        }
    }

    @Test
    void honoursConnectionCloseFromTheClient() throws Exception {
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /whoami HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.text()).isEqualTo("origin");
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(client.isClosedByPeer(5_000)).isTrue();
        }
    }

    @Test
    void forwardsAGetWithABodyWithItsFraming() throws Exception {
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\n\r\nbody");
            assertThat(client.read().text()).isEqualTo("body");
            assertThat(upstream.lastRequest().header("Content-Length")).isEqualTo("4");
        }
    }

    @Test
    void answersPipelinedRequestsInOrder() throws Exception {
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /delay?ms=300 HTTP/1.1\r\nHost: example.com\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /bytes?n=70000 HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(client.read().text()).isEqualTo("origin");
            assertThat(client.read().text()).isEqualTo("hello");
            RawHttp.Response third = client.read();
            assertThat(third.length).isEqualTo(70_000);
            assertThat(third.body).hasSize(70_000);
        }
    }

    @Test
    void addsADateWhenAResponseHasNone() throws Exception {
        try (RawUpstream raw = answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
             ReverseProxy proxy = TestProxies.startRoundRobin(raw.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
            String date = client.read().header("Date");
            assertThat(date).matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
        }
    }
}
