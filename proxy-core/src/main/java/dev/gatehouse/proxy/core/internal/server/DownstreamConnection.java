package dev.gatehouse.proxy.core.internal.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.http.nio.command.ShutdownCommand;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.Command;
import org.apache.hc.core5.reactor.ProtocolIOSession;
import org.apache.hc.core5.util.Timeout;

/**
 * One client connection: its session, its peer, the I/O thread that owns it and how many exchanges it has
 * in flight. Between exchanges the socket timeout is the keep-alive timeout; while exchanges are in flight
 * it is long enough for the upstream's own timeouts to fire first, so a slow upstream gets a 504, not a
 * silently closed client connection. Thread-safe.
 */
public final class DownstreamConnection {

    private final ProxyServer server;
    private final ProtocolIOSession session;
    private final String scheme;
    private final InetSocketAddress peer;
    private final String localAuthority;
    private final int worker;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** The newest exchange, told when the client closes its side; set and read on the connection's I/O thread. */
    private volatile ClientAbortListener newest;

    DownstreamConnection(ProxyServer server, ProtocolIOSession session, String scheme, int worker) {
        this.server = server;
        this.session = session;
        this.scheme = scheme;
        this.worker = worker;
        SocketAddress remote = session.getRemoteAddress();
        this.peer = remote instanceof InetSocketAddress ? (InetSocketAddress) remote
                : new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0);
        SocketAddress local = session.getLocalAddress();
        this.localAuthority = local instanceof InetSocketAddress ? authorityOf((InetSocketAddress) local) : "localhost";
    }

    /** Returns the proxy this connection belongs to. */
    public ProxyServer server() {
        return server;
    }

    /** Returns the scheme of the listener, {@code http}. */
    public String scheme() {
        return scheme;
    }

    /** Returns the TCP peer. */
    public InetSocketAddress peer() {
        return peer;
    }

    /** Returns the local {@code address:port} this connection came in on, for requests without a Host. */
    public String localAuthority() {
        return localAuthority;
    }

    /** Returns the index of the I/O thread that owns this connection. */
    public int worker() {
        return worker;
    }

    /** Counts an exchange that starts; the first one lifts the keep-alive timeout. */
    public void exchangeStarted() {
        if (inFlight.getAndIncrement() == 0) {
            session.setSocketTimeout(server.activeTimeout());
        }
    }

    /** Records the newest exchange on this connection, to be told if the client closes its side. */
    public void current(ClientAbortListener exchange) {
        newest = exchange;
    }

    /** Forgets {@code exchange} if it is still the newest. */
    public void forget(ClientAbortListener exchange) {
        if (newest == exchange) {
            newest = null;
        }
    }

    /** The client closed its side of the connection (read an end of stream). */
    void inputClosed() {
        ClientAbortListener exchange = newest;
        if (exchange != null) {
            exchange.clientClosedInput();
        }
    }

    /** Counts an exchange that ended; the last one restores the keep-alive timeout. */
    public void exchangeEnded() {
        if (inFlight.decrementAndGet() == 0) {
            session.setSocketTimeout(server.keepAliveTimeout());
        }
    }

    /**
     * After a response that left the request body unread (an early 413, a refused {@code Expect}), keeps
     * reading and dropping for a short while instead of closing at once, as nginx's lingering close does:
     * closing a socket with unread input sends a reset, which can destroy the response before the client
     * reads it. A client that sends nothing for {@code timeout} is disconnected.
     */
    public void linger(Timeout timeout) {
        session.setSocketTimeout(timeout);
    }

    /** Returns true when no exchange is in flight. */
    public boolean isIdle() {
        return inFlight.get() == 0;
    }

    /**
     * Closes the connection at once with a reset, so a client can tell a cut-short response from a complete
     * one even when the response had no length.
     */
    public void closeNow() {
        session.close(CloseMode.IMMEDIATE);
    }

    /**
     * Closes the connection with a FIN after what has reached the socket, without waiting for anything in
     * progress: for cutting a response whose framing already shows the cut.
     */
    public void closeAfterSent() {
        session.close(CloseMode.GRACEFUL);
    }

    /** Asks HttpCore to close the connection once the exchange in progress, if any, has finished. */
    public void closeWhenIdle() {
        session.enqueue(ShutdownCommand.GRACEFUL, Command.Priority.NORMAL);
    }

    /** Returns true while the socket is open. */
    public boolean isOpen() {
        return session.isOpen();
    }

    void socketTimeout(Timeout timeout) {
        session.setSocketTimeout(timeout);
    }

    static String authorityOf(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        int scope = host.indexOf('%');
        if (scope >= 0) {
            host = host.substring(0, scope);
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    @Override
    public String toString() {
        return "DownstreamConnection[" + peer + " on io-" + worker + "]";
    }

    /** What an exchange does when its client closes its side of the connection. */
    public interface ClientAbortListener {
        /** Called on the connection's I/O thread when reading shows an end of stream. */
        void clientClosedInput();
    }
}
