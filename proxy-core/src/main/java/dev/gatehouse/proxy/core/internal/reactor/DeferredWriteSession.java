package dev.gatehouse.proxy.core.internal.reactor;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.Lock;
import javax.net.ssl.SSLContext;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.net.NamedEndpoint;
import org.apache.hc.core5.reactor.Command;
import org.apache.hc.core5.reactor.IOEventHandler;
import org.apache.hc.core5.reactor.ProtocolIOSession;
import org.apache.hc.core5.reactor.ProtocolUpgradeHandler;
import org.apache.hc.core5.reactor.ssl.SSLBufferMode;
import org.apache.hc.core5.reactor.ssl.SSLSessionInitializer;
import org.apache.hc.core5.reactor.ssl.SSLSessionVerifier;
import org.apache.hc.core5.reactor.ssl.TlsDetails;
import org.apache.hc.core5.reactor.ssl.TransportSecurityLayer;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session a protocol handler sees: HttpCore's own session, except that a wish to write expressed on the
 * session's I/O thread, inside one of its event callbacks, is served by that thread before it selects again
 * instead of after another round through the selector.
 *
 * <p>HttpCore asks for output by adding {@code OP_WRITE} to the selection key and waking the selector; the
 * next select finds the socket writable and the handler writes. A proxy reads on one connection and writes
 * on another, so every exchange paid that round twice (request to the upstream, response to the client):
 * two {@code epoll_ctl} calls each time (set, then clear, the write interest), a selector wake-up and an
 * extra loop of the reactor. Here, on the owning thread, the wish is only noted; when the thread has handled
 * the keys of its select (see {@link WorkerThread}), it calls the handler's {@code outputReady} directly,
 * and the key's interest set ends as it began. A socket almost always takes the bytes at once; when it does not (a large body, a slow
 * reader), the write interest goes to the key as before and the selector says when to go on.
 *
 * <p>Calls from any other thread, or from the owning thread outside a callback, go to HttpCore's session
 * unchanged, so its semantics hold wherever nothing will flush the deferred wish.
 */
public final class DeferredWriteSession implements ProtocolIOSession {

    private static final Logger logger = LoggerFactory.getLogger(DeferredWriteSession.class);
    /** How many times one flush may call the handler while it keeps asking to write. */
    private static final int MAX_ROUNDS = 3;

    private final ProtocolIOSession delegate;
    private final WorkerThread owner;
    /** Whether the proxy opened this connection to an upstream, rather than accepted it from a client. */
    final boolean upstream;
    /** Commands enqueued on the owning thread inside a callback; HttpCore's own queue holds the others. */
    private final Queue<Command> commands = new ConcurrentLinkedQueue<>();
    /** Whether the handler wants to write, as it would read it from the selection key. */
    private volatile boolean wantWrite;
    /** On the owning thread's list of sessions to flush; owning thread only. */
    boolean queued;
    /** Inside the flush {@link WorkerThread} runs for it; owning thread only. */
    private boolean flushing;
    /** Whether the last write left bytes the socket would not take. */
    private boolean socketFull;
    /** HttpCore's selection key for this session, once {@link #anchor} has looked it up; owning thread only. */
    private SelectionKey key;
    /** Whether TLS was started through this wrapper; its layer keeps its own account of the interest set. */
    private volatile boolean tls;

    private DeferredWriteSession(ProtocolIOSession delegate, WorkerThread owner, boolean upstream) {
        this.delegate = delegate;
        this.owner = owner;
        this.upstream = upstream;
    }

    /**
     * Wraps a session just created by the reactor. Must be called on the session's I/O thread, as HttpCore's
     * handler factories are; elsewhere the wrapper defers nothing.
     *
     * @param upstream true for a connection the proxy opened to an upstream, false for one a client opened;
     *                 the thread writes to clients first (see {@link WorkerThread})
     */
    public static DeferredWriteSession wrap(ProtocolIOSession session, boolean upstream) {
        Thread current = Thread.currentThread();
        return new DeferredWriteSession(session, current instanceof WorkerThread ? (WorkerThread) current : null,
                upstream);
    }

    /** Returns HttpCore's session, the one the reactor passes to the handler's callbacks. */
    public ProtocolIOSession delegate() {
        return delegate;
    }

    private boolean deferring() {
        return owner != null && Thread.currentThread() == owner && owner.inCallback();
    }

