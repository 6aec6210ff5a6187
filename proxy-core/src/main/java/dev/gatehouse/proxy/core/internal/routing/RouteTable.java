package dev.gatehouse.proxy.core.internal.routing;

import dev.gatehouse.proxy.Headers;
import dev.gatehouse.proxy.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Finds the route for a request, applying the precedence documented on {@link Route}: host first (exact,
 * then wildcards longest first, then routes without a host), then path (exact, template, prefix, none),
 * then the number of other conditions, then the order routes were added.
 *
 * <p>Routes are grouped by host pattern when the table is built and each group is indexed by path
 * ({@link PathIndex}): a lookup costs a few hash lookups per host label and path segment, whatever the
 * number of routes. Immutable and thread-safe.
 *
 * @param <T> the runtime data the proxy keeps per route
 */
public final class RouteTable<T> {

    private final Map<String, PathIndex<T>> exactHosts;
    private final Map<String, PathIndex<T>> wildcardHosts;
    private final PathIndex<T> anyHost;
    private final int size;

    private RouteTable(Map<String, PathIndex<T>> exactHosts, Map<String, PathIndex<T>> wildcardHosts,
                       PathIndex<T> anyHost, int size) {
        this.exactHosts = exactHosts;
        this.wildcardHosts = wildcardHosts;
        this.anyHost = anyHost;
        this.size = size;
    }

    /**
     * Compiles {@code routes}, in the order they were added.
     *
     * @param runtime makes the runtime data of each route
     */
    public static <T> RouteTable<T> build(List<Route> routes, Function<Route, T> runtime) {
        Map<String, List<CompiledRoute<T>>> exact = new HashMap<>();
        Map<String, List<CompiledRoute<T>>> wildcard = new HashMap<>();
        List<CompiledRoute<T>> any = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            Route route = routes.get(i);
            CompiledRoute<T> compiled = new CompiledRoute<>(route, runtime.apply(route), i);
            if (route.hosts().isEmpty()) {
                any.add(compiled);
            }
            for (String host : route.hosts()) {
                if (host.startsWith("*.")) {
                    wildcard.computeIfAbsent(host.substring(1), h -> new ArrayList<>()).add(compiled);   // ".example.com"
                } else {
                    exact.computeIfAbsent(host, h -> new ArrayList<>()).add(compiled);
                }
            }
        }
        Map<String, PathIndex<T>> exactIndexes = new HashMap<>();
        exact.forEach((host, list) -> exactIndexes.put(host, new PathIndex<>(list)));
        Map<String, PathIndex<T>> wildcardIndexes = new HashMap<>();
        wildcard.forEach((suffix, list) -> wildcardIndexes.put(suffix, new PathIndex<>(list)));
        return new RouteTable<>(exactIndexes, wildcardIndexes, new PathIndex<>(any), routes.size());
    }

    /** Returns the number of routes. */
    public int size() {
        return size;
    }

    /**
     * Returns the best route for a request, or null when none matches.
     *
     * @param host the request's host in lower case, without port or brackets
     * @param method the method
     * @param path the normalised path
     * @param query the raw query, or null
     * @param headers the request headers
     */
    public Match<T> match(String host, String method, String path, String query, Headers headers) {
        PathIndex<T> group = exactHosts.get(host);
        if (group != null) {
            Match<T> match = group.match(method, path, query, headers);
            if (match != null) {
                return match;
            }
        }
        if (!wildcardHosts.isEmpty()) {
            // Longest suffix first: for a.b.example.com try .b.example.com, then .example.com, then .com.
            for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
                group = wildcardHosts.get(host.substring(dot));
                if (group != null && dot > 0) {
                    Match<T> match = group.match(method, path, query, headers);
                    if (match != null) {
                        return match;
                    }
                }
            }
        }
        return anyHost.match(method, path, query, headers);
    }

    /**
     * A matched route with what its path template captured.
     *
     * @param <T> the route's runtime data
     */
    public static final class Match<T> {
        private final CompiledRoute<T> route;
        private final Map<String, String> parameters;

        Match(CompiledRoute<T> route, Map<String, String> parameters) {
            this.route = route;
            this.parameters = parameters;
        }

        /** Returns the route. */
        public Route route() {
            return route.route();
        }

        /** Returns the route's runtime data. */
        public T runtime() {
            return route.runtime();
        }

        /** Returns the captured path parameters; empty unless the route has a template. */
        public Map<String, String> parameters() {
            return parameters;
        }

        /** Returns the path to forward for {@code path} (the path the route matched), after the route's rewrite. */
        public String rewrite(String path) {
            return route.rewrite(path, parameters);
        }
    }
}
