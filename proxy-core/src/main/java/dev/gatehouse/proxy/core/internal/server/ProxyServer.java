package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.core.UpstreamStatus;
import dev.gatehouse.proxy.core.Upstreams;
import dev.gatehouse.proxy.core.internal.balancer.CoarseClock;
import dev.gatehouse.proxy.core.internal.balancer.RoundRobinStrategy;
import dev.gatehouse.proxy.core.internal.balancer.UpstreamGroup;
import dev.gatehouse.proxy.core.internal.client.UpstreamState;
import dev.gatehouse.proxy.core.internal.exchange.Exchange;
import dev.gatehouse.proxy.core.internal.headers.HeaderRules;
import dev.gatehouse.proxy.core.internal.headers.TrustedProxies;
import dev.gatehouse.proxy.core.internal.health.HealthMonitor;
import dev.gatehouse.proxy.core.internal.health.OutlierDetector;
import dev.gatehouse.proxy.core.internal.health.ProbeClient;
import dev.gatehouse.proxy.core.internal.log.RateLimitedLog;
import dev.gatehouse.proxy.core.internal.reactor.IoReactor;
import dev.gatehouse.proxy.core.internal.reactor.LoopClock;
import dev.gatehouse.proxy.core.internal.routing.RouteTable;
import dev.gatehouse.proxy.filter.Filter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
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
 * upstreams' state, the control thread (health checks, ejections, rebuilds of balancer tables), the open
 * client connections and the count of exchanges in flight that a drain waits for. Thread-safe.
 */
public final class ProxyServer {

    private static final Logger logger = LoggerFactory.getLogger(ProxyServer.class);

    private enum State { NEW, RUNNING, DRAINING, STOPPED }

    private final ProxyConfig config;
    private final IoReactor reactor;
    private final ScheduledThreadPoolExecutor control;
    private final LongSupplier ticker = LoopClock::nanoTime;
    private final CoarseClock coarseClock = new CoarseClock();
    private final RouteTable<RouteRuntime> routes;
    private final Map<String, RouteRuntime> routesByName = new LinkedHashMap<>();
    private final Filter[] proxyFilters;
    private final Map<String, UpstreamState> upstreams = new ConcurrentHashMap<>();
    private final Timeout upstreamIdle;
    private final HeaderRules headerRules;
    private final HealthMonitor health;
    private final OutlierDetector outliers;
    private final Timeout keepAliveTimeout;
    private final Timeout activeTimeout;
    private final Set<DownstreamConnection> connections = ConcurrentHashMap.newKeySet();
    private final RateLimitedLog clientRefusals;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ReentrantLock stateLock = new ReentrantLock();
    private final Condition idle = stateLock.newCondition();
    private final long[] exchangeCounters;
    private final RateLimitedLog upstreamFailures;
    private final RateLimitedLog filterFailures;
    private final List<ListenerEndpoint> endpoints = new ArrayList<>();
    private final UpstreamsControl upstreamsControl = new UpstreamsControl();
    private volatile List<InetSocketAddress> addresses = List.of();
    private volatile State state = State.NEW;