    /** Returns the key's interest set, or -1 once the key is cancelled. */
    private int keyMask() {
        try {
            return delegate.getEventMask();
        } catch (CancelledKeyException e) {
            return -1;
        }
    }

    @Override
    public void setEvent(int op) {
        if ((op & SelectionKey.OP_WRITE) != 0) {
            wantWrite = true;
        }
        int mask = deferring() ? keyMask() : -1;
        if (mask < 0) {
            delegate.setEvent(op);
            return;
        }
        if ((op & ~mask & SelectionKey.OP_WRITE) != 0 && !flushing && !queued) {
            queued = true;
            owner.deferFlush(this);
        }
        // What the key lacks besides OP_WRITE; HttpCore would take its lock and wake the selector even for nothing.
        int missing = op & ~mask & ~SelectionKey.OP_WRITE;
        if (missing != 0) {
            delegate.setEvent(missing);
        }
    }

    @Override
    public void clearEvent(int op) {
        if ((op & SelectionKey.OP_WRITE) != 0) {
            wantWrite = false;
        }
        int mask = deferring() ? keyMask() : -1;
        if (mask < 0) {
            delegate.clearEvent(op);
        } else if ((op & mask) != 0 && !changeKey(0, op & mask)) {
            delegate.clearEvent(op & mask);
        }
    }

    @Override
    public int getEventMask() {
        int mask = delegate.getEventMask();
        return wantWrite ? mask | SelectionKey.OP_WRITE : mask;
    }

    @Override
    public void setEventMask(int ops) {
        wantWrite = (ops & SelectionKey.OP_WRITE) != 0;
        delegate.setEventMask(ops);
    }

    @Override
    public void enqueue(Command command, Command.Priority priority) {
        if (priority == Command.Priority.NORMAL && deferring()) {
            if (!delegate.isOpen()) {
                command.cancel();
                return;
            }
            commands.add(command);
            setEvent(SelectionKey.OP_WRITE);
            return;
        }
        delegate.enqueue(command, priority);
    }

    @Override
    public boolean hasCommands() {
        return delegate.hasCommands() || !commands.isEmpty();
    }

    @Override
    public Command poll() {
        Command command = delegate.poll();
        return command != null ? command : commands.poll();
    }

    /**
     * Runs the handler's {@code outputReady} for a deferred wish to write, as the reactor would for a
     * writable socket; called by the owning thread once its batch of keys is handled. HttpCore's handler may
     * ask to write again in the same call (it does after starting a request it took from its command
     * queue), so it runs again, a few times at most, while the socket takes everything it is given. What is
     * left to write afterwards is handed to the selection key.
     */
    void flushDeferred() {
        queued = false;
        if (!wantWrite || !delegate.isOpen()) {
            return;
        }
        IOEventHandler handler = delegate.getHandler();
        if (handler == null) {
            handToSelector();
            return;
        }
        flushing = true;
        socketFull = false;
        try {
            delegate.updateWriteTime();
            int rounds = 0;
            do {
                handler.outputReady(delegate);
            } while (wantWrite && !socketFull && ++rounds < MAX_ROUNDS && delegate.isOpen());
        } catch (CancelledKeyException e) {
            delegate.close(CloseMode.GRACEFUL);
        } catch (Exception e) {
            // As the reactor does when a callback throws: the handler hears of it, the session closes.
            try {
                handler.exception(delegate, e);
            } catch (RuntimeException again) {
                logger.debug("The exception callback of {} threw", delegate, again);
            }
            delegate.close(CloseMode.GRACEFUL);
        } finally {
            flushing = false;
        }
        handToSelector();
    }

    /**
     * Gives the key the write interest while this session waits for the end of its thread's batch, so the
     * next select returns at once should the thread miss that end.
     *
     * @return whether the key now holds the interest
     */
    boolean anchor() {
        if (!delegate.isOpen()) {
            return false;
        }
        if (key == null) {
            key = SelectorProbe.keyOf(delegate);
        }
        return changeKey(SelectionKey.OP_WRITE, 0) && anchors();
    }

    /** Returns whether a TLS layer sits between this session and the key, its handshake included. */
    private boolean secured() {
        return tls || delegate.getTlsDetails() != null;
    }

    /** Returns whether this session still waits for a flush with the write interest on its key. */
    boolean anchors() {
        return queued && delegate.isOpen() && (keyMask() & SelectionKey.OP_WRITE) != 0;
    }

