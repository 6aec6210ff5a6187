package dev.gatehouse.proxy.core.internal.routing;

import dev.gatehouse.proxy.Headers;
import dev.gatehouse.proxy.Route;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Finds the route for a request, applying the precedence documented on {@link Route}: host first (exact,
 * then wildcards longest first, then routes without a host), then path (exact, template, prefix, none),
 * then the number of other conditions, then the order routes were added.
 *
 * <p>Routes are grouped by host when the table is built, and each group is sorted by precedence, so a
 * lookup tries only the routes that can apply to the host and stops at the first match. Immutable and
 * thread-safe.
 *
 * @param <T> the runtime data the proxy keeps per route
 */
public final class RouteTable<T> {

    private final Map<String, CompiledRoute<T>[]> exactHosts;
    private final CompiledRoute<T>[] wildcardHosts;
    private final String[] wildcardSuffixes;
    private final CompiledRoute<T>[] anyHost;
    private final int size;

    private RouteTable(Map<String, CompiledRoute<T>[]> exactHosts, CompiledRoute<T>[] wildcardHosts,
                       String[] wildcardSuffixes, CompiledRoute<T>[] anyHost, int size) {
        this.exactHosts = exactHosts;
        this.wildcardHosts = wildcardHosts;
        this.wildcardSuffixes = wildcardSuffixes;
        this.anyHost = anyHost;
        this.size = size;
    }

    /**
     * Compiles {@code routes}, in the order they were added.
     *
     * @param runtime makes the runtime data of each route
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <T> RouteTable<T> build(List<Route> routes, Function<Route, T> runtime) {
        Map<String, List<CompiledRoute<T>>> exact = new HashMap<>();
        List<CompiledRoute<T>> wildcard = new ArrayList<>();
        List<String> suffixes = new ArrayList<>();
        List<CompiledRoute<T>> any = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            Route route = routes.get(i);
            CompiledRoute<T> compiled = new CompiledRoute<>(route, runtime.apply(route), i);
            if (route.hosts().isEmpty()) {
                any.add(compiled);
            }
            for (String host : route.hosts()) {
                if (host.startsWith("*.")) {
                    wildcard.add(compiled);
                    suffixes.add(host.substring(1));        // ".example.com"
                } else {
                    exact.computeIfAbsent(host, h -> new ArrayList<>()).add(compiled);
                }
            }
        }
        Map<String, CompiledRoute<T>[]> exactSorted = new HashMap<>();
        exact.forEach((host, list) -> {
            list.sort(CompiledRoute.PRECEDENCE);
            exactSorted.put(host, list.toArray(new CompiledRoute[0]));
        });
        // Sort wildcard entries by suffix length (longest first), then by route precedence.
        Integer[] order = new Integer[wildcard.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.<Integer>comparingInt(i -> -suffixes.get(i).length())
                .thenComparing((a, b) -> CompiledRoute.PRECEDENCE.compare(wildcard.get(a), wildcard.get(b))));
        CompiledRoute<T>[] wildcardArray = new CompiledRoute[order.length];
        String[] suffixArray = new String[order.length];
        for (int i = 0; i < order.length; i++) {
            wildcardArray[i] = wildcard.get(order[i]);
            suffixArray[i] = suffixes.get(order[i]);
        }
        any.sort(CompiledRoute.PRECEDENCE);
        return new RouteTable<>(exactSorted, wildcardArray, suffixArray, any.toArray(new CompiledRoute[0]),
                routes.size());
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
        CompiledRoute<T>[] exact = exactHosts.get(host);
        if (exact != null) {
            Match<T> match = first(exact, method, path, query, headers);
            if (match != null) {
                return match;
            }
        }
        for (int i = 0; i < wildcardHosts.length; i++) {
            String suffix = wildcardSuffixes[i];
            if (host.length() > suffix.length() && host.endsWith(suffix)) {
                Match<T> match = wildcardHosts[i].match(method, path, query, headers);
                if (match != null) {
                    return match;
                }
            }
        }
        return first(anyHost, method, path, query, headers);
    }

    private static <T> Match<T> first(CompiledRoute<T>[] routes, String method, String path, String query,
                                      Headers headers) {
        for (CompiledRoute<T> route : routes) {
            Match<T> match = route.match(method, path, query, headers);
            if (match != null) {
                return match;
            }
        }
        return null;
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
