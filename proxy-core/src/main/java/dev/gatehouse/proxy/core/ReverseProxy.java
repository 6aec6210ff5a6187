package dev.gatehouse.proxy.core;

import dev.gatehouse.proxy.Proxy;
import dev.gatehouse.proxy.core.internal.server.ProxyServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * An embeddable reverse proxy: it listens, matches each request to a {@link dev.gatehouse.proxy.Route},
 * runs the filters and streams the exchange to one of the route's upstreams.
 *
 * <pre>{@code
 * try (ReverseProxy proxy = ReverseProxy.builder()
 *         .listen(new InetSocketAddress("127.0.0.1", 8080))
 *         .route(Route.builder("api").pathPrefix("/api")
 *                 .upstreams(Upstream.of("127.0.0.1", 9001), Upstream.of("127.0.0.1", 9002))
 *                 .build())
 *         .build()) {
 *     proxy.start();
 *     System.out.println("listening on " + proxy.address());
 *     ...
 * }
 * }</pre>
 *
 * <p>{@link ReverseProxyBuilder#build()} checks the whole configuration and fails there with a precise message. {@link #start()}
 * binds the listeners (port 0 picks a free port; {@link #addresses()} tells which). {@link #close()} stops
 * accepting connections, lets exchanges in flight finish for the builder's drain timeout, then closes every
 * connection and stops the I/O threads.
 *
 * <p>Thread-safe: {@code close()} may be called from any thread, including a shutdown hook.
 */
public final class ReverseProxy implements Proxy {

    private final ProxyServer server;

    ReverseProxy(ProxyServer server) {
        this.server = server;
    }

    /** Returns a new builder. */
    public static ReverseProxyBuilder builder() {
        return new ReverseProxyBuilder();
    }

    /**
     * Binds every listener and starts serving.
     *
     * @throws IOException if a listener cannot be bound; nothing is left running then
     * @throws IllegalStateException if this proxy was already started or closed
     */
    @Override
    public void start() throws IOException {
        server.start();
    }

    @Override
    public List<InetSocketAddress> addresses() {
        return server.addresses();
    }

    /**
     * Returns the first bound address.
     *
     * @throws IllegalStateException before {@link #start()}
     */
    public InetSocketAddress address() {
        List<InetSocketAddress> addresses = server.addresses();
        if (addresses.isEmpty()) {
            throw new IllegalStateException("the proxy is not started");
        }
        return addresses.get(0);
    }

    /** Drains (up to the builder's drain timeout) and stops. Calling it again does nothing. */
    @Override
    public void close() {
        server.close();
    }

    /** Returns the number of exchanges in flight. */
    public int inFlight() {
        return server.inFlight();
    }

    /** Returns the number of open client connections. */
    public int openConnections() {
        return server.openConnections();
    }

    /**
     * Returns the control of the upstreams: add, remove, drain and resume them while the proxy runs, and
     * read their status (health, ejection, requests in flight, connections).
     */
    public Upstreams upstreams() {
        return server.upstreams();
    }

    /** Returns true while every I/O thread of the proxy is running. */
    public boolean isRunning() {
        return server.reactorStatus() == org.apache.hc.core5.reactor.IOReactorStatus.ACTIVE;
    }
}
