package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.Body;
import dev.gatehouse.proxy.NoHealthyUpstreamException;
import dev.gatehouse.proxy.ProxyResponse;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.UpstreamUnavailableException;
import dev.gatehouse.proxy.filter.AttributeKey;
import dev.gatehouse.proxy.filter.Filter;
import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.RecordingBackend;
import dev.gatehouse.proxy.testing.TestProxies;
import dev.gatehouse.proxy.testing.TestUpstream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Filters run in order, can answer on their own, change headers both ways, and break nothing when they misbehave. */
class FilterIT {

    @RegisterExtension
    static final TestUpstream upstream = new TestUpstream("origin");

    private static final ExecutorService executor = Executors.newFixedThreadPool(2);

    @AfterAll
    static void stopExecutor() {
        executor.shutdownNow();
    }

    /** Appends its name to X-Trace on the way in and to X-Trace-Back on the way out. */
    private static Filter tracer(String name) {
        return (exchange, chain) -> {
            String trace = exchange.request().header("X-Trace");
            return chain.proceed(exchange.request().withHeader("X-Trace", trace == null ? name : trace + "," + name))
                    .thenApply(response -> {
                        String back = response.header("X-Trace-Back");
                        return response.withHeader("X-Trace-Back", back == null ? name : back + "," + name);
                    });
        };
    }

