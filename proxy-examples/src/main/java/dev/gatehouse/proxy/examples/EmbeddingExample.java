package dev.gatehouse.proxy.examples;

import dev.gatehouse.proxy.Body;
import dev.gatehouse.proxy.ProxyResponse;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.core.Filters;
import dev.gatehouse.proxy.core.ReverseProxy;
import dev.gatehouse.proxy.filter.Filter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The embedding example of the README, compiled so it cannot drift: a proxy with an API route that needs
 * an API key and a catch-all route for the rest.
 */
public final class EmbeddingExample {

    private EmbeddingExample() {
    }

    /** Builds the README's proxy in front of the given upstreams; not started. */
    public static ReverseProxy build(InetSocketAddress listen, Upstream api1, Upstream api2, Upstream assets) {
        // README example: begin
        Filter apiKeys = (exchange, chain) -> {
            String key = exchange.request().header("X-Api-Key");
            if (key == null || !Set.of("k-123", "k-456").contains(key)) {
                return CompletableFuture.completedStage(ProxyResponse.of(401).withBody(Body.of("missing or bad key\n")));
            }
            return chain.proceed(exchange.request().withoutHeader("X-Api-Key"));   // don't leak it upstream
        };

        ReverseProxy proxy = ReverseProxy.builder()
                .listen(listen)
                .connectTimeout(Duration.ofSeconds(2))
                .filter(Filters.setResponseHeader("X-Served-By", "gatehouse"))   // every route
                .route(Route.builder("api")
                        .host("api.example.com")
                        .pathPrefix("/v1")
                        .stripPrefix()                                      // /v1/users -> /users upstream
                        .upstreams(api1, api2.withWeight(2))
                        .filter(apiKeys)                                    // this route only
                        .responseTimeout(Duration.ofSeconds(10))
                        .build())
                .route(Route.builder("assets").pathPrefix("/").upstreams(assets).build())
                .build();
        // README example: end
        return proxy;
    }

    /** Starts the example on 127.0.0.1:8080 in front of upstreams on ports 9001, 9002 and 9003. */
    public static void main(String[] args) throws IOException, InterruptedException {
        ReverseProxy proxy = build(new InetSocketAddress("127.0.0.1", 8080), Upstream.of("127.0.0.1", 9001),
                Upstream.of("127.0.0.1", 9002), Upstream.of("127.0.0.1", 9003));
        Runtime.getRuntime().addShutdownHook(new Thread(proxy::close, "gatehouse-shutdown"));
        proxy.start();
        System.out.println("Gatehouse listening on http://127.0.0.1:" + proxy.address().getPort());
        Thread.currentThread().join();
    }
}