    /** Prepares everything; binds nothing and checks nothing until {@link #start()}. */
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
        this.headerRules = new HeaderRules(TrustedProxies.parse(config.trustedProxies()), config.viaName(),
                config.removedRequestHeaders());
        // The strict request parser enforces the client limits with the right statuses (431); HttpCore's own
        // checks sit above them, where they would only close the connection without a word.
        ClientLimits limits = config.clientLimits();
        Http1Config serverHttp = Http1Config.custom()
                .setInitialWindowSize(Exchange.WINDOW)
                .setMaxLineLength(Math.max(limits.maxRequestLine(), limits.maxHeaderBytes()) + 1024)
                .setMaxHeaderCount(limits.maxHeaders() + 1)
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
        this.control = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, config.name() + "-control");
            thread.setDaemon(true);
            return thread;
        });
        control.setRemoveOnCancelPolicy(true);
        this.exchangeCounters = new long[config.ioThreads() * 16];
        this.proxyFilters = config.filters().toArray(new Filter[0]);
        this.upstreamIdle = Timeout.of(config.upstreamIdleTimeout());
        this.outliers = new OutlierDetector(config.balancing(), control, upstreams::size);
        this.health = config.healthChecker() == null ? null
                : new HealthMonitor(config.healthChecker(), new ProbeClient(reactor, control, Timeout.of(config.healthTimeout())),
                        control, config.healthInterval(), config.healthTimeout(), config.healthRise(), config.healthFall());
        this.routes = RouteTable.build(config.routes(), route -> {
            List<UpstreamState> states = new ArrayList<>();
            for (Upstream upstream : route.upstreams()) {
                states.add(state(upstream));
            }
            LoadBalancingStrategy strategy = route.loadBalancing() != null ? route.loadBalancing()
                    : RoundRobinStrategy.INSTANCE;
            Filter[] filters = new Filter[proxyFilters.length + route.filters().size()];
            System.arraycopy(proxyFilters, 0, filters, 0, proxyFilters.length);
            for (int i = 0; i < route.filters().size(); i++) {
                filters[proxyFilters.length + i] = route.filters().get(i);
            }
            RouteRuntime runtime = new RouteRuntime(route,
                    new UpstreamGroup(route.name(), strategy, route.upstreams(), states, config.balancing(), control, coarseClock),
                    filters,
                    Timeout.of(or(route.connectTimeout(), config.connectTimeout())),
                    Timeout.of(or(route.responseTimeout(), config.responseTimeout())),
                    Timeout.of(or(route.idleTimeout(), config.idleTimeout())),
                    route.retryPolicy() != null ? route.retryPolicy() : config.retryPolicy());
            routesByName.put(route.name(), runtime);
            return runtime;
        });
        Logger failureLogger = LoggerFactory.getLogger("dev.gatehouse.proxy.core.Upstreams");
        this.upstreamFailures = new RateLimitedLog(failureLogger, 1000, ticker);
        this.filterFailures = new RateLimitedLog(LoggerFactory.getLogger("dev.gatehouse.proxy.core.Filters"), 1000,
                ticker);
        this.clientRefusals = new RateLimitedLog(LoggerFactory.getLogger("dev.gatehouse.proxy.core.Clients"), 1000,
                ticker);
    }

    /** Returns the state of the upstream at {@code host:port}, creating it on first use. */
    private UpstreamState state(Upstream upstream) {
        return upstreams.computeIfAbsent(upstream.authority(), key -> new UpstreamState(upstream.withWeight(1),
                reactor, upstreamIdle, config.balancing(), control, ticker));
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
        coarseClock.start(control, 5);
        control.scheduleWithFixedDelay(this::sweep, 250, 250, TimeUnit.MILLISECONDS);
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
            control.shutdownNow();
            throw e;
        }
        addresses = List.copyOf(bound);
        if (health != null) {
            upstreams.values().forEach(health::watch);
        }
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
                control.shutdownNow();
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
        if (health != null) {
            health.stop();
        }
        control.shutdownNow();
        for (RouteRuntime route : routesByName.values()) {
            route.group().close();
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

    /** Returns passive health checking. */
    public OutlierDetector outliers() {
        return outliers;
    }

    /** Returns the time source, in nanoseconds. */
    public LongSupplier ticker() {
        return ticker;
    }

    /** Returns the control thread's scheduler: retries after their back-off, deadlines. */
    public ScheduledExecutorService control() {
        return control;
    }

    /** Returns the runtime control of the upstreams. */
    public Upstreams upstreams() {
        return upstreamsControl;
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
        if (connections.size() >= config.clientLimits().maxConnections()) {
            clientRefusals.warn("Refusing a connection from {}: {} client connections are open, the limit",
                    connection.peer(), config.clientLimits().maxConnections());
            connection.closeNow();
            return;
        }
        connections.add(connection);
        if (state == State.DRAINING) {
            connection.closeWhenIdle();
        }
    }

    /** Returns how request paths are normalised. */
    public PathPolicy pathPolicy() {
        return config.pathPolicy();
    }

    /** Returns the limits on what clients send. */
    public ClientLimits clientLimits() {
        return config.clientLimits();
    }

    /** Enforces the head and body time limits on every client connection; on the control thread. */
    private void sweep() {
        try {
            long now = System.nanoTime();
            long head = config.clientLimits().headTimeout().toNanos();
            long body = config.clientLimits().bodyIdleTimeout().toNanos();
            for (DownstreamConnection connection : connections) {
                connection.sweep(now, head, body);
            }
        } catch (RuntimeException e) {
            logger.error("Broken invariant while checking client time limits", e);
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

    /** The {@link Upstreams} view: every change is serialized on this object and rebuilds the routes it touches. */
    private final class UpstreamsControl implements Upstreams {

        private RouteRuntime route(String name) {
            RouteRuntime route = routesByName.get(java.util.Objects.requireNonNull(name, "route"));
            if (route == null) {
                throw new IllegalArgumentException("route: '" + name + "' (expected one of " + routesByName.keySet() + ")");
            }
            return route;
        }

        private UpstreamState known(Upstream upstream) {
            UpstreamState found = upstreams.get(java.util.Objects.requireNonNull(upstream, "upstream").authority());
            if (found == null) {
                throw new IllegalArgumentException("upstream: " + upstream.authority() + " (no route has it)");
            }
            return found;
        }

        @Override
        public synchronized boolean add(String name, Upstream upstream) {
            RouteRuntime route = route(name);
            boolean created = !upstreams.containsKey(upstream.authority());
            UpstreamState added = state(upstream);
            if (created) {
                added.rampFromNow();
            }
            if (!route.group().add(upstream, added)) {
                return false;
            }
            if (health != null && state == State.RUNNING) {
                health.watch(added);
            }
            logger.info("Upstream {} added to route '{}'", upstream, name);
            return true;
        }

        @Override
        public synchronized boolean remove(String name, Upstream upstream) {
            RouteRuntime route = route(name);
            UpstreamState removed = upstreams.get(upstream.authority());
            if (removed == null || !route.group().remove(removed)) {
                return false;
            }
            boolean stillUsed = false;
            for (RouteRuntime other : routesByName.values()) {
                stillUsed |= other.group().contains(removed);
            }
            if (!stillUsed) {
                upstreams.remove(upstream.authority());
                if (health != null) {
                    health.unwatch(removed);
                }
                removed.close();          // idle connections close now, leased ones when released
            }
            logger.info("Upstream {} removed from route '{}'; requests in flight finish", upstream, name);
            return true;
        }

        @Override
        public synchronized void drain(Upstream upstream) {
            UpstreamState drained = known(upstream);
            drained.drain(true);
            rebuildRoutesOf(drained);
            logger.info("Upstream {} draining: no new requests; requests in flight finish", upstream);
        }

        @Override
        public synchronized void resume(Upstream upstream) {
            UpstreamState resumed = known(upstream);
            resumed.drain(false);
            rebuildRoutesOf(resumed);
            logger.info("Upstream {} resumed", upstream);
        }

        /** Makes a change visible before the call returns, rather than on the control thread a moment later. */
        private void rebuildRoutesOf(UpstreamState changed) {
            for (RouteRuntime route : routesByName.values()) {
                if (route.group().contains(changed)) {
                    route.group().rebuild();
                }
            }
        }

        @Override
        public List<Upstream> of(String name) {
            return route(name).group().upstreams();
        }

        @Override
        public UpstreamStatus status(Upstream upstream) {
            UpstreamState found = known(upstream);
            return new UpstreamStatus(found.isAvailable(), found.isHealthy(), found.isEjected(), found.isDraining(),
                    found.inFlight(), found.openConnections(), found.idleConnections(), found.connectionsOpened(),
                    found.waiting());
        }
    }
}
