package dev.gatehouse.proxy.core.internal.client;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.core.internal.reactor.IoReactor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.util.Timeout;

/**
 * What the proxy keeps about one upstream {@code host:port} while it runs: a connection pool per I/O
 * thread and the number of requests in flight. Routes that name the same {@code host:port} share it.
 * Thread-safe.
 */
public final class UpstreamState {

    private final Upstream upstream;
    private final UpstreamPool[] pools;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Creates the state with one pool per I/O thread of {@code reactor}. */
    public UpstreamState(Upstream upstream, IoReactor reactor, Timeout idleTimeout) {
        this.upstream = upstream;
        this.pools = new UpstreamPool[reactor.threads()];
        for (int i = 0; i < pools.length; i++) {
            pools[i] = new UpstreamPool(upstream, i, reactor, idleTimeout);
        }
    }

    /** Returns the upstream (weight 1; routes carry their own weights). */
    public Upstream upstream() {
        return upstream;
    }

    /** Returns the pool of I/O thread {@code worker}. */
    public UpstreamPool pool(int worker) {
        return pools[worker];
    }

    /** Returns the requests in flight to this upstream. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Counts a request that starts. */
    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    /** Counts a request that ended, however it ended. */
    public void requestEnded() {
        inFlight.decrementAndGet();
    }

    /** Returns the open connections over all I/O threads. */
    public int openConnections() {
        int total = 0;
        for (UpstreamPool pool : pools) {
            total += pool.openConnections();
        }
        return total;
    }

    /** Returns the idle connections over all I/O threads. */
    public int idleConnections() {
        int total = 0;
        for (UpstreamPool pool : pools) {
            total += pool.idleConnections();
        }
        return total;
    }

    /** Returns how many connections have been opened to this upstream. */
    public long connectionsOpened() {
        long total = 0;
        for (UpstreamPool pool : pools) {
            total += pool.connectionsOpened();
        }
        return total;
    }

    /** Closes idle connections and refuses new leases. */
    public void close() {
        for (UpstreamPool pool : pools) {
            pool.close();
        }
    }

    @Override
    public String toString() {
        return "UpstreamState[" + upstream + ", in flight " + inFlight.get() + "]";
    }
}
