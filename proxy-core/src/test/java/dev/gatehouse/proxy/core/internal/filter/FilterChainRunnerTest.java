package dev.gatehouse.proxy.core.internal.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.proxy.ProxyRequest;
import dev.gatehouse.proxy.ProxyResponse;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.filter.AttributeKey;
import dev.gatehouse.proxy.filter.Filter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class FilterChainRunnerTest {

    /** A hand-written exchange that answers 200 upstream and records what reached it. */
    private static final class FakeExchange implements ChainedExchange {
        final List<ProxyRequest> forwarded = new ArrayList<>();
        volatile ProxyRequest current;

        @Override
        public void currentRequest(ProxyRequest request) {
            current = request;
        }

        @Override
        public CompletionStage<ProxyResponse> forward(ProxyRequest request) {
            forwarded.add(request);
            return CompletableFuture.completedStage(ProxyResponse.of(200));
        }

        @Override
        public String id() {
            return "1";
        }

        @Override
        public ProxyRequest request() {
            return current;
        }

        @Override
        public Route route() {
            return null;
        }

        @Override
        public Map<String, String> pathParameters() {
            return Map.of();
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), 1);
        }

        @Override
        public InetAddress clientAddress() {
            return InetAddress.getLoopbackAddress();
        }

        @Override
        public <T> T attribute(AttributeKey<T> key) {
            return null;
        }

        @Override
        public <T> T putAttribute(AttributeKey<T> key, T value) {
            return null;
        }
    }

    private static final ProxyRequest REQUEST = ProxyRequest.builder().method("GET").path("/").authority("h").build();

    private static ProxyResponse run(FakeExchange exchange, Filter... filters) {
        exchange.currentRequest(REQUEST);
        return FilterChainRunner.run(exchange, filters, REQUEST).toCompletableFuture().join();
    }

    @Test
    void callsFiltersInOrderAndShowsEachTheRequestThePreviousPassedOn() {
        List<String> seen = new ArrayList<>();
        Filter a = (exchange, chain) -> {
            seen.add("a:" + exchange.request().header("X"));
            return chain.proceed(exchange.request().withHeader("X", "a"));
        };
        Filter b = (exchange, chain) -> {
            seen.add("b:" + exchange.request().header("X"));
            return chain.proceed(exchange.request().withHeader("X", "b"))
                    .thenApply(response -> response.withHeader("Y", "b"));
        };
        FakeExchange exchange = new FakeExchange();
        ProxyResponse response = run(exchange, a, b);
        assertThat(seen).containsExactly("a:null", "b:a");
        assertThat(exchange.forwarded).singleElement().satisfies(r -> assertThat(r.header("X")).isEqualTo("b"));
        assertThat(response.header("Y")).isEqualTo("b");
    }

    @Test
    void goesStraightUpstreamWithoutFilters() {
        FakeExchange exchange = new FakeExchange();
        assertThat(run(exchange).status()).isEqualTo(200);
        assertThat(exchange.forwarded).containsExactly(REQUEST);
    }

    @Test
    void namesTheFilterThatBreaksTheContract() {
        Filter twice = new Filter() {
            @Override
            public CompletionStage<ProxyResponse> filter(dev.gatehouse.proxy.filter.ProxyExchange exchange,
                                                         dev.gatehouse.proxy.filter.FilterChain chain) {
                chain.proceed(exchange.request());
                return chain.proceed(exchange.request());
            }

            @Override
            public String toString() {
                return "TwiceFilter";
            }
        };
        assertThatThrownBy(() -> run(new FakeExchange(), twice))
                .hasCauseInstanceOf(FilterException.class)
                .hasMessageContaining("filter TwiceFilter called proceed() more than once");
        Filter nothing = (exchange, chain) -> null;
        assertThatThrownBy(() -> run(new FakeExchange(), nothing)).hasMessageContaining("returned null (expected: a stage)");
        Filter thrower = (exchange, chain) -> {
            throw new IllegalArgumentException("boom");
        };
        assertThatThrownBy(() -> run(new FakeExchange(), thrower)).hasMessageContaining("threw java.lang.IllegalArgumentException: boom");
    }

    @Test
    void aShortCircuitNeverReachesTheUpstream() {
        FakeExchange exchange = new FakeExchange();
        Filter deny = (ex, chain) -> CompletableFuture.completedStage(ProxyResponse.of(401));
        assertThat(run(exchange, deny).status()).isEqualTo(401);
        assertThat(exchange.forwarded).isEmpty();
    }
}
