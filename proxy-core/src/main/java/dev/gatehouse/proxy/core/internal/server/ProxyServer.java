package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.core.internal.balancer.RoundRobinStrategy;
import dev.gatehouse.proxy.core.internal.balancer.UpstreamGroup;
import dev.gatehouse.proxy.core.internal.client.UpstreamState;
import dev.gatehouse.proxy.core.internal.exchange.Exchange;
import dev.gatehouse.proxy.core.internal.headers.HeaderRules;
import dev.gatehouse.proxy.core.internal.headers.TrustedProxies;
import dev.gatehouse.proxy.core.internal.log.RateLimitedLog;
import dev.gatehouse.proxy.core.internal.reactor.IoReactor;
import dev.gatehouse.proxy.core.internal.routing.RouteTable;
import dev.gatehouse.proxy.filter.Filter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.reactor.IOReactorStatus;
import org.apache.hc.core5.reactor.ListenerEndpoint;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy behind {@code ReverseProxy}: the reactor, the listeners, the route table, the
 * upstreams' state, the open client connections and the count of exchanges in flight that a drain waits
 * for. Thread-safe.
 */
public final class ProxyServer {

    private static final Logger logger = LoggerFactory.getLogger(ProxyServer.class);

    private enum State { NEW, RUNNING, DRAINING, STOPPED }

    private final ProxyConfig config;
    private final IoReactor reactor;
    private final RouteTable<RouteRuntime> routes;
    private final Filter[] proxyFilters;
    private final Map<String, UpstreamState> upstreams;
    private final HeaderRules headerRules;
    private final Timeout keepAliveTimeout;
    private final Timeout activeTimeout;
    private final Set<DownstreamConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ReentrantLock stateLock = new ReentrantLock();
    private final Condition idle = stateLock.newCondition();
    private final long[] exchangeCounters;
    private final RateLimitedLog upstreamFailures;
    private final RateLimitedLog filterFailures;
    private final List<ListenerEndpoint> endpoints = new ArrayList<>();
    private volatile List<InetSocketAddress> addresses = List.of();
    private volatile State state = State.NEW;

    /** Prepares everything; binds nothing until {@link #start()}. */
    public ProxyServer(ProxyConfig config) {
        this.config = config;
        this.keepAliveTimeout = Timeout.of(config.keepAliveTimeout());
        Duration longest = max(config.responseTimeout(), config.idleTimeout());
        for (Route route : config.routes()) {
            longest = max(longest, route.responseTimeout() != null ? route.responseTimeout() : longest);
            longest = max(longest, route.idleTimeout() != null ? route.idleTimeout() : longest);
        }
        // While exchanges are in flight the client socket may stay silent as long as an upstream may:
        // the upstream timeouts fire first and the client gets a 504 instead of a closed connection.
        this.activeTimeout = Timeout.of(longest.plusSeconds(5));
        this.headerRules = new HeaderRules(TrustedProxies.parse(config.trustedProxies()), config.viaName());
        Http1Config serverHttp = Http1Config.custom()
                .setInitialWindowSize(Exchange.WINDOW)
                .build();
        Http1Config clientHttp = Http1Config.custom()
                .setInitialWindowSize(Exchange.WINDOW)
                .setWaitForContinueTimeout(Timeout.of(config.expectContinueTimeout()))
                .build();
        IOReactorConfig reactorConfig = IOReactorConfig.custom()
                .setSoTimeout(keepAliveTimeout)
                .setSelectInterval(TimeValue.ofMilliseconds(250))
                .setTcpNoDelay(true)
                .setSoReuseAddress(true)
                .setBacklogSize(1024)
                .build();
        this.reactor = new IoReactor(config.name(), config.ioThreads(), reactorConfig,
                new ProtocolDispatcher(this, serverHttp, clientHttp));
        this.exchangeCounters = new long[config.ioThreads() * 16];
        this.proxyFilters = config.filters().toArray(new Filter[0]);
        this.upstreams = new LinkedHashMap<>();
        Timeout upstreamIdle = Timeout.of(config.upstreamIdleTimeout());
        this.routes = RouteTable.build(config.routes(), route -> {
            List<UpstreamState> states = new ArrayList<>();
            for (Upstream upstream : route.upstreams()) {
                states.add(upstreams.computeIfAbsent(upstream.authority(),
                        key -> new UpstreamState(upstream.withWeight(1), reactor, upstreamIdle)));
            }
            LoadBalancingStrategy strategy = route.loadBalancing() != null ? route.loadBalancing()
                    : RoundRobinStrategy.INSTANCE;
            Filter[] filters = new Filter[proxyFilters.length + route.filters().size()];
            System.arraycopy(proxyFilters, 0, filters, 0, proxyFilters.length);
            for (int i = 0; i < route.filters().size(); i++) {
                filters[proxyFilters.length + i] = route.filters().get(i);
            }
            return new RouteRuntime(route, new UpstreamGroup(strategy, route.upstreams(), states), filters,
                    Timeout.of(or(route.connectTimeout(), config.connectTimeout())),
                    Timeout.of(or(route.responseTimeout(), config.responseTimeout())),
                    Timeout.of(or(route.idleTimeout(), config.idleTimeout())));
        });
        Logger failureLogger = LoggerFactory.getLogger("dev.gatehouse.proxy.core.Upstreams");
        this.upstreamFailures = new RateLimitedLog(failureLogger, 1000, System::nanoTime);
        this.filterFailures = new RateLimitedLog(LoggerFactory.getLogger("dev.gatehouse.proxy.core.Filters"), 1000,
                System::nanoTime);
    }