    /**
     * Takes back the interest {@link #anchor} gave, once the flush has run, unless the handler still has
     * something to write. Set and cleared before the next select, the interest costs no system call.
     */
    void release() {
        if (!wantWrite && delegate.isOpen()) {
            changeKey(0, SelectionKey.OP_WRITE);
        }
    }

    /**
     * Changes the key's interest set directly, under HttpCore's session lock, when the key is known: on the
     * selector's own thread the change is seen by the next select, and HttpCore's setEvent and clearEvent
     * would also wake the selector, a system call for nothing.
     *
     * @return false when the key is not known or is cancelled, or when a TLS layer, which keeps its own
     *     account of the interest set, sits between this session and the key
     */
    private boolean changeKey(int set, int clear) {
        if (key == null || secured()) {
            return false;
        }
        Lock lock = delegate.getLock();
        lock.lock();
        try {
            key.interestOps((key.interestOps() | set) & ~clear);
            return true;
        } catch (CancelledKeyException e) {
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Hands a deferred wish to the selection key, when the owning thread will not flush it itself. */
    void deferToSelector() {
        queued = false;
        handToSelector();
    }

    /** Puts what is still to write in the key's hands: the selector says when the socket can take it. */
    private void handToSelector() {
        if (wantWrite && delegate.isOpen()) {
            delegate.setEvent(SelectionKey.OP_WRITE);
        }
    }

    // Everything else is HttpCore's session, unchanged.

    @Override
    public NamedEndpoint getInitialEndpoint() {
        return delegate.getInitialEndpoint();
    }

    @Override
    public void switchProtocol(String protocolId, FutureCallback<ProtocolIOSession> callback) {
        delegate.switchProtocol(protocolId, callback);
    }

    @Override
    public void registerProtocol(String protocolId, ProtocolUpgradeHandler upgradeHandler) {
        delegate.registerProtocol(protocolId, upgradeHandler);
    }

    @Override
    public void startTls(SSLContext sslContext, NamedEndpoint endpoint, SSLBufferMode sslBufferMode,
                         SSLSessionInitializer initializer, SSLSessionVerifier verifier, Timeout handshakeTimeout) {
        tls = true;
        delegate.startTls(sslContext, endpoint, sslBufferMode, initializer, verifier, handshakeTimeout);
    }

    @Override
    public void startTls(SSLContext sslContext, NamedEndpoint endpoint, SSLBufferMode sslBufferMode,
                         SSLSessionInitializer initializer, SSLSessionVerifier verifier, Timeout handshakeTimeout,
                         FutureCallback<TransportSecurityLayer> callback) {
        tls = true;
        delegate.startTls(sslContext, endpoint, sslBufferMode, initializer, verifier, handshakeTimeout, callback);
    }

    @Override
    public TlsDetails getTlsDetails() {
        return delegate.getTlsDetails();
    }

    @Override
    public IOEventHandler getHandler() {
        return delegate.getHandler();
    }

    @Override
    public void upgrade(IOEventHandler handler) {
        delegate.upgrade(handler);
    }

    @Override
    public Lock getLock() {
        return delegate.getLock();
    }

    @Override
    public ByteChannel channel() {
        return delegate.channel();
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
    public void close() {
        delegate.close();
    }

    @Override
    public void close(CloseMode closeMode) {
        delegate.close(closeMode);
    }

    @Override
    public Status getStatus() {
        return delegate.getStatus();
    }

    @Override
    public boolean isOpen() {
        return delegate.isOpen();
    }

    @Override
    public Timeout getSocketTimeout() {
        return delegate.getSocketTimeout();
    }

    @Override
    public void setSocketTimeout(Timeout timeout) {
        delegate.setSocketTimeout(timeout);
    }

    @Override
    public long getLastReadTime() {
        return delegate.getLastReadTime();
    }

    @Override
    public long getLastWriteTime() {
        return delegate.getLastWriteTime();
    }

    @Override
    public long getLastEventTime() {
        return delegate.getLastEventTime();
    }

    @Override
    public void updateReadTime() {
        delegate.updateReadTime();
    }

    @Override
    public void updateWriteTime() {
        delegate.updateWriteTime();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int offered = src.remaining();
        int written = delegate.write(src);
        socketFull = written < offered;
        return written;
    }

    @Override
    public String getId() {
        return delegate.getId();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
