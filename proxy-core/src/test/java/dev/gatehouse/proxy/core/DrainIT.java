package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.TestProxies;
import dev.gatehouse.proxy.testing.TestUpstream;
import dev.gatehouse.proxy.testing.Transfers;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code close()} stops accepting, lets exchanges in flight finish within the drain timeout, then stops. */
class DrainIT {

    @RegisterExtension
    static final TestUpstream upstream = new TestUpstream("origin");

    @Test
    void finishesASlowTransferInFlightAndRefusesNewConnections() throws Exception {
        ReverseProxy proxy = TestProxies.start(TestProxies.builder(Duration.ofSeconds(20))
                .route(Route.builder("all").upstreams(upstream.upstream()).build()));
        InetSocketAddress address = proxy.address();
        CompletableFuture<RawHttp.Response> transfer = CompletableFuture.supplyAsync(() -> {
            try {
                return Transfers.download(address, "/slow?n=200000&ms=2000");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> upstream.requests().size() == 1);

        CompletableFuture<Void> closing = CompletableFuture.runAsync(proxy::close);
        await().atMost(Duration.ofSeconds(5)).until(() -> refuses(address));
        assertThat(closing).as("close() waits for the transfer").isNotDone();

        RawHttp.Response response = transfer.get(30, TimeUnit.SECONDS);
        assertThat(response.status).isEqualTo(200);
        assertThat(response.complete).isTrue();
        assertThat(response.length).isEqualTo(200_000);
        closing.get(30, TimeUnit.SECONDS);
        assertThat(proxy.isRunning()).isFalse();
    }

    @Test
    void closesIdleKeepAliveConnectionsAtOnce() throws Exception {
        ReverseProxy proxy = TestProxies.start(TestProxies.builder(Duration.ofSeconds(20))
                .route(Route.builder("all").upstreams(upstream.upstream()).build()));
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /whoami HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(client.read().text()).isEqualTo("origin");

            CompletableFuture<Void> closing = CompletableFuture.runAsync(proxy::close);
            assertThat(client.isClosedByPeer(5_000)).isTrue();
            closing.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void answersRequestsArrivingWhileDrainingWithConnectionClose() throws Exception {
        ReverseProxy proxy = TestProxies.start(TestProxies.builder(Duration.ofSeconds(20))
                .route(Route.builder("all").upstreams(upstream.upstream()).build()));
        InetSocketAddress address = proxy.address();
        try (RawHttp busy = RawHttp.connect(address); RawHttp second = RawHttp.connect(address)) {
            // Keep one exchange in flight so the drain lasts, and a second connection open but idle.
            busy.send("GET /slow?n=100000&ms=1500 HTTP/1.1\r\nHost: example.com\r\n\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.requests().size() == 1);
            second.send("GET /delay?ms=800 HTTP/1.1\r\nHost: example.com\r\n\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.requests().size() == 2);

            CompletableFuture<Void> closing = CompletableFuture.runAsync(proxy::close);
            RawHttp.Response response = second.read();
            assertThat(response.status).isEqualTo(200);
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(busy.read().complete).isTrue();
            closing.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void cutsATransferThatOutlastsTheDrainTimeout() throws Exception {
        ReverseProxy proxy = TestProxies.start(TestProxies.builder(Duration.ofMillis(300))
                .route(Route.builder("all").upstreams(upstream.upstream()).build()));
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /slow?n=100000&ms=5000 HTTP/1.1\r\nHost: example.com\r\n\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.requests().size() == 1);
            long started = System.nanoTime();
            proxy.close();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(4_000);

            RawHttp.Response response;
            try {
                response = client.read();
            } catch (IOException cut) {
                return;
            }
            assertThat(response.complete).isFalse();
        }
    }

    private static boolean refuses(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, 500);
            return false;
        } catch (ConnectException refused) {
            return true;
        } catch (IOException other) {
            return false;
        }
    }
}
