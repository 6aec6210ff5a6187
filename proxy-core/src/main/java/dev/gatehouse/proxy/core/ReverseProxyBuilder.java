package dev.gatehouse.proxy.core;

import static java.util.Objects.requireNonNull;

import dev.gatehouse.proxy.RetryPolicy;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.core.internal.balancer.Balancing;
import dev.gatehouse.proxy.core.internal.headers.TrustedProxies;
import dev.gatehouse.proxy.core.internal.server.ClientLimits;
import dev.gatehouse.proxy.core.internal.server.PathPolicy;
import dev.gatehouse.proxy.core.internal.server.ProxyConfig;
import dev.gatehouse.proxy.core.internal.server.ProxyServer;
import dev.gatehouse.proxy.filter.Filter;
import dev.gatehouse.proxy.health.HealthChecker;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds a {@link ReverseProxy}.
 *
 * <p>Repeatable parts ({@link #listen}, {@link #route}, {@link #filter}, {@link #trustedProxies}) add to
 * what is there; setting a single-valued property twice throws {@link IllegalStateException} quoting the
 * earlier value. {@link #build()} checks everything and returns an unstarted, immutable proxy; it does not
 * change the builder, which can be reused. Mutable and not thread-safe.
 *
 * <p>Defaults: connect timeout 5 s, response timeout 60 s, idle timeout 60 s, client keep-alive 60 s,
 * drain 30 s, idle upstream connections kept 30 s, one I/O thread per processor, {@code Via} name
 * {@code gatehouse}, no trusted proxies, no active health checks, passive health checking after 5
 * failures (30 s ejections, at most half the upstreams), panic mode below 50 % available, no slow start,
 * at most 1024 connections and 1024 waiting requests per upstream.
 */
public final class ReverseProxyBuilder {

    private final List<InetSocketAddress> listeners = new ArrayList<>();
    private final List<Route> routes = new ArrayList<>();
    private final List<Filter> filters = new ArrayList<>();
    private final List<String> trustedProxies = new ArrayList<>();
    private final List<String> removedRequestHeaders = new ArrayList<>();
    private Duration connectTimeout;
    private Duration responseTimeout;
    private Duration idleTimeout;
    private Duration keepAliveTimeout;
    private Duration drainTimeout;
    private Duration upstreamIdleTimeout;
    private Duration expectContinueTimeout;
    private String viaName;
    private String name;
    private Integer ioThreads;
    private HealthChecker healthChecker;
    private Duration healthInterval;
    private Duration healthTimeout;
    private Integer healthRise;
    private Integer healthFall;
    private Integer consecutiveFailures;
    private Duration baseEjection;
    private Integer maxEjectionPercent;
    private Integer panicThreshold;
    private Duration slowStart;
    private Integer maxConnections;
    private Integer maxPending;
    private Integer maxRequests;
    private Integer maxRetries;
    private RetryPolicy retryPolicy;
    private Integer maxRequestLine;
    private Integer maxHeaderBytes;
    private Integer maxHeaders;
    private Long maxRequestBody;
    private Duration requestHeadTimeout;
    private Duration requestBodyIdleTimeout;
    private Integer maxClientConnections;
    private Integer maxPipelined;
    private Boolean rejectEncodedSlashes;
    private Boolean mergeSlashes;

    ReverseProxyBuilder() {
    }

    /** Adds a listener; port 0 picks a free port at {@link ReverseProxy#start()}. */
    public ReverseProxyBuilder listen(InetSocketAddress address) {
        requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("listen address: " + address + " cannot be resolved");
        }
        listeners.add(address);
        return this;
    }

    /** Adds a listener on {@code host:port}; port 0 picks a free port. */
    public ReverseProxyBuilder listen(String host, int port) {
        requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0 to 65535)");
        }
        return listen(new InetSocketAddress(host, port));
    }

    /**
     * Adds a route. When several routes match a request, the most specific wins (see {@link Route}); route
     * names must be unique.
     */
    public ReverseProxyBuilder route(Route route) {
        routes.add(requireNonNull(route, "route"));
        return this;
    }

    /**
     * Adds a filter that runs for every request, before the route's filters. Proxy-level filters run in the
     * order added, also for requests that match no route (the 404 comes after them).
     */
    public ReverseProxyBuilder filter(Filter filter) {
        filters.add(requireNonNull(filter, "filter"));
        return this;
    }

    /**
     * Adds peers whose forwarding headers ({@code X-Forwarded-*}, {@code Forwarded}) are believed and
     * appended to: IP addresses or CIDR blocks such as {@code 10.0.0.0/8} or {@code ::1}. From any other peer
     * those headers are replaced.
     */
    public ReverseProxyBuilder trustedProxies(String... addressesOrBlocks) {
        requireNonNull(addressesOrBlocks, "addressesOrBlocks");
        List<String> entries = List.of(addressesOrBlocks);
        TrustedProxies.parse(entries);        // fails here on a bad entry
        trustedProxies.addAll(entries);
        return this;
    }

    /** Sets the default time allowed to connect to an upstream; routes can override it. */
    public ReverseProxyBuilder connectTimeout(Duration timeout) {
        connectTimeout = set("connectTimeout", connectTimeout, positive("connectTimeout", timeout));
        return this;
    }

    /** Sets the default time allowed from sending a request until the response head arrives. */
    public ReverseProxyBuilder responseTimeout(Duration timeout) {
        responseTimeout = set("responseTimeout", responseTimeout, positive("responseTimeout", timeout));
        return this;
    }

    /** Sets the default longest silence allowed between bytes of a transfer. */
    public ReverseProxyBuilder idleTimeout(Duration timeout) {
        idleTimeout = set("idleTimeout", idleTimeout, positive("idleTimeout", timeout));
        return this;
    }

    /** Sets how long an idle client connection stays open between requests. */
    public ReverseProxyBuilder keepAliveTimeout(Duration timeout) {
        keepAliveTimeout = set("keepAliveTimeout", keepAliveTimeout, positive("keepAliveTimeout", timeout));
        return this;
    }

    /** Sets how long {@link ReverseProxy#close()} lets exchanges in flight finish before cutting them. */
    public ReverseProxyBuilder drainTimeout(Duration timeout) {
        requireNonNull(timeout, "drainTimeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout: " + timeout + " (expected: >= 0)");
        }
        drainTimeout = set("drainTimeout", drainTimeout, timeout);
        return this;
    }

    /**
     * Sets how long an unused upstream connection stays in the pool. Keep it below the upstreams' own
     * keep-alive timeout, so the proxy closes idle connections before the upstream does.
     */
    public ReverseProxyBuilder upstreamIdleTimeout(Duration timeout) {
        upstreamIdleTimeout = set("upstreamIdleTimeout", upstreamIdleTimeout, positive("upstreamIdleTimeout", timeout));
        return this;
    }

    /**
     * Sets how long the proxy waits for an upstream's {@code 100 Continue} before it sends the body of a
     * request that carried {@code Expect: 100-continue} anyway; 1 s by default.
     */
    public ReverseProxyBuilder expectContinueTimeout(Duration timeout) {
        expectContinueTimeout = set("expectContinueTimeout", expectContinueTimeout,
                positive("expectContinueTimeout", timeout));
        return this;
    }

    /** Sets the pseudonym this proxy writes into {@code Via} headers; {@code gatehouse} by default. */
    public ReverseProxyBuilder viaName(String name) {
        requireNonNull(name, "viaName");
        if (name.isEmpty() || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ',' && c != '(' && c != ')')) {
            throw new IllegalArgumentException("viaName: \"" + name + "\" (expected: a token without spaces or commas)");
        }
        viaName = set("viaName", viaName, name);
        return this;
    }

    /** Sets the number of I/O threads; one per available processor by default. */
    public ReverseProxyBuilder ioThreads(int threads) {
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("ioThreads: " + threads + " (expected: 1 to 1024)");
        }
        ioThreads = set("ioThreads", ioThreads, threads);
        return this;
    }

    /** Sets the prefix of the proxy's thread names; {@code gatehouse} by default. */
    public ReverseProxyBuilder name(String name) {
        requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name is blank");
        }
        this.name = set("name", this.name, name);
        return this;
    }

    /**
     * Checks every upstream actively: {@code checker} runs every {@code interval} (with up to 10 % jitter)
     * per upstream, on connections of its own. An upstream is taken out after {@code fall} failed checks in
     * a row and back after {@code rise} passed ones (see {@link #healthThresholds}); each change is logged
     * at WARN. Off unless set.
     */
    public ReverseProxyBuilder healthCheck(HealthChecker checker, Duration interval) {
        requireNonNull(checker, "checker");
        healthInterval = set("healthCheck interval", healthInterval, positive("interval", interval));
        healthChecker = checker;
        return this;
    }

    /** Sets how long one health check may take before it counts as failed; 2 s by default. */
    public ReverseProxyBuilder healthCheckTimeout(Duration timeout) {
        healthTimeout = set("healthCheckTimeout", healthTimeout, positive("healthCheckTimeout", timeout));
        return this;
    }

    /**
     * Sets how many passed checks in a row make an unhealthy upstream healthy ({@code rise}, 2 by default)
     * and how many failed ones make a healthy upstream unhealthy ({@code fall}, 3 by default).
     */
    public ReverseProxyBuilder healthThresholds(int rise, int fall) {
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("healthThresholds: rise " + rise + ", fall " + fall + " (expected: >= 1)");
        }
        healthRise = set("healthThresholds", healthRise, rise);
        healthFall = fall;
        return this;
    }

    /**
     * Sets passive health checking: an upstream that fails {@code consecutiveFailures} exchanges in a row
     * (5xx responses, refused or reset connections, timeouts) is ejected for {@code baseEjectionTime},
     * longer each time it is ejected again (up to ten times that). 0 failures turns it off. By default 5
     * failures and 30 s.
     */
    public ReverseProxyBuilder outlierDetection(int consecutiveFailures, Duration baseEjectionTime) {
        if (consecutiveFailures < 0) {
            throw new IllegalArgumentException("consecutiveFailures: " + consecutiveFailures + " (expected: >= 0)");
        }
        this.consecutiveFailures = set("outlierDetection", this.consecutiveFailures, consecutiveFailures);
        baseEjection = positive("baseEjectionTime", baseEjectionTime);
        return this;
    }

    /** Sets the largest share of all upstreams (percent) that passive checking may eject at once; 50 by default. */
    public ReverseProxyBuilder maxEjectionPercent(int percent) {
        maxEjectionPercent = set("maxEjectionPercent", maxEjectionPercent, percent("maxEjectionPercent", percent));
        return this;
    }

    /**
     * Sets the panic threshold (percent): when fewer of a route's upstreams than this are available, the
     * route spreads requests over all of them, healthy or not, rather than overload the rest (Envoy's
     * default, 50). 0 turns panic mode off: the route then answers 503 when none is available.
     */
    public ReverseProxyBuilder panicThreshold(int percent) {
        panicThreshold = set("panicThreshold", panicThreshold, percent("panicThreshold", percent));
        return this;
    }

    /**
     * Turns slow start on: an upstream that joins, or recovers from a failed health check or an ejection,
     * starts with a tenth of its weight and reaches all of it linearly over {@code window}. Weighted
     * strategies (all but plain round robin, random and consistent hashing) honour it. Off by default.
     */
    public ReverseProxyBuilder slowStart(Duration window) {
        slowStart = set("slowStart", slowStart, positive("slowStart", window));
        return this;
    }

    /**
     * Sets the most connections the proxy opens to each upstream (1024 by default). At the limit a request
     * waits for a connection to come free, up to its route's connect timeout, in a queue of at most
     * {@link #maxPendingPerUpstream} requests; beyond that it gets a 503 at once.
     */
    public ReverseProxyBuilder maxConnectionsPerUpstream(int connections) {
        if (connections < 1) {
            throw new IllegalArgumentException("maxConnectionsPerUpstream: " + connections + " (expected: >= 1)");
        }
        maxConnections = set("maxConnectionsPerUpstream", maxConnections, connections);
        return this;
    }

    /** Sets how many requests may wait for a connection to one upstream at its limit (1024 by default); 0 for none. */
    public ReverseProxyBuilder maxPendingPerUpstream(int requests) {
        if (requests < 0) {
            throw new IllegalArgumentException("maxPendingPerUpstream: " + requests + " (expected: >= 0)");
        }
        maxPending = set("maxPendingPerUpstream", maxPending, requests);
        return this;
    }

    /**
     * Sets the most requests one upstream may have at once, over all routes, on a connection or waiting for
     * one (2048 by default); beyond it a request gets a 503 at once. Envoy's {@code max_requests}.
     */
    public ReverseProxyBuilder maxRequestsPerUpstream(int requests) {
        if (requests < 1) {
            throw new IllegalArgumentException("maxRequestsPerUpstream: " + requests + " (expected: >= 1)");
        }
        maxRequests = set("maxRequestsPerUpstream", maxRequests, requests);
        return this;
    }

    /**
     * Sets the most retries one upstream may have at once, over all routes (64 by default); a retry beyond it
     * is not made and the client gets the failure. Envoy's {@code max_retries}; 0 turns retries off.
     */
    public ReverseProxyBuilder maxRetriesPerUpstream(int retries) {
        if (retries < 0) {
            throw new IllegalArgumentException("maxRetriesPerUpstream: " + retries + " (expected: >= 0)");
        }
        maxRetries = set("maxRetriesPerUpstream", maxRetries, retries);
        return this;
    }

    /**
     * Sets the retry policy of routes that set none; {@link RetryPolicy#defaults()} (one retry on a connect
     * failure or a reset) when unset, {@link RetryPolicy#none()} for no retries.
     */
    public ReverseProxyBuilder retryPolicy(RetryPolicy policy) {
        retryPolicy = set("retryPolicy", retryPolicy, requireNonNull(policy, "retryPolicy"));
        return this;
    }

    /**
     * Removes these request fields at the edge, whoever sends them: fields a backend trusts because only the
     * platform sets them ({@code X-Original-URL}, {@code X-Rewrite-URL}, identity or control fields). Adds to
     * the list; none by default.
     */
    public ReverseProxyBuilder removeRequestHeaders(String... names) {
        for (String name : names) {
            if (name == null || !dev.gatehouse.proxy.core.internal.headers.HeaderRules.isToken(name)) {
                throw new IllegalArgumentException("removeRequestHeaders: \"" + name + "\" (expected: a header name)");
            }
            removedRequestHeaders.add(name);
        }
        return this;
    }

    /** Sets the longest request line, in bytes (8 KiB by default); a longer one gets 431 and a close. */
    public ReverseProxyBuilder maxRequestLine(int bytes) {
        maxRequestLine = set("maxRequestLine", maxRequestLine, atLeast("maxRequestLine", bytes, 64));
        return this;
    }

    /**
     * Sets the most bytes of request line and header fields together (64 KiB by default); more get 431 and a
     * close. Trailers have a budget of the same size.
     */
    public ReverseProxyBuilder maxHeaderBytes(int bytes) {
        maxHeaderBytes = set("maxHeaderBytes", maxHeaderBytes, atLeast("maxHeaderBytes", bytes, 256));
        return this;
    }

    /** Sets the most header fields in a request, and trailer fields (100 by default); more get 431 and a close. */
    public ReverseProxyBuilder maxHeaders(int count) {
        maxHeaders = set("maxHeaders", maxHeaders, atLeast("maxHeaders", count, 1));
        return this;
    }

    /**
     * Sets the largest request body, in bytes (no limit by default, as Envoy and HAProxy): a larger
     * {@code Content-Length} gets 413 before the body is read; a chunked body that grows past it gets 413 if
     * the response has not started, else the connection is cut. Either way the connection is then closed.
     */
    public ReverseProxyBuilder maxRequestBody(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("maxRequestBody: " + bytes + " (expected: >= 0)");
        }
        maxRequestBody = set("maxRequestBody", maxRequestBody, bytes);
        return this;
    }

    /**
     * Sets the longest time from a request head's first byte to its last (10 s by default), however slowly
     * the bytes come (slowloris): the connection is closed when it passes. HAProxy's {@code timeout http-request}.
     */
    public ReverseProxyBuilder requestHeadTimeout(Duration timeout) {
        requestHeadTimeout = set("requestHeadTimeout", requestHeadTimeout, positive("requestHeadTimeout", timeout));
        return this;
    }

    /**
     * Sets the longest silence between bytes of a request body while the proxy is ready to read it (30 s by
     * default; slow POST): the client gets 408 and the connection is closed. nginx's {@code client_body_timeout}.
     */
    public ReverseProxyBuilder requestBodyIdleTimeout(Duration timeout) {
        requestBodyIdleTimeout = set("requestBodyIdleTimeout", requestBodyIdleTimeout,
                positive("requestBodyIdleTimeout", timeout));
        return this;
    }

    /** Sets the most client connections open at once (10,000 by default); more are closed as they come. */
    public ReverseProxyBuilder maxClientConnections(int connections) {
        maxClientConnections = set("maxClientConnections", maxClientConnections,
                atLeast("maxClientConnections", connections, 1));
        return this;
    }

    /**
     * Sets the most requests a client may pipeline on one connection before their responses are out (16 by
     * default); beyond it the connection is closed, as Envoy does against response floods.
     */
    public ReverseProxyBuilder maxPipelinedRequests(int requests) {
        maxPipelined = set("maxPipelinedRequests", maxPipelined, atLeast("maxPipelinedRequests", requests, 1));
        return this;
    }

    /**
     * Sets whether {@code %2F} and {@code %5C} in a path are refused with 400 (true, the default) or kept
     * encoded. They are never decoded: a backend that decodes them would see other segments than the routes.
     */
    public ReverseProxyBuilder rejectEncodedSlashes(boolean reject) {
        rejectEncodedSlashes = set("rejectEncodedSlashes", rejectEncodedSlashes, reject);
        return this;
    }

    /** Sets whether runs of slashes in a path are merged into one before routing and forwarding (true by default). */
    public ReverseProxyBuilder mergeSlashes(boolean merge) {
        mergeSlashes = set("mergeSlashes", mergeSlashes, merge);
        return this;
    }

    /**
     * Checks the configuration and returns an unstarted proxy.
     *
     * @throws IllegalStateException if there is no listener, or two routes share a name
     */
    public ReverseProxy build() {
        if (listeners.isEmpty()) {
            throw new IllegalStateException("no listener (expected: at least one listen(...))");
        }
        Set<String> names = new HashSet<>();
        for (Route route : routes) {
            if (!names.add(route.name())) {
                throw new IllegalStateException("route name '" + route.name() + "' is used twice (expected: unique names)");
            }
        }
        ProxyConfig config = new ProxyConfig(
                name != null ? name : "gatehouse",
                listeners,
                routes,
                filters,
                or(connectTimeout, Duration.ofSeconds(5)),
                or(responseTimeout, Duration.ofSeconds(60)),
                or(idleTimeout, Duration.ofSeconds(60)),
                or(keepAliveTimeout, Duration.ofSeconds(60)),
                or(drainTimeout, Duration.ofSeconds(30)),
                or(upstreamIdleTimeout, Duration.ofSeconds(30)),
                trustedProxies,
                viaName != null ? viaName : "gatehouse",
                ioThreads != null ? ioThreads : Runtime.getRuntime().availableProcessors(),
                or(expectContinueTimeout, Duration.ofSeconds(1)),
                healthChecker,
                or(healthInterval, Duration.ofSeconds(5)),
                or(healthTimeout, Duration.ofSeconds(2)),
                healthRise != null ? healthRise : 2,
                healthFall != null ? healthFall : 3,
                new Balancing(
                        panicThreshold != null ? panicThreshold : Balancing.DEFAULTS.panicThreshold(),
                        or(slowStart, Duration.ZERO),
                        consecutiveFailures != null ? consecutiveFailures : Balancing.DEFAULTS.consecutiveFailures(),
                        or(baseEjection, Balancing.DEFAULTS.baseEjection()),
                        or(baseEjection, Balancing.DEFAULTS.baseEjection()).multipliedBy(10),
                        maxEjectionPercent != null ? maxEjectionPercent : Balancing.DEFAULTS.maxEjectionPercent(),
                        maxConnections != null ? maxConnections : Balancing.DEFAULTS.maxConnections(),
                        maxPending != null ? maxPending : Balancing.DEFAULTS.maxPending(),
                        maxRequests != null ? maxRequests : Balancing.DEFAULTS.maxRequests(),
                        maxRetries != null ? maxRetries : Balancing.DEFAULTS.maxRetries()),
                retryPolicy != null ? retryPolicy : RetryPolicy.defaults(),
                new ClientLimits(
                        maxRequestLine != null ? maxRequestLine : ClientLimits.DEFAULTS.maxRequestLine(),
                        maxHeaderBytes != null ? maxHeaderBytes : ClientLimits.DEFAULTS.maxHeaderBytes(),
                        maxHeaders != null ? maxHeaders : ClientLimits.DEFAULTS.maxHeaders(),
                        maxRequestBody != null ? maxRequestBody : ClientLimits.DEFAULTS.maxBody(),
                        or(requestHeadTimeout, ClientLimits.DEFAULTS.headTimeout()),
                        or(requestBodyIdleTimeout, ClientLimits.DEFAULTS.bodyIdleTimeout()),
                        maxClientConnections != null ? maxClientConnections : ClientLimits.DEFAULTS.maxConnections(),
                        maxPipelined != null ? maxPipelined : ClientLimits.DEFAULTS.maxPipelined()),
                new PathPolicy(
                        rejectEncodedSlashes != null ? rejectEncodedSlashes : PathPolicy.DEFAULTS.rejectEncodedSlashes(),
                        mergeSlashes != null ? mergeSlashes : PathPolicy.DEFAULTS.mergeSlashes()),
                removedRequestHeaders);
        return new ReverseProxy(new ProxyServer(config));
    }

    private static <T> T set(String property, T current, T value) {
        if (current != null) {
            throw new IllegalStateException(property + " was already set: " + current);
        }
        return value;
    }

    private static int atLeast(String property, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(property + ": " + value + " (expected: >= " + min + ")");
        }
        return value;
    }

    private static int percent(String property, int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException(property + ": " + percent + " (expected: 0 to 100)");
        }
        return percent;
    }

    private static Duration positive(String property, Duration timeout) {
        requireNonNull(timeout, property);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(property + ": " + timeout + " (expected: > 0)");
        }
        return timeout;
    }

    private static Duration or(Duration value, Duration fallback) {
        return value != null ? value : fallback;
    }
}
