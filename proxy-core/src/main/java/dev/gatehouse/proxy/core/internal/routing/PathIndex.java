package dev.gatehouse.proxy.core.internal.routing;

import dev.gatehouse.proxy.Headers;
import dev.gatehouse.proxy.Route;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes of one host group, indexed by path so a lookup costs about the depth of the path, not the
 * number of routes: exact paths in a hash map, templates bucketed by their first segment, prefixes in a
 * trie of segments (walked deepest first, which is longest-prefix first), routes without a path condition
 * in a list. The kinds are tried in precedence order (exact, template, prefix, none) and, within a bucket,
 * candidates are sorted by the rest of the precedence, so the first match is the best one. Immutable after
 * construction; thread-safe.
 */
final class PathIndex<T> {

    /** Within one bucket: more conditions first, then declaration order (path specificity is equal there). */
    private static final Comparator<CompiledRoute<?>> BY_CONDITIONS_THEN_ORDER = CompiledRoute.PRECEDENCE;

    private final Map<String, CompiledRoute<T>[]> exact = new HashMap<>();
    private final Map<String, CompiledRoute<T>[]> templatesByFirstSegment = new HashMap<>();
    private CompiledRoute<T>[] templatesWithVariableFirst;
    private final Node<T> prefixes = new Node<>();
    private CompiledRoute<T>[] anyPath;

    @SuppressWarnings({"unchecked", "rawtypes"})
    PathIndex(List<CompiledRoute<T>> routes) {
        Map<String, List<CompiledRoute<T>>> exactLists = new HashMap<>();
        Map<String, List<CompiledRoute<T>>> templateLists = new HashMap<>();
        List<CompiledRoute<T>> variableFirst = new ArrayList<>();
        List<CompiledRoute<T>> any = new ArrayList<>();
        for (CompiledRoute<T> route : routes) {
            Route.PathKind kind = route.route().pathKind();
            String path = route.route().path();
            switch (kind) {
                case EXACT:
                    exactLists.computeIfAbsent(path, p -> new ArrayList<>()).add(route);
                    break;
                case TEMPLATE:
                    String first = firstSegment(path);
                    if (first.startsWith("{")) {
                        variableFirst.add(route);
                    } else {
                        templateLists.computeIfAbsent(first, f -> new ArrayList<>()).add(route);
                    }
                    break;
                case PREFIX:
                    Node<T> node = prefixes;
                    if (!path.equals("/")) {
                        for (String segment : path.substring(1).split("/", -1)) {
                            node = node.children.computeIfAbsent(segment, s -> new Node<>());
                        }
                    }
                    node.pending.add(route);
                    break;
                default:
                    any.add(route);
                    break;
            }
        }
        exactLists.forEach((path, list) -> exact.put(path, sorted(list)));
        // A template with a variable first segment can match any first segment, so it joins every bucket.
        templateLists.forEach((first, list) -> {
            List<CompiledRoute<T>> all = new ArrayList<>(list);
            all.addAll(variableFirst);
            templatesByFirstSegment.put(first, sorted(all));
        });
        templatesWithVariableFirst = sorted(variableFirst);
        prefixes.seal();
        anyPath = sorted(any);
    }

    @SuppressWarnings("unchecked")
    private static <T> CompiledRoute<T>[] sorted(List<CompiledRoute<T>> routes) {
        routes.sort(BY_CONDITIONS_THEN_ORDER);
        return routes.toArray(new CompiledRoute[0]);
    }

    /** Returns the best match for the request, or null. */
    RouteTable.Match<T> match(String method, String path, String query, Headers headers) {
        RouteTable.Match<T> match = first(exact.get(path), method, path, query, headers);
        if (match != null) {
            return match;
        }
        if (!templatesByFirstSegment.isEmpty() || templatesWithVariableFirst.length > 0) {
            CompiledRoute<T>[] templates = templatesByFirstSegment.get(firstSegment(path));
            match = first(templates != null ? templates : templatesWithVariableFirst, method, path, query, headers);
            if (match != null) {
                return match;
            }
        }
        match = matchPrefix(method, path, query, headers);
        if (match != null) {
            return match;
        }
        return first(anyPath, method, path, query, headers);
    }

    private RouteTable.Match<T> matchPrefix(String method, String path, String query, Headers headers) {
        return prefixes.isEmpty() ? null : matchPrefix(prefixes, 1, method, path, query, headers);
    }

    /** Descends the trie along the path's segments; the deepest node, the longest prefix, is tried first. */
    private RouteTable.Match<T> matchPrefix(Node<T> node, int position, String method, String path, String query,
                                            Headers headers) {
        if (position <= path.length() && !node.children.isEmpty()) {
            int end = path.indexOf('/', position);
            if (end < 0) {
                end = path.length();
            }
            Node<T> child = node.children.get(path.substring(position, end));
            if (child != null) {
                RouteTable.Match<T> match = matchPrefix(child, end + 1, method, path, query, headers);
                if (match != null) {
                    return match;
                }
            }
        }
        return first(node.routes, method, path, query, headers);
    }

    private static <T> RouteTable.Match<T> first(CompiledRoute<T>[] routes, String method, String path, String query,
                                                 Headers headers) {
        if (routes == null) {
            return null;
        }
        for (CompiledRoute<T> route : routes) {
            RouteTable.Match<T> match = route.match(method, path, query, headers);
            if (match != null) {
                return match;
            }
        }
        return null;
    }

    private static String firstSegment(String path) {
        int end = path.indexOf('/', 1);
        return end < 0 ? path.substring(1) : path.substring(1, end);
    }

    /** A trie node: the prefix routes that end at this segment, and the deeper segments. */
    private static final class Node<T> {
        final Map<String, Node<T>> children = new HashMap<>();
        final List<CompiledRoute<T>> pending = new ArrayList<>();
        CompiledRoute<T>[] routes;

        void seal() {
            routes = sorted(pending);
            pending.clear();
            children.values().forEach(Node::seal);
        }

        boolean isEmpty() {
            return routes.length == 0 && children.isEmpty();
        }
    }
}
