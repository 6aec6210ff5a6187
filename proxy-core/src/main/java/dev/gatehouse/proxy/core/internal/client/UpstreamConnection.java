package dev.gatehouse.proxy.core.internal.client;

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

    UpstreamConnection(UpstreamPool pool) {
        this.pool = pool;
    }

    void attach(IOSession session) {
        this.session = session;
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