    /**
     * Starts the I/O threads and binds every listener; on a bind failure, stops what was started and throws.
     */
    public void start() throws IOException {
        stateLock.lock();
        try {
            if (state != State.NEW) {
                throw new IllegalStateException("the proxy was already started (state: " + state + ")");
            }
            state = State.RUNNING;
        } finally {
            stateLock.unlock();
        }
        reactor.start();
        List<InetSocketAddress> bound = new ArrayList<>();
        try {
            for (InetSocketAddress address : config.listeners()) {
                ListenerEndpoint endpoint = reactor.listen(address, ProtocolDispatcher.Listener.HTTP);
                endpoints.add(endpoint);
                SocketAddress actual = endpoint.getAddress();
                bound.add(actual instanceof InetSocketAddress ? (InetSocketAddress) actual : address);
            }
        } catch (IOException | RuntimeException e) {
            logger.error("Cannot bind {}: {}", config.listeners(), e.toString());
            state = State.STOPPED;
            closeListeners();
            reactor.shutdown(TimeValue.ofSeconds(5));
            throw e;
        }
        addresses = List.copyOf(bound);
        List<String> shown = new ArrayList<>();
        for (InetSocketAddress address : addresses) {
            shown.add(DownstreamConnection.authorityOf(address));
        }
        logger.info("Gatehouse listening on {} with {} route(s) and {} I/O thread(s)", String.join(", ", shown),
                routes.size(), reactor.threads());
    }

    /**
     * Stops accepting connections, lets exchanges in flight finish within the drain timeout, then closes
     * everything. Idempotent.
     */
    public void close() {
        stateLock.lock();
        try {
            if (state == State.STOPPED || state == State.DRAINING) {
                return;
            }
            if (state == State.NEW) {
                state = State.STOPPED;
                return;
            }
            state = State.DRAINING;
        } finally {
            stateLock.unlock();
        }
        long started = System.nanoTime();
        closeListeners();
        // Responses in flight now carry "Connection: close"; idle keep-alive connections close at once.
        for (DownstreamConnection connection : connections) {
            if (connection.isIdle()) {
                connection.closeWhenIdle();
            }
        }
        boolean drained = awaitIdle(config.drainTimeout());
        int left = inFlight.get();
        if (drained) {
            logger.info("Gatehouse drained in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        } else {
            logger.warn("Gatehouse drain timed out after {}; closing {} exchange(s) still in flight",
                    config.drainTimeout(), left);
        }
        for (UpstreamState upstream : upstreams.values()) {
            upstream.close();
        }
        reactor.shutdown(TimeValue.ofSeconds(2));
        state = State.STOPPED;
        logger.info("Gatehouse stopped");
    }

    private boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        stateLock.lock();
        try {
            while (inFlight.get() > 0) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                idle.awaitNanos(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(100)));
                // Connections that finished their last exchange while draining close now.
                for (DownstreamConnection connection : connections) {
                    if (connection.isIdle()) {
                        connection.closeWhenIdle();
                    }
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            stateLock.unlock();
        }
    }

    private void closeListeners() {
        for (ListenerEndpoint endpoint : endpoints) {
            try {
                endpoint.close();
            } catch (IOException e) {
                logger.debug("Closing listener {} failed", endpoint, e);
            }
        }
    }

    /** Returns the bound addresses; empty before {@link #start()}. */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    /** Returns true while the proxy drains: responses then close their connections. */
    public boolean isDraining() {
        return state == State.DRAINING;
    }

    /** Returns the reactor. */
    public IoReactor reactor() {
        return reactor;
    }

    /** Returns the route table. */
    public RouteTable<RouteRuntime> routes() {
        return routes;
    }

    /** Returns the proxy-level filters, for requests that match no route. Callers must not modify the array. */
    public Filter[] proxyFilters() {
        return proxyFilters;
    }

    /** Returns the header rules. */
    public HeaderRules headerRules() {
        return headerRules;
    }

    /** Returns the state of every upstream, by {@code host:port}. */
    public Map<String, UpstreamState> upstreams() {
        return Collections.unmodifiableMap(upstreams);
    }

    /** Returns the log for upstream failures (at most one line a second). */
    public RateLimitedLog upstreamFailures() {
        return upstreamFailures;
    }

    /** Returns the log for filter failures (at most one line a second). */
    public RateLimitedLog filterFailures() {
        return filterFailures;
    }

    Timeout keepAliveTimeout() {
        return keepAliveTimeout;
    }

    Timeout activeTimeout() {
        return activeTimeout;
    }

    /** Returns the default connect timeout. */
    public Duration defaultConnectTimeout() {
        return config.connectTimeout();
    }

    /** Returns a new exchange id; called on the I/O thread {@code worker}, which alone touches its counter. */
    public long nextExchangeId(int worker) {
        long sequence = ++exchangeCounters[worker * 16];
        return ((long) worker << 48) | sequence;
    }

    /** Counts an exchange that starts. */
    public void exchangeStarted() {
        inFlight.incrementAndGet();
    }

    /** Counts an exchange that ended; wakes a drain waiting for the last one. */
    public void exchangeEnded() {
        if (inFlight.decrementAndGet() == 0 && state == State.DRAINING) {
            stateLock.lock();
            try {
                idle.signalAll();
            } finally {
                stateLock.unlock();
            }
        }
    }

    /** Returns the exchanges in flight. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Returns the number of open client connections. */
    public int openConnections() {
        return connections.size();
    }

    /** Returns the reactor's status. */
    public IOReactorStatus reactorStatus() {
        return reactor.status();
    }

    void connectionOpened(DownstreamConnection connection) {
        connections.add(connection);
        if (state == State.DRAINING) {
            connection.closeWhenIdle();
        }
    }

    void connectionClosed(DownstreamConnection connection) {
        connections.remove(connection);
    }

    private static Duration or(Duration value, Duration fallback) {
        return value != null ? value : fallback;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
