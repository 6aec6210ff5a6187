package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.core.internal.reactor.LoopClock;
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
    /** The newest exchange, told when the client closes its side or its body stalls. */
    private volatile ClientAbortListener newest;
    /** When the request head being read began, in nanoseconds; 0 between heads. */
    private volatile long headStartedAt;
    private volatile boolean lastRequest;

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

    /**
     * Counts an exchange that starts; the first one lifts the keep-alive timeout.
     *
     * @return the exchanges now in flight on this connection, this one included
     */
    public int exchangeStarted() {
        int now = inFlight.incrementAndGet();
        if (now == 1) {
            session.setSocketTimeout(server.activeTimeout());
        }
        return now;
    }

    /** Marks that a request asked to close the connection: later pipelined requests are not processed. */
    public void lastRequest() {
        lastRequest = true;
    }

    /** Returns true once a request on this connection asked to close it. */
    public boolean lastRequestSeen() {
        return lastRequest;
    }

    /** The first bytes of a request head arrived (called for every read until the head is complete). */
    void headStarted() {
        if (headStartedAt == 0) {
            headStartedAt = Math.max(1, LoopClock.nanoTime());
        }
    }

    /** The request head is complete. */
    void headEnded() {
        headStartedAt = 0;
    }

    /**
     * Enforces the time limits a socket timeout cannot (it only measures silence): closes the connection
     * when a request head has taken longer than {@code headTimeout} however slowly its bytes come
     * (slowloris), and lets the exchange check its request body's pace. Called on the control thread.
     */
    void sweep(long now, long headTimeout, long bodyIdleTimeout) {
        long started = headStartedAt;
        if (started != 0 && now - started > headTimeout) {
            LoggerHolder.logger.debug("Closing {}: its request head took longer than {} ms", this,
                    java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(headTimeout));
            closeNow();
            return;
        }
        ClientAbortListener exchange = newest;
        if (exchange != null) {
            exchange.checkBodyPace(now, bodyIdleTimeout);
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

    /**
     * Writes a complete {@code 400 Bad Request} with {@code Connection: close} straight to the socket, for
     * a request whose body turned out malformed before any response began: HttpCore is failing the
     * connection and would close it without a word. Best effort: what the socket does not take is dropped.
     * Call on the connection's I/O thread.
     */
    public void writeBadRequestAndClose() {
        byte[] response = ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: 16\r\nConnection: close\r\n\r\n400 Bad Request\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            session.channel().write(java.nio.ByteBuffer.wrap(response));
        } catch (java.io.IOException | RuntimeException e) {
            LoggerHolder.logger.debug("Cannot write a 400 to {}: {}", this, e.toString());
        }
        closeAfterSent();
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

    /** What an exchange does when its client closes its side of the connection, or its body stalls. */
    public interface ClientAbortListener {
        /** Called on the connection's I/O thread when reading shows an end of stream. */
        void clientClosedInput();

        /**
         * Called on the control thread now and then: answers 408 and closes when the request body, which the
         * proxy is ready to read, has been silent for longer than {@code idleTimeout} nanoseconds.
         */
        void checkBodyPace(long now, long idleTimeout);
    }

    private static final class LoggerHolder {
        static final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(DownstreamConnection.class);
    }
}
