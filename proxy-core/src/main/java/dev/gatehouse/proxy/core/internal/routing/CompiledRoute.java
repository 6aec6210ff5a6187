package dev.gatehouse.proxy.core.internal.routing;

import dev.gatehouse.proxy.Headers;
import dev.gatehouse.proxy.Route;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A route prepared for matching: its conditions in arrays, its template compiled. Immutable and thread-safe.
 */
final class CompiledRoute<T> {

    /** Orders routes of one host group by path precedence, then condition count, then declaration order. */
    static final Comparator<CompiledRoute<?>> PRECEDENCE = Comparator
            .<CompiledRoute<?>>comparingInt(r -> r.pathRank)
            .thenComparingInt(r -> -r.pathWeight)
            .thenComparingInt(r -> -r.conditionCount)
            .thenComparingInt(r -> r.index);

    private final Route route;
    private final T runtime;
    private final int index;
    private final Route.PathKind pathKind;
    private final String path;
    private final PathTemplate template;
    private final String[] methods;
    private final Route.Condition[] headerConditions;
    private final Route.Condition[] queryConditions;
    private final int pathRank;
    private final int pathWeight;
    private final int conditionCount;

    CompiledRoute(Route route, T runtime, int index) {
        this.route = route;
        this.runtime = runtime;
        this.index = index;
        this.pathKind = route.pathKind();
        this.path = route.path();
        this.template = pathKind == Route.PathKind.TEMPLATE ? new PathTemplate(path) : null;
        this.methods = route.methods().toArray(new String[0]);
        this.headerConditions = route.headerConditions().toArray(new Route.Condition[0]);
        this.queryConditions = route.queryConditions().toArray(new Route.Condition[0]);
        switch (pathKind) {
            case EXACT:
                pathRank = 0;
                pathWeight = 0;
                break;
            case TEMPLATE:
                pathRank = 1;
                pathWeight = template.literalCount() * 1024 + template.segmentCount();
                break;
            case PREFIX:
                pathRank = 2;
                pathWeight = path.length();
                break;
            default:
                pathRank = 3;
                pathWeight = 0;
                break;
        }
        this.conditionCount = (methods.length > 0 ? 1 : 0) + headerConditions.length + queryConditions.length;
    }

    Route route() {
        return route;
    }

    T runtime() {
        return runtime;
    }

    /** Returns the match when the request meets every condition, else null. */
    RouteTable.Match<T> match(String method, String requestPath, String query, Headers headers) {
        Map<String, String> parameters = Collections.emptyMap();
        switch (pathKind) {
            case EXACT:
                if (!requestPath.equals(path)) {
                    return null;
                }
                break;
            case PREFIX:
                if (!isUnderPrefix(requestPath, path)) {
                    return null;
                }
                break;
            case TEMPLATE:
                parameters = template.match(requestPath);
                if (parameters == null) {
                    return null;
                }
                parameters = Collections.unmodifiableMap(parameters);
                break;
            default:
                break;
        }
        if (methods.length > 0 && !contains(methods, method)) {
            return null;
        }
        for (Route.Condition condition : headerConditions) {
            if (!headerMatches(headers, condition)) {
                return null;
            }
        }
        for (Route.Condition condition : queryConditions) {
            if (!QueryParameters.matches(query, condition.name(), condition.value())) {
                return null;
            }
        }
        return new RouteTable.Match<>(this, parameters);
    }

    /** Applies the route's path rewrite to {@code requestPath}, the path it matched. */
    String rewrite(String requestPath, Map<String, String> parameters) {
        String rewrite = route.pathRewrite();
        if (route.stripsPrefix()) {
            return join("/", rest(requestPath));
        }
        if (rewrite == null) {
            return requestPath;
        }
        switch (pathKind) {
            case PREFIX:
                return join(rewrite, rest(requestPath));
            case TEMPLATE:
                return PathTemplate.expand(rewrite, parameters);
            default:
                return rewrite;
        }
    }

    /** Returns the part of {@code requestPath} after the prefix: empty, or starting with {@code /}. */
    private String rest(String requestPath) {
        return path.equals("/") ? requestPath : requestPath.substring(path.length());
    }

    /** Joins a replacement prefix and a rest that is empty or starts with {@code /}, with one slash between. */
    private static String join(String prefix, String rest) {
        if (rest.isEmpty()) {
            return prefix;
        }
        if (prefix.endsWith("/")) {
            return prefix + rest.substring(1);
        }
        return prefix + rest;
    }

    /** A prefix matches on segment boundaries: {@code /api} covers {@code /api} and {@code /api/x}, not {@code /apix}. */
    static boolean isUnderPrefix(String requestPath, String prefix) {
        if (prefix.equals("/")) {
            return true;
        }
        return requestPath.startsWith(prefix)
                && (requestPath.length() == prefix.length() || requestPath.charAt(prefix.length()) == '/');
    }

    private static boolean headerMatches(Headers headers, Route.Condition condition) {
        if (condition.value() == null) {
            return headers.contains(condition.name());
        }
        List<String> values = headers.all(condition.name());
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).trim().equals(condition.value())) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(String[] values, String value) {
        for (String candidate : values) {
            if (candidate.equals(value)) {
                return true;
            }
        }
        return false;
    }
}
