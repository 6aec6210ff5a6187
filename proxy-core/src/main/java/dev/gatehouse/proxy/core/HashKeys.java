package dev.gatehouse.proxy.core;

import static java.util.Objects.requireNonNull;

import dev.gatehouse.proxy.core.internal.headers.Cookies;
import dev.gatehouse.proxy.filter.ProxyExchange;
import java.util.function.Function;

/**
 * Where {@link LoadBalancers#consistentHash(Function)} finds the key of an exchange. Each returns null
 * when the exchange has no such key, which sends it to a random upstream. Immutable and thread-safe.
 */
public final class HashKeys {

    private HashKeys() {
    }

    /** The first value of request header {@code name}. */
    public static Function<ProxyExchange, String> header(String name) {
        requireNonNull(name, "name");
        return exchange -> exchange.request().header(name);
    }

    /** The value of cookie {@code name}. */
    public static Function<ProxyExchange, String> cookie(String name) {
        requireNonNull(name, "name");
        return exchange -> Cookies.value(exchange.request(), name);
    }

    /** The raw value of query parameter {@code name}. */
    public static Function<ProxyExchange, String> query(String name) {
        requireNonNull(name, "name");
        return exchange -> {
            String query = exchange.request().query();
            if (query == null) {
                return null;
            }
            for (String pair : query.split("&")) {
                int equals = pair.indexOf('=');
                if ((equals < 0 ? pair : pair.substring(0, equals)).equals(name)) {
                    return equals < 0 ? "" : pair.substring(equals + 1);
                }
            }
            return null;
        };
    }

    /** The path, without the query. */
    public static Function<ProxyExchange, String> path() {
        return exchange -> exchange.request().path();
    }

    /** The client's address (see {@link ProxyExchange#clientAddress()}). */
    public static Function<ProxyExchange, String> clientAddress() {
        return exchange -> exchange.clientAddress().getHostAddress();
    }
}
