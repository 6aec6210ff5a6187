package dev.gatehouse.proxy.filter;

import static java.util.Objects.requireNonNull;

import dev.gatehouse.proxy.ProxyRequest;
import dev.gatehouse.proxy.ProxyResponse;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;

/**
 * Intercepts exchanges: it can change the request before it goes upstream, change the response on its
 * way back, or answer on its own without calling the chain.
 *
 * <pre>{@code
 * final class ApiKeyAuthFilter implements Filter {
 *     private final Set<String> keys;
 *     ApiKeyAuthFilter(Set<String> keys) { this.keys = Set.copyOf(keys); }
 *
 *     public CompletionStage<ProxyResponse> filter(ProxyExchange exchange, FilterChain chain) {
 *         String key = exchange.request().header("X-Api-Key");
 *         if (key == null || !keys.contains(key)) {
 *             return CompletableFuture.completedStage(ProxyResponse.of(401));      // short-circuit
 *         }
 *         return chain.proceed(exchange.request().withoutHeader("X-Api-Key"))  // don't leak it
 *                 .thenApply(response -> response.withHeader("X-Authenticated", "api-key"));
 *     }
 * }
 * }</pre>
 *
 * <p><b>Order.</b> Filters run in the order they were added: the proxy's filters first (outermost), then
 * the route's. Responses travel back in the reverse order, which the nested stages give for free.
 *
 * <p><b>Threading.</b> {@code filter} is called on an I/O thread and must not block: put blocking work on
 * an executor of your own ({@code supplyAsync(..., executor).thenCompose(...)}). One instance serves every
 * exchange at once, so a filter must be thread-safe; keep per-exchange state in
 * {@link ProxyExchange#attribute(AttributeKey)}.
 *
 * <p><b>Contract.</b> Call {@link FilterChain#proceed} at most once and never return null. The proxy checks
 * both: a violation, an exception thrown by {@code filter}, or a stage that fails with anything but a
 * {@link dev.gatehouse.proxy.ProxyException} answers 500 and is logged at WARN, naming the filter.
 * Bodies stream past filters; a filter sees the response body only as a {@link dev.gatehouse.proxy.Body}
 * handle it can keep or replace.
 */
@FunctionalInterface
public interface Filter {

    /**
     * Handles one exchange.
     *
     * @param exchange the exchange; {@code exchange.request()} is the request as this filter received it
     * @param chain the rest of the chain, ending at the upstream
     * @return the stage of the response this filter returns; never null
     */
    CompletionStage<ProxyResponse> filter(ProxyExchange exchange, FilterChain chain);

    /** Returns a filter that applies {@code change} to each request and passes the result on. */
    static Filter onRequest(UnaryOperator<ProxyRequest> change) {
        requireNonNull(change, "change");
        return new Filter() {
            @Override
            public CompletionStage<ProxyResponse> filter(ProxyExchange exchange, FilterChain chain) {
                return chain.proceed(requireNonNull(change.apply(exchange.request()), "changed request"));
            }

            @Override
            public String toString() {
                return "Filter.onRequest(" + change + ")";
            }
        };
    }

    /** Returns a filter that applies {@code change} to each response on its way back. */
    static Filter onResponse(UnaryOperator<ProxyResponse> change) {
        requireNonNull(change, "change");
        return new Filter() {
            @Override
            public CompletionStage<ProxyResponse> filter(ProxyExchange exchange, FilterChain chain) {
                return chain.proceed(exchange.request()).thenApply(change);
            }

            @Override
            public String toString() {
                return "Filter.onResponse(" + change + ")";
            }
        };
    }
}
