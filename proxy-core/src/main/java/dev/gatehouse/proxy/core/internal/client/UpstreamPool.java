package dev.gatehouse.proxy.core.internal.client;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.core.internal.reactor.IoReactor;
import dev.gatehouse.proxy.core.internal.reactor.LoopClock;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.reactor.IOSession;
import org.apache.hc.core5.util.Timeout;

/**
 * The keep-alive connections to one upstream from one I/O thread.
 *
 * <p>Every I/O thread has its own pool per upstream, and connects made for it land on that thread, so an
 * exchange, its client connection and its upstream connection share one thread. The lock is therefore
 * almost never contended; it is there for the rare lease from another thread (a filter that completes on
 * an executor of its own). Idle connections are reused newest first: the newest is the least likely to
 * have been closed by the upstream meanwhile. The connection limit is the upstream's, over all pools
 * ({@link UpstreamState}): at the limit a lease waits in the upstream's bounded queue.
 */
public final class UpstreamPool {

    /** A connection idle longer than this is checked for a close the I/O thread has not seen yet before reuse. */
    private static final long VALIDATE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final UpstreamState state;
    private final Upstream upstream;
    private final int worker;
    private final IoReactor reactor;
    private final HttpHost endpoint;
    private final long maxIdleNanos;
    private final Timeout idleTimeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private int open;
    private long opened;
    private boolean closed;

    UpstreamPool(UpstreamState state, int worker, IoReactor reactor, Timeout idleTimeout) {
        this.state = state;
        this.upstream = state.upstream();
        this.worker = worker;
        this.reactor = reactor;
        this.endpoint = new HttpHost("http", upstream.host(), upstream.port());
        this.idleTimeout = idleTimeout;
        this.maxIdleNanos = idleTimeout.toNanoseconds();
    }

    /** Returns the upstream this pool connects to. */
    public Upstream upstream() {
        return upstream;
    }

    /** Returns the state of the upstream this pool belongs to. */
    public UpstreamState state() {
        return state;
    }

    /**
     * Leases a connection: the newest open idle one, a new one, or, at the upstream's connection limit,
     * the next one that comes free within {@code connectTimeout}. The callback may run before this method
     * returns (an idle connection) or later on an I/O or the control thread.
     */
    public void lease(Timeout connectTimeout, LeaseCallback callback) {
        UpstreamConnection reused = null;
        boolean refused;
        long now = LoopClock.nanoTime();
        lock.lock();
        try {
            refused = closed;
            if (!refused) {
                UpstreamConnection candidate;
                while ((candidate = idle.pollFirst()) != null) {
                    long idleFor = now - candidate.idleSince;
                    if (candidate.isOpen() && idleFor < Math.min(maxIdleNanos, candidate.keepAliveNanos)
                            && (idleFor < VALIDATE_AFTER_NANOS || !candidate.isStale())) {
                        candidate.state = UpstreamConnection.State.LEASED;
                        reused = candidate;
                        break;
                    }
                    forgetLocked(candidate);
                    candidate.closeNow();
                }
            }
        } finally {
            lock.unlock();
        }
        if (refused) {
            callback.leaseFailed(new ConnectException("the proxy is shutting down"));
            return;
        }
        if (reused != null) {
            callback.leased(reused, true);
            return;
        }
        if (state.reserveConnection()) {
            connect(connectTimeout, callback);
        } else if (!state.enqueue(this, connectTimeout, callback)) {
            callback.leaseFailed(new UpstreamSaturatedException("upstream " + upstream
                    + " is at its connection limit and its queue is full"));
        }
    }

    /** Opens a new connection; the caller has reserved a connection slot. */
    void connect(Timeout connectTimeout, LeaseCallback callback) {
        lock.lock();
        try {
            open++;
            opened++;
        } finally {
            lock.unlock();
        }
        UpstreamConnection connection = new UpstreamConnection(this);
        InetSocketAddress address = new InetSocketAddress(upstream.host(), upstream.port());
        reactor.connect(endpoint, address, connectTimeout, connection, worker, new FutureCallback<IOSession>() {
            @Override
            public void completed(IOSession session) {
                connection.attach(session);
                boolean usable;
                lock.lock();
                try {
                    usable = connection.state == UpstreamConnection.State.CONNECTING && !closed;
                    if (usable) {
                        connection.state = UpstreamConnection.State.LEASED;
                    }
                } finally {
                    lock.unlock();
                }
                if (usable) {
                    callback.leased(connection, false);
                } else {
                    forget(connection);
                    connection.closeNow();
                    callback.leaseFailed(new ConnectException("connection to " + upstream + " closed while connecting"));
                }
            }

            @Override
            public void failed(Exception cause) {
                forget(connection);
                callback.leaseFailed(cause);
            }

            @Override
            public void cancelled() {
                forget(connection);
                callback.leaseFailed(new ConnectException("connect to " + upstream + " was cancelled"));
            }
        });
    }

