package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.core.internal.reactor.WorkerThread;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLSession;
import org.apache.hc.core5.http.EndpointDetails;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.impl.nio.HttpConnectionEventHandler;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOSession;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delegates every event to HttpCore's protocol handler and runs an action once the connection has closed,
 * so the proxy can keep its registries (open client connections, idle upstream connections) exact; and,
 * for client connections, an action when reading shows the peer has closed its side. The actions must not
 * throw; if they do, the exception is logged and swallowed, because anything that escapes an I/O callback
 * stops the whole I/O thread.
 *
 * <p>Every callback is marked on the I/O thread, with the session it is for ({@link WorkerThread#callbackStarted}),
 * so the writes it wishes for on any session of the thread run once the thread has handled every key of its
 * select, without another round through the selector ({@code DeferredWriteSession}).
 */
final class ClosingHandler implements HttpConnectionEventHandler {

    private static final Logger logger = LoggerFactory.getLogger(ClosingHandler.class);

    private final HttpConnectionEventHandler delegate;
    private final Runnable onClosed;
    private final Runnable onInputClosed;

    ClosingHandler(HttpConnectionEventHandler delegate, Runnable onClosed) {
        this(delegate, onClosed, null);
    }

    /**
     * @param onInputClosed run when the peer's end of stream turns the connection from open to closing (HttpCore
     *     then lets the exchange in progress finish, as for a half-close), or null
     */
    ClosingHandler(HttpConnectionEventHandler delegate, Runnable onClosed, Runnable onInputClosed) {
        this.delegate = delegate;
        this.onClosed = onClosed;
        this.onInputClosed = onInputClosed;
    }

    @Override
    public void connected(IOSession session) throws IOException {
        WorkerThread worker = WorkerThread.callbackStarted(session);
        try {
            delegate.connected(session);
        } finally {
            ended(worker);
        }
    }

    @Override
    public void inputReady(IOSession session, ByteBuffer src) throws IOException {
        WorkerThread worker = WorkerThread.callbackStarted(session);
        try {
            if (onInputClosed == null) {
                delegate.inputReady(session, src);
                return;
            }
            boolean wasOpen = delegate.isOpen();
            delegate.inputReady(session, src);
            if (wasOpen && !delegate.isOpen()) {
                try {
                    onInputClosed.run();
                } catch (RuntimeException e) {
                    logger.error("Broken invariant: the input-closed action of {} threw", session, e);
                }
            }
        } finally {
            ended(worker);
        }
    }

    @Override
    public void outputReady(IOSession session) throws IOException {
        WorkerThread worker = WorkerThread.callbackStarted(session);
        try {
            delegate.outputReady(session);
        } finally {
            ended(worker);
        }
    }

    @Override
    public void timeout(IOSession session, Timeout timeout) throws IOException {
        WorkerThread worker = WorkerThread.callbackStarted(session);
        try {
            delegate.timeout(session, timeout);
        } finally {
            ended(worker);
        }
    }

    @Override
    public void exception(IOSession session, Exception cause) {
        WorkerThread worker = WorkerThread.callbackStarted(session);
        try {
            delegate.exception(session, cause);
        } finally {
            ended(worker);
        }
    }

    @Override
    public void disconnected(IOSession session) {
        WorkerThread worker = WorkerThread.callbackStarted(session);
        try {
            delegate.disconnected(session);
        } finally {
            try {
                onClosed.run();
            } catch (RuntimeException e) {
                logger.error("Broken invariant: the close action of {} threw", session, e);
            } finally {
                ended(worker);
            }
        }
    }

    private static void ended(WorkerThread worker) {
        if (worker != null) {
            worker.callbackEnded();
        }
    }

    @Override
    public EndpointDetails getEndpointDetails() {
        return delegate.getEndpointDetails();
    }

    @Override
    public void setSocketTimeout(Timeout timeout) {
        delegate.setSocketTimeout(timeout);
    }

    @Override
    public Timeout getSocketTimeout() {
        return delegate.getSocketTimeout();
    }

    @Override
    public ProtocolVersion getProtocolVersion() {
        return delegate.getProtocolVersion();
    }

    @Override
    public SocketAddress getRemoteAddress() {
        return delegate.getRemoteAddress();
    }

    @Override
    public SocketAddress getLocalAddress() {
        return delegate.getLocalAddress();
    }

    @Override
    public boolean isOpen() {
        return delegate.isOpen();
    }

    @Override
    public SSLSession getSSLSession() {
        return delegate.getSSLSession();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    @Override
    public void close(CloseMode closeMode) {
        delegate.close(closeMode);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
