package dev.gatehouse.proxy;

import static java.util.Objects.requireNonNull;

import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.filter.Filter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which requests go where: the conditions a request must meet (host, path, method, headers, query) and
 * what happens to it then (upstreams, balancing, filters, rewrites, timeouts).
 *
 * <pre>{@code
 * Route api = Route.builder("api")
 *         .host("api.example.com")
 *         .pathPrefix("/v1")
 *         .stripPrefix()                       // /v1/users -> /users upstream
 *         .upstreams(Upstream.of("10.0.0.11", 8080), Upstream.of("10.0.0.12", 8080))
 *         .responseTimeout(Duration.ofSeconds(10))
 *         .build();
 * }</pre>
 *
 * <p><b>Matching.</b> A route matches when every condition it has holds. Hosts match the request's host
 * without its port, ignoring case; {@code *.example.com} matches any name that ends in {@code .example.com}.
 * Paths match in one of three ways: {@link Builder#path exactly}, {@link Builder#pathPrefix by prefix} on
 * segment boundaries ({@code /api} matches {@code /api} and {@code /api/x}, never {@code /apix}), or
 * {@link Builder#pathTemplate by template} ({@code /users/{id}}). A route without a path condition matches
 * every path.
 *
 * <p><b>Precedence.</b> When several routes match, the most specific wins, in this order of tests:
 * <ol>
 *   <li>an exact host beats a wildcard host (the longer wildcard first), which beats no host condition;</li>
 *   <li>an exact path beats a template (more literal segments first), which beats a prefix (longer
 *       first), which beats no path condition;</li>
 *   <li>more method, header and query conditions beat fewer;</li>
 *   <li>otherwise the route added first wins.</li>
 * </ol>
 *
 * <p>Instances are immutable and thread-safe. Timeouts left unset take the proxy's defaults.
 */
public final class Route {

    /** How a route's path condition matches. */
    public enum PathKind {
        /** No path condition: every path matches. */
        ANY,
        /** The path equals the route's path. */
        EXACT,
        /** The path equals the prefix or continues it after a {@code /}. */
        PREFIX,
        /** The path matches a template of literal and {@code {name}} segments. */
        TEMPLATE
    }

    /** Which {@code Host} header the upstream gets. */
    public enum HostHeader {
        /** The client's host, as it was routed on (the default, like Envoy and HAProxy). */
        PRESERVE,
        /** The chosen upstream's {@code host:port}. */
        UPSTREAM,
        /** A fixed value set with {@link Builder#hostHeader(String)}. */
        FIXED
    }

    /**
     * A header or query condition: the field must be present and, when {@code value} is not null, equal it.
     * Header names ignore case; header and query values are compared exactly (query values after
     * percent-decoding).
     *
     * @param name the header or query parameter name
     * @param value the required value, or null to require presence only
     */
    public record Condition(String name, String value) {
        /** Checks the name. */
        public Condition {
            requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("condition name is empty");
            }
        }
    }

    private final String name;
    private final List<String> hosts;
    private final PathKind pathKind;
    private final String path;
    private final Set<String> methods;
    private final List<Condition> headerConditions;
    private final List<Condition> queryConditions;
    private final List<Upstream> upstreams;
    private final LoadBalancingStrategy loadBalancing;
    private final List<Filter> filters;
    private final boolean stripPrefix;
    private final String pathRewrite;
    private final HostHeader hostHeader;
    private final String fixedHost;
    private final Duration connectTimeout;
    private final Duration responseTimeout;
    private final Duration idleTimeout;
    private final RetryPolicy retryPolicy;

    private Route(Builder builder) {
        this.name = builder.name;
        this.hosts = List.copyOf(builder.hosts);
        this.pathKind = builder.pathKind;
        this.path = builder.path;
        this.methods = Collections.unmodifiableSet(new LinkedHashSet<>(builder.methods));
        this.headerConditions = List.copyOf(builder.headerConditions);
        this.queryConditions = List.copyOf(builder.queryConditions);
        this.upstreams = List.copyOf(builder.upstreams);
        this.loadBalancing = builder.loadBalancing;
        this.filters = List.copyOf(builder.filters);
        this.stripPrefix = builder.stripPrefix;
        this.pathRewrite = builder.pathRewrite;
        this.hostHeader = builder.hostHeader;
        this.fixedHost = builder.fixedHost;
        this.connectTimeout = builder.connectTimeout;
        this.responseTimeout = builder.responseTimeout;
        this.idleTimeout = builder.idleTimeout;
        this.retryPolicy = builder.retryPolicy;
    }

    /** Returns a new builder for a route named {@code name}; the name appears in logs and metrics. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Returns the name. */
    public String name() {
        return name;
    }

    /** Returns the host patterns in lower case; empty when any host matches. */
    public List<String> hosts() {
        return hosts;
    }

    /** Returns how the path condition matches. */
    public PathKind pathKind() {
        return pathKind;
    }

    /** Returns the path, prefix or template of the path condition; {@code /} for {@link PathKind#ANY}. */
    public String path() {
        return path;
    }

    /** Returns the methods that match; empty when any method matches. */
    public Set<String> methods() {
        return methods;
    }

    /** Returns the header conditions. */
    public List<Condition> headerConditions() {
        return headerConditions;
    }

    /** Returns the query-parameter conditions. */
    public List<Condition> queryConditions() {
        return queryConditions;
    }

    /** Returns the upstreams, in the order added. */
    public List<Upstream> upstreams() {
        return upstreams;
    }

    /** Returns the balancing strategy, or null for the proxy's default (round robin). */
    public LoadBalancingStrategy loadBalancing() {
        return loadBalancing;
    }

    /** Returns this route's filters, in the order they run (after the proxy's own filters). */
    public List<Filter> filters() {
        return filters;
    }

    /** Returns true when the matched prefix is removed from the path before forwarding. */
    public boolean stripsPrefix() {
        return stripPrefix;
    }

    /**
     * Returns the path rewrite, or null: a replacement prefix for prefix routes, a template such as
     * {@code /v2/users/{id}} for template routes, a replacement path for exact routes.
     */
    public String pathRewrite() {
        return pathRewrite;
    }

    /** Returns which Host header the upstream gets. */
    public HostHeader hostHeader() {
        return hostHeader;
    }

    /** Returns the fixed Host value when {@link #hostHeader()} is {@link HostHeader#FIXED}, else null. */
    public String fixedHost() {
        return fixedHost;
    }

    /** Returns the connect timeout, or null for the proxy's default. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Returns the time allowed from sending the request until the response head arrives, or null for the default. */
    public Duration responseTimeout() {
        return responseTimeout;
    }

    /** Returns the longest silence allowed between bytes once the response has started, or null for the default. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Returns the route's retry policy, or null for the proxy's. */
    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    /** Returns a builder initialised with this route, to derive a changed copy. */
    public Builder toBuilder() {
        Builder builder = new Builder(name);
        builder.hosts.addAll(hosts);
        builder.pathKind = pathKind;
        builder.path = path;
        builder.methods.addAll(methods);
        builder.headerConditions.addAll(headerConditions);
        builder.queryConditions.addAll(queryConditions);
        builder.upstreams.addAll(upstreams);
        builder.loadBalancing = loadBalancing;
        builder.filters.addAll(filters);
        builder.stripPrefix = stripPrefix;
        builder.pathRewrite = pathRewrite;
        builder.hostHeader = hostHeader;
        builder.fixedHost = fixedHost;
        builder.connectTimeout = connectTimeout;
        builder.responseTimeout = responseTimeout;
        builder.idleTimeout = idleTimeout;
        builder.retryPolicy = retryPolicy;
        return builder;
    }

    /** Returns a one-line description: name, conditions and upstreams. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Route[").append(name);
        if (!hosts.isEmpty()) {
            text.append(", hosts=").append(hosts);
        }
        if (pathKind != PathKind.ANY) {
            text.append(", ").append(pathKind.name().toLowerCase(Locale.ROOT)).append('=').append(path);
        }
        if (!methods.isEmpty()) {
            text.append(", methods=").append(methods);
        }
        return text.append(", upstreams=").append(upstreams).append(']').toString();
    }

    /**
     * Builds a {@link Route}. Repeatable parts ({@code host}, {@code methods}, {@code header}, {@code query},
     * {@code upstreams}, {@code filter}) add to what is there; setting a single-valued part twice throws
     * {@link IllegalStateException}. Mutable and not thread-safe; {@code build()} does not change it.
     */
    public static final class Builder {
        private final String name;
        private final List<String> hosts = new ArrayList<>();
        private PathKind pathKind = PathKind.ANY;
        private String path = "/";
        private final Set<String> methods = new LinkedHashSet<>();
        private final List<Condition> headerConditions = new ArrayList<>();
        private final List<Condition> queryConditions = new ArrayList<>();
        private final List<Upstream> upstreams = new ArrayList<>();
        private LoadBalancingStrategy loadBalancing;
        private final List<Filter> filters = new ArrayList<>();
        private boolean stripPrefix;
        private String pathRewrite;
        private HostHeader hostHeader = HostHeader.PRESERVE;
        private String fixedHost;
        private Duration connectTimeout;
        private Duration responseTimeout;
        private Duration idleTimeout;
        private RetryPolicy retryPolicy;

        private Builder(String name) {
            requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("route name is blank");
            }
            this.name = name;
        }

        /**
         * Adds host patterns: exact names ({@code api.example.com}), a wildcard for the leftmost labels
         * ({@code *.example.com}) or IP literals ({@code 10.0.0.1}, {@code ::1}). Ports are not part of a
         * pattern.
         */
        public Builder host(String... patterns) {
            requireNonNull(patterns, "patterns");
            for (String pattern : patterns) {
                hosts.add(checkHostPattern(pattern));
            }
            return this;
        }

        /** Matches only the path {@code path} exactly. */
        public Builder path(String path) {
            return pathCondition(PathKind.EXACT, checkPath("path", path));
        }

        /**
         * Matches {@code prefix} and every path below it on a segment boundary: {@code /api} (or
         * {@code /api/}) matches {@code /api}, {@code /api/} and {@code /api/users}, not {@code /apix}.
         */
        public Builder pathPrefix(String prefix) {
            String checked = checkPath("pathPrefix", prefix);
            if (checked.length() > 1 && checked.endsWith("/")) {
                checked = checked.substring(0, checked.length() - 1);
            }
            return pathCondition(PathKind.PREFIX, checked);
        }

        /**
         * Matches a template of segments: literal segments match themselves, {@code {name}} matches any one
         * non-empty segment, and a last segment {@code {*name}} matches the rest of the path (possibly
         * empty). Captured values are available from
         * {@link dev.gatehouse.proxy.filter.ProxyExchange#pathParameters()}.
         */
        public Builder pathTemplate(String template) {
            String checked = checkPath("pathTemplate", template);
            templateNames(checked);
            return pathCondition(PathKind.TEMPLATE, checked);
        }

        /** Adds methods that match, such as {@code "GET", "HEAD"}; any method matches when none is added. */
        public Builder methods(String... methods) {
            requireNonNull(methods, "methods");
            for (String method : methods) {
                requireNonNull(method, "method");
                if (method.isEmpty()) {
                    throw new IllegalArgumentException("method is empty");
                }
                for (int i = 0; i < method.length(); i++) {
                    if (!Headers.isTokenChar(method.charAt(i))) {
                        throw new IllegalArgumentException("method: \"" + method + "\" (expected: an RFC 9110 token)");
                    }
                }
                this.methods.add(method);
            }
            return this;
        }

        /** Requires header {@code name} to have a line whose value equals {@code value}. */
        public Builder header(String name, String value) {
            Headers.checkName(name);
            headerConditions.add(new Condition(name, requireNonNull(value, "value")));
            return this;
        }

        /** Requires header {@code name} to be present, with any value. */
        public Builder headerPresent(String name) {
            Headers.checkName(name);
            headerConditions.add(new Condition(name, null));
            return this;
        }

        /** Requires query parameter {@code name} to have the value {@code value} (compared after percent-decoding). */
        public Builder query(String name, String value) {
            queryConditions.add(new Condition(name, requireNonNull(value, "value")));
            return this;
        }

        /** Requires query parameter {@code name} to be present, with any value. */
        public Builder queryPresent(String name) {
            queryConditions.add(new Condition(name, null));
            return this;
        }

        /** Adds upstreams. */
        public Builder upstreams(Upstream... upstreams) {
            requireNonNull(upstreams, "upstreams");
            for (Upstream upstream : upstreams) {
                this.upstreams.add(requireNonNull(upstream, "upstream"));
            }
            return this;
        }

        /** Adds upstreams. */
        public Builder upstreams(List<Upstream> upstreams) {
            return upstreams(requireNonNull(upstreams, "upstreams").toArray(new Upstream[0]));
        }

        /** Sets how requests are spread over the upstreams; round robin when not set. */
        public Builder loadBalancing(LoadBalancingStrategy strategy) {
            checkUnset("loadBalancing", loadBalancing);
            this.loadBalancing = requireNonNull(strategy, "strategy");
            return this;
        }

        /** Adds a filter that runs for this route only, after the proxy's filters and the route's earlier ones. */
        public Builder filter(Filter filter) {
            filters.add(requireNonNull(filter, "filter"));
            return this;
        }

        /**
         * Removes the matched prefix before forwarding, on a segment boundary: with prefix {@code /api},
         * {@code /api/users} goes upstream as {@code /users} and {@code /api} as {@code /}. Prefix routes only.
         */
        public Builder stripPrefix() {
            if (stripPrefix) {
                throw new IllegalStateException("stripPrefix was already set");
            }
            this.stripPrefix = true;
            return this;
        }

        /**
         * Rewrites the path before forwarding. For a prefix route, {@code rewrite} replaces the matched prefix
         * ({@code /api} rewritten to {@code /v2} sends {@code /api/users} as {@code /v2/users}); for a template
         * route it is a template of the captured names ({@code /v2/users/{id}}); for an exact route it
         * replaces the path.
         */
        public Builder rewritePath(String rewrite) {
            checkUnset("rewritePath", pathRewrite);
            this.pathRewrite = checkPath("rewritePath", rewrite);
            return this;
        }

        /** Sends the upstream's own {@code host:port} as the Host header instead of the client's. */
        public Builder rewriteHostToUpstream() {
            checkUnset("hostHeader", hostHeader == HostHeader.PRESERVE ? null : hostHeader);
            this.hostHeader = HostHeader.UPSTREAM;
            return this;
        }

        /** Sends {@code host} as the Host header instead of the client's. */
        public Builder hostHeader(String host) {
            checkUnset("hostHeader", hostHeader == HostHeader.PRESERVE ? null : hostHeader);
            requireNonNull(host, "host");
            ProxyRequest.builder().authority(host);    // same rules as a request's authority
            if (host.isEmpty()) {
                throw new IllegalArgumentException("hostHeader is empty");
            }
            this.hostHeader = HostHeader.FIXED;
            this.fixedHost = host.toLowerCase(Locale.ROOT);
            return this;
        }

        /** Sets how long connecting to an upstream may take. */
        public Builder connectTimeout(Duration timeout) {
            checkUnset("connectTimeout", connectTimeout);
            this.connectTimeout = checkTimeout("connectTimeout", timeout);
            return this;
        }

        /** Sets how long the response head may take to arrive after the request was sent. */
        public Builder responseTimeout(Duration timeout) {
            checkUnset("responseTimeout", responseTimeout);
            this.responseTimeout = checkTimeout("responseTimeout", timeout);
            return this;
        }

        /** Sets the longest silence allowed between bytes of a transfer in either direction. */
        public Builder idleTimeout(Duration timeout) {
            checkUnset("idleTimeout", idleTimeout);
            this.idleTimeout = checkTimeout("idleTimeout", timeout);
            return this;
        }

        /** Sets the route's retry policy, in place of the proxy's ({@link RetryPolicy#none()} turns retries off). */
        public Builder retryPolicy(RetryPolicy policy) {
            checkUnset("retryPolicy", retryPolicy);
            this.retryPolicy = requireNonNull(policy, "retryPolicy");
            return this;
        }

        /**
         * Returns the route.
         *
         * @throws IllegalStateException if the route has no upstreams, or a rewrite does not fit its path
         *     condition
         */
        public Route build() {
            if (upstreams.isEmpty()) {
                throw new IllegalStateException("route '" + name + "' has no upstreams");
            }
            if (stripPrefix && pathKind != PathKind.PREFIX) {
                throw new IllegalStateException("route '" + name + "': stripPrefix needs a pathPrefix (path condition: "
                        + pathKind.name().toLowerCase(Locale.ROOT) + ")");
            }
            if (stripPrefix && pathRewrite != null) {
                throw new IllegalStateException("route '" + name + "': stripPrefix and rewritePath(\"" + pathRewrite
                        + "\") both rewrite the path (expected: one of them)");
            }
            if (pathRewrite != null) {
                if (pathKind == PathKind.ANY) {
                    throw new IllegalStateException("route '" + name + "': rewritePath needs a path condition");
                }
                List<String> used = templateNames(pathRewrite);
                if (pathKind == PathKind.TEMPLATE) {
                    List<String> captured = templateNames(path);
                    for (String variable : used) {
                        if (!captured.contains(variable)) {
                            throw new IllegalStateException("route '" + name + "': rewritePath uses {" + variable
                                    + "}, which the template " + path + " does not capture (captures: " + captured + ")");
                        }
                    }
                } else if (!used.isEmpty()) {
                    throw new IllegalStateException("route '" + name + "': rewritePath(\"" + pathRewrite
                            + "\") uses variables, which only a pathTemplate captures");
                }
            }
            return new Route(this);
        }

        private Builder pathCondition(PathKind kind, String value) {
            if (pathKind != PathKind.ANY) {
                throw new IllegalStateException("path condition was already set: "
                        + pathKind.name().toLowerCase(Locale.ROOT) + " " + path);
            }
            this.pathKind = kind;
            this.path = value;
            return this;
        }

        private static void checkUnset(String property, Object current) {
            if (current != null) {
                throw new IllegalStateException(property + " was already set: " + current);
            }
        }

        private static Duration checkTimeout(String property, Duration timeout) {
            requireNonNull(timeout, property);
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(property + ": " + timeout + " (expected: > 0)");
            }
            return timeout;
        }

        private static String checkPath(String property, String path) {
            requireNonNull(path, property);
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException(property + ": \"" + path + "\" (expected: a path that starts with /)");
            }
            for (int i = 0; i < path.length(); i++) {
                char c = path.charAt(i);
                if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#') {
                    throw new IllegalArgumentException(property + ": \"" + path + "\" has an invalid character at index "
                            + i + " (expected: visible ASCII without ? or #)");
                }
            }
            return path;
        }

        private static String checkHostPattern(String pattern) {
            requireNonNull(pattern, "host");
            String lower = pattern.toLowerCase(Locale.ROOT);
            if (lower.startsWith("[") && lower.endsWith("]")) {
                lower = lower.substring(1, lower.length() - 1);     // IPv6 literals match without brackets
            }
            if (lower.indexOf(':') >= 0 && !lower.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                throw new IllegalArgumentException("host: \"" + pattern
                        + "\" (expected: a name without a port, such as api.example.com, or an IPv6 literal)");
            }
            String rest = lower.startsWith("*.") ? lower.substring(2) : lower;
            if (rest.isEmpty()) {
                throw new IllegalArgumentException("host: \"" + pattern + "\" (expected: a name such as api.example.com or *.example.com)");
            }
            for (int i = 0; i < rest.length(); i++) {
                char c = rest.charAt(i);
                boolean ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
                        || c == ':';
                if (!ok) {
                    throw new IllegalArgumentException("host: \"" + pattern + "\" has an invalid character '" + c
                            + "' (expected: a name such as api.example.com or *.example.com, without a port)");
                }
            }
            return lower;
        }

        /** Returns the variable names of a template, checking its syntax. */
        static List<String> templateNames(String template) {
            List<String> names = new ArrayList<>();
            String[] segments = template.substring(1).split("/", -1);
            for (int i = 0; i < segments.length; i++) {
                String segment = segments[i];
                int open = segment.indexOf('{');
                int close = segment.indexOf('}');
                if (open < 0 && close < 0) {
                    continue;
                }
                if (open != 0 || close != segment.length() - 1) {
                    throw new IllegalArgumentException("template: \"" + template + "\" segment \"" + segment
                            + "\" (expected: a variable such as {id} to fill a whole segment)");
                }
                String variable = segment.substring(1, segment.length() - 1);
                boolean rest = variable.startsWith("*");
                if (rest) {
                    variable = variable.substring(1);
                    if (i != segments.length - 1) {
                        throw new IllegalArgumentException("template: \"" + template + "\" has {*" + variable
                                + "} before the last segment (expected: only as the last segment)");
                    }
                }
                if (variable.isEmpty() || !Character.isJavaIdentifierStart(variable.charAt(0))
                        || !variable.chars().allMatch(Character::isJavaIdentifierPart)) {
                    throw new IllegalArgumentException("template: \"" + template + "\" has variable \"" + variable
                            + "\" (expected: a name of letters, digits and _)");
                }
                if (names.contains(variable)) {
                    throw new IllegalArgumentException("template: \"" + template + "\" captures {" + variable + "} twice");
                }
                names.add(variable);
            }
            return names;
        }
    }
}