    /**
     * Takes back a leased connection: to a request waiting for one, into the idle list when
     * {@code reusable} and still open, else it is closed at once.
     */
    public void release(UpstreamConnection connection, boolean reusable) {
        if (reusable && state.hasWaiters() && connection.isOpen() && !closed) {
            UpstreamState.Waiter waiter = state.pollWaiter();
            if (waiter != null) {
                // Handed over still leased. On the control thread: the releasing exchange holds its own
                // lock here, and the waiting one will take its lock.
                connection.socketTimeout(idleTimeout);
                state.onControlThread(() -> waiter.callback.leased(connection, true));
                return;
            }
        }
        boolean keep;
        lock.lock();
        try {
            if (connection.state != UpstreamConnection.State.LEASED) {
                return;
            }
            keep = reusable && !closed && connection.isOpen() && !state.isDraining() && connection.keepAliveNanos > 0;
            if (keep) {
                connection.state = UpstreamConnection.State.IDLE;
                connection.idleSince = LoopClock.nanoTime();
                idle.addFirst(connection);
            } else {
                forgetLocked(connection);
            }
        } finally {
            lock.unlock();
        }
        if (keep) {
            connection.socketTimeout(connection.keepAliveNanos < maxIdleNanos
                    ? Timeout.of(connection.keepAliveNanos, TimeUnit.NANOSECONDS) : idleTimeout);
        } else {
            connection.closeNow();
        }
    }

    /** Records how long the upstream keeps {@code connection} open when idle, in nanoseconds (with a margin). */
    void keepAlive(UpstreamConnection connection, long nanos) {
        lock.lock();
        try {
            connection.keepAliveNanos = nanos;
        } finally {
            lock.unlock();
        }
    }

    /** Called when a connection's socket has closed, whatever its state. */
    void disconnected(UpstreamConnection connection) {
        lock.lock();
        try {
            if (connection.state == UpstreamConnection.State.IDLE) {
                idle.remove(connection);
                forgetLocked(connection);
            }
            // A leased connection is accounted for when its exchange releases it.
        } finally {
            lock.unlock();
        }
    }

    private void forget(UpstreamConnection connection) {
        lock.lock();
        try {
            forgetLocked(connection);
        } finally {
            lock.unlock();
        }
    }

    /** Marks a connection closed and gives its slot back, once. Call with the lock held. */
    private void forgetLocked(UpstreamConnection connection) {
        if (connection.state != UpstreamConnection.State.CLOSED) {
            connection.state = UpstreamConnection.State.CLOSED;
            open--;
            state.connectionClosed();
        }
    }

    /** Returns the number of open connections, leased, idle or still connecting. */
    public int openConnections() {
        lock.lock();
        try {
            return open;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the number of idle connections. */
    public int idleConnections() {
        lock.lock();
        try {
            return idle.size();
        } finally {
            lock.unlock();
        }
    }

    /** Returns how many connections this pool has opened since it was created. */
    public long connectionsOpened() {
        lock.lock();
        try {
            return opened;
        } finally {
            lock.unlock();
        }
    }

    /** Closes the idle connections; leased ones are closed when released if the upstream drains. */
    void closeIdle() {
        ArrayDeque<UpstreamConnection> toClose;
        lock.lock();
        try {
            toClose = new ArrayDeque<>(idle);
            idle.clear();
            toClose.forEach(this::forgetLocked);
        } finally {
            lock.unlock();
        }
        toClose.forEach(UpstreamConnection::closeNow);
    }

    /** Closes the idle connections and refuses further leases; leased ones close when released. */
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
        closeIdle();
    }

    @Override
    public String toString() {
        return "UpstreamPool[" + upstream + " on io-" + worker + ", idle for at most "
                + TimeUnit.NANOSECONDS.toMillis(maxIdleNanos) + " ms]";
    }
}
