package dev.gatehouse.proxy.core;

import static java.util.Objects.requireNonNull;

import dev.gatehouse.proxy.ProxyResponse;
import dev.gatehouse.proxy.filter.Filter;

/**
 * Built-in {@link Filter filters} for common header changes. Each factory returns an immutable, thread-safe
 * filter; add them with {@code ReverseProxyBuilder.filter} (every route) or {@code Route.Builder.filter}
 * (one route). Filters run in the order added.
 */
public final class Filters {

    private Filters() {
    }

    /** Sets request header {@code name} to {@code value} before the request goes upstream, replacing any value. */
    public static Filter setRequestHeader(String name, String value) {
        checkHeader(name, value);
        return named(Filter.onRequest(request -> request.withHeader(name, value)),
                "setRequestHeader(" + name + ")");
    }

    /** Removes request header {@code name} before the request goes upstream. */
    public static Filter removeRequestHeader(String name) {
        requireNonNull(name, "name");
        return named(Filter.onRequest(request -> request.withoutHeader(name)), "removeRequestHeader(" + name + ")");
    }

    /** Sets response header {@code name} to {@code value} on every response, replacing any value. */
    public static Filter setResponseHeader(String name, String value) {
        checkHeader(name, value);
        return named(Filter.onResponse(response -> response.withHeader(name, value)),
                "setResponseHeader(" + name + ")");
    }

    /** Removes response header {@code name} from every response. */
    public static Filter removeResponseHeader(String name) {
        requireNonNull(name, "name");
        return named(Filter.onResponse(response -> response.withoutHeader(name)), "removeResponseHeader(" + name + ")");
    }

    private static void checkHeader(String name, String value) {
        // Validates once here, so a bad header fails the build, not every request.
        ProxyResponse.of(200).withHeader(requireNonNull(name, "name"), requireNonNull(value, "value"));
    }

    private static Filter named(Filter filter, String name) {
        return new Filter() {
            @Override
            public java.util.concurrent.CompletionStage<ProxyResponse> filter(
                    dev.gatehouse.proxy.filter.ProxyExchange exchange, dev.gatehouse.proxy.filter.FilterChain chain) {
                return filter.filter(exchange, chain);
            }

            @Override
            public String toString() {
                return "Filters." + name;
            }
        };
    }
}