    private static RawHttp.Response get(ReverseProxy proxy, String path) throws Exception {
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: example.com\r\n\r\n");
            return client.read();
        }
    }

    @Test
    void runsProxyFiltersThenRouteFiltersAndResponsesInReverse() throws Exception {
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().filter(tracer("a")).filter(tracer("b"))
                .route(Route.builder("all").filter(tracer("c")).upstreams(upstream.upstream()).build()))) {
            RawHttp.Response response = get(proxy, "/whoami");
            assertThat(upstream.lastRequest().header("X-Trace")).isEqualTo("a,b,c");
            assertThat(response.header("X-Trace-Back")).isEqualTo("c,b,a");
        }
    }

    @Test
    void answersOnItsOwnWithoutContactingTheUpstream() throws Exception {
        Filter limiter = (exchange, chain) -> CompletableFuture.completedStage(
                ProxyResponse.of(429).withHeader("Retry-After", "1").withBody(Body.of("slow down\n")));
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().filter(limiter)
                .route(Route.builder("all").upstreams(upstream.upstream()).build()))) {
            RawHttp.Response response = get(proxy, "/whoami");
            assertThat(response.status).isEqualTo(429);
            assertThat(response.header("Retry-After")).isEqualTo("1");
            assertThat(response.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
            assertThat(response.text()).isEqualTo("slow down\n");
            assertThat(upstream.requests()).isEmpty();
        }
    }

    @Test
    void removesAndAddsHeadersBothWays() throws Exception {
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder()
                .filter(Filters.removeRequestHeader("X-Api-Key"))
                .filter(Filters.setRequestHeader("X-Env", "test"))
                .filter(Filters.setResponseHeader("X-Served-By", "gatehouse"))
                .filter(Filters.removeResponseHeader("Content-Type"))
                .route(Route.builder("all").upstreams(upstream.upstream()).build()));
             RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /whoami HTTP/1.1\r\nHost: example.com\r\nX-Api-Key: secret\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.header("X-Served-By")).isEqualTo("gatehouse");
            assertThat(response.header("Content-Type")).isNull();
            assertThat(upstream.lastRequest().header("X-Api-Key")).isNull();
            assertThat(upstream.lastRequest().header("X-Env")).isEqualTo("test");
        }
    }

    @Test
    void aFilterMayCompleteOnAnotherThread() throws Exception {
        Filter async = (exchange, chain) -> CompletableFuture
                .supplyAsync(() -> exchange.request().withHeader("X-Async", Thread.currentThread().getName()), executor)
                .thenCompose(chain::proceed)
                .thenApplyAsync(response -> response.withHeader("X-Async-Back", "yes"), executor);
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().filter(async)
                .route(Route.builder("all").upstreams(upstream.upstream()).build()))) {
            for (int i = 0; i < 20; i++) {
                RawHttp.Response response = get(proxy, "/bytes?n=100000");
                assertThat(response.status).isEqualTo(200);
                assertThat(response.body).hasSize(100_000);
                assertThat(response.header("X-Async-Back")).isEqualTo("yes");
            }
            assertThat(upstream.lastRequest().header("X-Async")).startsWith("pool-");
        }
    }

    @Test
    void answers500NamingTheFilterWhenOneBreaksTheContract() throws Exception {
        Filter twice = new Filter() {
            @Override
            public java.util.concurrent.CompletionStage<ProxyResponse> filter(
                    dev.gatehouse.proxy.filter.ProxyExchange exchange, dev.gatehouse.proxy.filter.FilterChain chain) {
                chain.proceed(exchange.request());
                return chain.proceed(exchange.request());
            }

            @Override
            public String toString() {
                return "TwiceFilter";
            }
        };
        Filter nothing = (exchange, chain) -> null;
        Filter thrower = (exchange, chain) -> {
            throw new IllegalStateException("boom");
        };
        Filter nullResponse = (exchange, chain) -> CompletableFuture.completedStage(null);
        for (Filter broken : new Filter[] {twice, nothing, thrower, nullResponse}) {
            try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().filter(broken)
                    .route(Route.builder("all").upstreams(upstream.upstream()).build()))) {
                RawHttp.Response response = get(proxy, "/whoami");
                assertThat(response.status).as(broken.toString()).isEqualTo(500);
                assertThat(response.text()).isEqualTo("500 Internal Server Error\n");
                // The proxy still serves after it.
                assertThat(get(proxy, "/whoami").status).isEqualTo(500);
            }
        }
    }

    @Test
    void headerBytesAboveAsciiPassAsTheyAreAndAFilterCannotSetWhatOneByteCannotCarry() throws Exception {
        Filter latin1 = Filters.setResponseHeader("X-Latin", "caf\u00e9 \u00ff");
        Filter euro = (exchange, chain) -> chain.proceed(exchange.request().withHeader("X-Price", "5\u20ac"));
        try (RecordingBackend backend = new RecordingBackend();
             ReverseProxy proxy = TestProxies.start(TestProxies.builder().filter(latin1)
                     .route(Route.builder("euro").pathPrefix("/euro").filter(euro)
                             .upstreams(Upstream.of("127.0.0.1", backend.port())).build())
                     .route(Route.builder("all").upstreams(Upstream.of("127.0.0.1", backend.port())).build()));
             RawHttp client = RawHttp.connect(proxy.address())) {
            // obs-text (RFC 9110 5.5) in a request field reaches the upstream byte for byte.
            client.send("GET /a HTTP/1.1\r\nHost: example.com\r\nX-Name: Andr\u00e9 \u00b5\u00ff\r\n\r\n");
            RawHttp.Response response = client.read();
            assertThat(response.status).isEqualTo(200);
            assertThat(backend.requests().get(0).headers("X-Name")).containsExactly("Andr\u00e9 \u00b5\u00ff");
            assertThat(response.header("X-Latin")).isEqualTo("caf\u00e9 \u00ff");
            // U+20AC is no byte: the filter's change is refused, the filter fails, and the client gets a 500.
            client.send("GET /euro HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(client.read().status).isEqualTo(500);
            assertThat(backend.requests()).hasSize(1);
        }
    }

    @Test
    void replacesTheUpstreamBodyWithItsOwn() throws Exception {
        Filter replace = Filter.onResponse(response -> response.withStatus(200).withBody(Body.of("replaced")));
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().filter(replace)
                .route(Route.builder("all").upstreams(upstream.upstream()).build()));
             RawHttp client = RawHttp.connect(proxy.address())) {
            for (int i = 0; i < 3; i++) {
                client.send("GET /bytes?n=1000000 HTTP/1.1\r\nHost: example.com\r\n\r\n");
                RawHttp.Response response = client.read();
                assertThat(response.text()).isEqualTo("replaced");
            }
        }
    }

    @Test
    void recoversFromAnUpstreamFailureWithAFallback() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        Filter fallback = (exchange, chain) -> chain.proceed(exchange.request()).exceptionally(failure -> {
            Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
            if (cause instanceof UpstreamUnavailableException || cause instanceof NoHealthyUpstreamException) {
                return ProxyResponse.of(200).withBody(Body.of("fallback\n"));
            }
            throw new CompletionException(cause);
        });
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder()
                .route(Route.builder("all").filter(fallback).upstreams(Upstream.of("127.0.0.1", closedPort)).build()))) {
            RawHttp.Response response = get(proxy, "/anything");
            assertThat(response.status).isEqualTo(200);
            assertThat(response.text()).isEqualTo("fallback\n");
        }
    }

    @Test
    void aPathSetByAFilterTakesOverFromTheRouteRewrite() throws Exception {
        Filter rewrite = Filter.onRequest(request -> request.withPath("/bytes").withQuery("n=3"));
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder()
                .route(Route.builder("api").pathPrefix("/api").stripPrefix().filter(rewrite)
                        .upstreams(upstream.upstream()).build()))) {
            assertThat(get(proxy, "/api/anything").body).hasSize(3);
            assertThat(upstream.lastRequest().target).isEqualTo("/bytes?n=3");
        }
    }

    @Test
    void seesTheRouteItsParametersTheClientAndItsOwnAttributes() throws Exception {
        AttributeKey<String> note = AttributeKey.of("note");
        Filter first = (exchange, chain) -> {
            exchange.putAttribute(note, "from-first");
            return chain.proceed(exchange.request());
        };
        Filter second = (exchange, chain) -> chain.proceed(exchange.request()).thenApply(response -> response
                .withHeader("X-Route", exchange.route().name())
                .withHeader("X-Id", exchange.pathParameters().get("id"))
                .withHeader("X-Client", exchange.clientAddress().getHostAddress())
                .withHeader("X-Note", exchange.attribute(note))
                .withHeader("X-Exchange", exchange.id()));
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder().filter(first)
                .route(Route.builder("users").pathTemplate("/users/{id}").filter(second)
                        .upstreams(upstream.upstream()).build()))) {
            RawHttp.Response response = get(proxy, "/users/42");
            assertThat(response.header("X-Route")).isEqualTo("users");
            assertThat(response.header("X-Id")).isEqualTo("42");
            assertThat(response.header("X-Client")).isEqualTo("127.0.0.1");
            assertThat(response.header("X-Note")).isEqualTo("from-first");
            assertThat(response.header("X-Exchange")).isNotBlank();
        }
    }

    @Test
    void runsProxyFiltersForRequestsThatMatchNoRoute() throws Exception {
        try (ReverseProxy proxy = TestProxies.start(TestProxies.builder()
                .filter(Filters.setResponseHeader("X-Seen", "yes"))
                .route(Route.builder("api").pathPrefix("/api").upstreams(upstream.upstream()).build()))) {
            RawHttp.Response response = get(proxy, "/elsewhere");
            assertThat(response.status).isEqualTo(404);
            // The 404 is the proxy's own answer: filters see it as a failed stage and may map it.
            assertThat(response.header("X-Seen")).isNull();
        }
    }
}
