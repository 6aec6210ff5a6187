package dev.gatehouse.proxy.core.internal.filter;

import static java.util.Objects.requireNonNull;

import dev.gatehouse.proxy.ProxyRequest;
import dev.gatehouse.proxy.ProxyResponse;
import dev.gatehouse.proxy.filter.Filter;
import dev.gatehouse.proxy.filter.FilterChain;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs an exchange through its filters, proxy-level first, then route-level, ending at the upstream.
 *
 * <p>It enforces the chain contract, as OkHttp's {@code RealInterceptorChain} does: each filter's chain
 * may be proceeded at most once, and a filter must return a stage. A violation, or an exception thrown by
 * {@code filter}, becomes a failed stage carrying a {@link FilterException} that names the filter, so the
 * exchange answers 500 instead of hanging. The runner never logs: the exchange does, once.
 */
public final class FilterChainRunner {

    private FilterChainRunner() {
    }

    /**
     * Starts the chain. With no filters this is a direct call to {@link ChainedExchange#forward}.
     *
     * @return the stage of the final response; never null
     */
    public static CompletionStage<ProxyResponse> run(ChainedExchange exchange, Filter[] filters, ProxyRequest request) {
        if (filters.length == 0) {
            return exchange.forward(request);
        }
        return invoke(exchange, filters, 0);
    }

    private static CompletionStage<ProxyResponse> invoke(ChainedExchange exchange, Filter[] filters, int index) {
        Filter filter = filters[index];
        CompletionStage<ProxyResponse> stage;
        try {
            stage = filter.filter(exchange, new Link(exchange, filters, index));
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedStage(
                    e instanceof FilterException ? e : new FilterException(filter, "threw " + e, e));
        }
        if (stage == null) {
            return CompletableFuture.failedStage(new FilterException(filter, "returned null (expected: a stage)", null));
        }
        return stage;
    }

    /** The chain handed to filter {@code index}: it leads to filter {@code index + 1}, or upstream. */
    private static final class Link extends AtomicBoolean implements FilterChain {
        private static final long serialVersionUID = 1L;
        private final transient ChainedExchange exchange;
        private final transient Filter[] filters;
        private final int index;

        Link(ChainedExchange exchange, Filter[] filters, int index) {
            this.exchange = exchange;
            this.filters = filters;
            this.index = index;
        }

        @Override
        public CompletionStage<ProxyResponse> proceed(ProxyRequest request) {
            requireNonNull(request, "request");
            if (!compareAndSet(false, true)) {
                throw new FilterException(filters[index], "called proceed() more than once", null);
            }
            exchange.currentRequest(request);
            int next = index + 1;
            return next == filters.length ? exchange.forward(request) : invoke(exchange, filters, next);
        }

        @Override
        public String toString() {
            return "FilterChain[after " + filters[index] + "]";
        }
    }
}
