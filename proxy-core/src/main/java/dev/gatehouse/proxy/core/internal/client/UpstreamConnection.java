package dev.gatehouse.proxy.core.internal.client;

import dev.gatehouse.proxy.core.internal.headers.FieldFacts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncClientExchangeHandler;
import org.apache.hc.core5.http.nio.command.RequestExecutionCommand;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.Command;
import org.apache.hc.core5.reactor.IOSession;
import org.apache.hc.core5.util.Timeout;

/**
 * One HTTP/1.1 connection to an upstream, owned by an {@link UpstreamPool}. It serves one exchange at a
 * time; between exchanges it waits in the pool.
 */
public final class UpstreamConnection implements ClientEndpoint {

    enum State { CONNECTING, LEASED, IDLE, CLOSED }

    private final UpstreamPool pool;
    private volatile IOSession session;
    /** Guarded by the pool's lock. */
    State state = State.CONNECTING;
    /** When it went idle, in nanoseconds; guarded by the pool's lock. */
    long idleSince;
    private volatile int exchanges;
    /** How long the upstream said it keeps the connection open when idle, with a margin; guarded by the pool's lock. */
    long keepAliveNanos = Long.MAX_VALUE;

    UpstreamConnection(UpstreamPool pool) {
        this.pool = pool;
    }

    @Override
    public void sessionCreated(IOSession session) {
        this.session = session;
    }

    /** Keeps the session of {@link #sessionCreated} if there was one: exchanges started on it skip a selector round. */
    void attach(IOSession session) {
        if (this.session == null) {
            this.session = session;
        }
    }

    /** Returns the pool that owns this connection. */
    public UpstreamPool pool() {
        return pool;
    }

    /** Starts {@code handler}'s exchange on this connection; HttpCore runs it on the connection's I/O thread. */
    public void execute(AsyncClientExchangeHandler handler, HttpContext context) {
        exchanges++;
        session.enqueue(new RequestExecutionCommand(handler, context), Command.Priority.NORMAL);
    }

    /** Returns how many exchanges this connection has carried, counting the current one. */
    public int exchanges() {
        return exchanges;
    }

    /** Sets the longest silence allowed on this connection before HttpCore fails it with a timeout. */
    public void socketTimeout(Timeout timeout) {
        IOSession current = session;
        if (current != null) {
            current.setSocketTimeout(timeout);
        }
    }

    /**
     * Reads the upstream's {@code Keep-Alive: timeout=N} (seconds), if any, so the pool never keeps the
     * connection idle as long as the upstream would: it would close it while a request is on its way. The
     * margin is a second (half of it below 2 s).
     */
    public void keepAliveFrom(HttpResponse response) {
        String keepAlive = FieldFacts.of(response).keepAlive();
        if (keepAlive != null) {
            for (String parameter : keepAlive.split(",")) {
                String trimmed = parameter.trim();
                if (trimmed.regionMatches(true, 0, "timeout=", 0, 8)) {
                    try {
                        long seconds = Long.parseLong(trimmed.substring(8).trim());
                        long millis = seconds <= 0 ? 0 : seconds * 1000 - Math.min(1000, seconds * 500);
                        pool.keepAlive(this, TimeUnit.MILLISECONDS.toNanos(millis));
                    } catch (NumberFormatException e) {
                        // Not a number: the parameter is ignored, as RFC 9112 leaves Keep-Alive undefined.
                    }
                    return;
                }
            }
        }
    }

    /**
     * Returns true when the connection cannot carry a request any more: the upstream closed it, or sent bytes
     * nobody asked for. A non-blocking read of at most one byte, for connections that have been idle a while:
     * the upstream's close may not have been seen yet by the I/O thread.
     */
    boolean isStale() {
        IOSession current = session;
        if (current == null || !current.isOpen()) {
            return true;
        }
        ByteChannel channel = current.channel();
        if (!(channel instanceof SocketChannel)) {
            return false;
        }
        try {
            return ((SocketChannel) channel).read(ByteBuffer.allocate(1)) != 0;
        } catch (IOException e) {
            return true;
        }
    }

    /** Returns true while the socket is open. */
    public boolean isOpen() {
        IOSession current = session;
        return current != null && current.isOpen();
    }

    /** Tells the pool the socket has closed; called by the connection's protocol handler. */
    @Override
    public void disconnected() {
        pool.disconnected(this);
    }

    /** Closes the socket at once (with a reset), so nothing half-done on it can be reused. */
    void closeNow() {
        IOSession current = session;
        if (current != null) {
            current.close(CloseMode.IMMEDIATE);
        }
    }

    @Override
    public String toString() {
        IOSession current = session;
        return "UpstreamConnection[" + pool.upstream() + (current != null ? " " + current.getId() : "") + "]";
    }
}
