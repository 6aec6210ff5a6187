package dev.gatehouse.proxy.testing;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.core.ReverseProxy;
import dev.gatehouse.proxy.core.ReverseProxyBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Shortcuts for tests: a proxy on 127.0.0.1:0 with short timeouts, and an HTTP/1.1 client. */
public final class TestProxies {

    private TestProxies() {
    }

    /** Returns a builder listening on 127.0.0.1:0 with 2 I/O threads, test-sized timeouts and a 10 s drain. */
    public static ReverseProxyBuilder builder() {
        return builder(Duration.ofSeconds(10));
    }

    /** Returns a builder like {@link #builder()} with the given drain timeout. */
    public static ReverseProxyBuilder builder(Duration drain) {
        return ReverseProxy.builder()
                .listen("127.0.0.1", 0)
                .ioThreads(2)
                .connectTimeout(Duration.ofSeconds(2))
                .responseTimeout(Duration.ofSeconds(10))
                .idleTimeout(Duration.ofSeconds(10))
                .drainTimeout(drain);
    }

    /** Starts a proxy with one catch-all round-robin route over {@code upstreams}. */
    public static ReverseProxy startRoundRobin(Upstream... upstreams) {
        return start(builder().route(Route.builder("all").upstreams(upstreams).build()));
    }

    /** Builds and starts. */
    public static ReverseProxy start(ReverseProxyBuilder builder) {
        ReverseProxy proxy = builder.build();
        try {
            proxy.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return proxy;
    }

    /** Returns an HTTP/1.1 client (the JDK's). */
    public static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Returns the URI of {@code path} on the proxy. */
    public static URI uri(ReverseProxy proxy, String path) {
        return URI.create("http://127.0.0.1:" + proxy.address().getPort() + path);
    }

    /** GETs {@code path} through the proxy and returns the response as text. */
    public static HttpResponse<String> get(ReverseProxy proxy, String path) throws IOException, InterruptedException {
        return client().send(HttpRequest.newBuilder(uri(proxy, path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
