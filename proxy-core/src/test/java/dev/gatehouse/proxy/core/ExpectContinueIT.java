package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.RawUpstream;
import dev.gatehouse.proxy.testing.TestProxies;
import dev.gatehouse.proxy.testing.TestUpstream;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code Expect: 100-continue} is relayed, so the upstream decides whether the body is sent; the body goes once. */
class ExpectContinueIT {

    @RegisterExtension
    static final TestUpstream upstream = new TestUpstream("origin");

    @Test
    void aClientThatWaitsGets100ContinueThenItsEcho() throws Exception {
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            RawHttp.Response interim = client.read();
            assertThat(interim.status).isEqualTo(100);

            client.send("hello");
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(200);
            assertThat(response.text()).isEqualTo("hello");
            assertThat(upstream.lastRequest().header("Expect")).isEqualTo("100-continue");
        }
    }

    @Test
    void aClientThatDoesNotWaitHasItsBodyForwardedOnce() throws Exception {
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello");
            RawHttp.Response response = client.read();
            if (response.status == 100) {        // allowed, though the body was already on its way
                response = client.read();
            }
            assertThat(response.status).isEqualTo(200);
            assertThat(response.text()).isEqualTo("hello");
            // The connection is still in step: a second request works.
            client.send("GET /whoami HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(client.read().text()).isEqualTo("origin");
        }
        assertThat(upstream.requests()).hasSize(2);
    }

    @Test
    void anUpstreamThatRefusesBeforeTheBodyGetsNoBodyAndTheClientItsAnswer() throws Exception {
        AtomicInteger bodyBytes = new AtomicInteger();
        try (RawUpstream raw = new RawUpstream(c -> {
            c.readHead();
            c.write("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            bodyBytes.set(c.readBody(5).length);
        }); ReverseProxy proxy = TestProxies.startRoundRobin(raw.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            RawHttp.Response response = client.read();

            assertThat(response.status).isEqualTo(413);
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(client.isClosedByPeer(5_000)).isTrue();
            assertThat(bodyBytes.get()).isZero();
        }
    }

    @Test
    void anHttp10ClientGetsNo100AndItsExpectationIsNotForwarded() throws Exception {
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("POST /echo HTTP/1.0\r\nHost: example.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello");
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(200);
            assertThat(response.text()).isEqualTo("hello");
            assertThat(upstream.lastRequest().header("Expect")).isNull();
        }
    }

    @Test
    void anUnknownExpectationIs417() throws Exception {
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream());
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nExpect: 100-continuex\r\n\r\nhello");
            assertThat(client.read().status).isEqualTo(417);
        }
        assertThat(upstream.requests()).isEmpty();
    }
}
