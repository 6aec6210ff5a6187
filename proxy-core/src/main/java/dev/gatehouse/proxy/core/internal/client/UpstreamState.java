package dev.gatehouse.proxy.core.internal.client;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.core.internal.balancer.Balancing;
import dev.gatehouse.proxy.core.internal.reactor.IoReactor;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.apache.hc.core5.util.Timeout;

/**
 * What the proxy knows about one upstream {@code host:port} while it runs, shared by every route that names
 * it: a connection pool per I/O thread, the connection limit and its queue, requests in flight, whether it
 * may take requests (active health, passive ejection, drain), when it became available (slow start), and
 * its latency. Thread-safe; availability changes are made on the control thread and announced to the
 * routes, which rebuild their selectors.
 */
public final class UpstreamState {

    /** The decay constant of the latency average: a sample's weight halves in about 7 seconds. */
    private static final double TAU_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** The smallest share an upstream starts its slow start with, as Envoy's default minimum weight. */
    private static final double MIN_RAMP = 0.1;

    private final Upstream upstream;
    private final UpstreamPool[] pools;
    private final Balancing balancing;
    private final ScheduledExecutorService control;
    private final LongSupplier ticker;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();

    private volatile boolean activeHealthy = true;
    private volatile boolean ejected;
    private volatile boolean draining;
    private volatile long availableSince;          // 0: available from the start, no ramp
    private int ejections;                         // control thread only

    private double ewma;                            // guarded by this
    private long ewmaStamp;                         // guarded by this
    private volatile long latency;
    private volatile long latencyStamp;

    /** Creates the state with one pool per I/O thread of {@code reactor}. */
    public UpstreamState(Upstream upstream, IoReactor reactor, Timeout idleTimeout, Balancing balancing,
                         ScheduledExecutorService control, LongSupplier ticker) {
        this.upstream = upstream;
        this.balancing = balancing;
        this.control = control;
        this.ticker = ticker;
        this.pools = new UpstreamPool[reactor.threads()];
        for (int i = 0; i < pools.length; i++) {
            pools[i] = new UpstreamPool(this, i, reactor, idleTimeout);
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

    /** Returns the time source, in nanoseconds. */
    public LongSupplier ticker() {
        return ticker;
    }

    // ---------------------------------------------------------------------------------- availability

    /** Returns true when the upstream may take new requests: healthy, not ejected, not draining. */
    public boolean isAvailable() {
        return activeHealthy && !ejected && !draining;
    }

    /** Returns true when the active health checks last judged the upstream healthy (or none run). */
    public boolean isHealthy() {
        return activeHealthy;
    }

    /** Returns true while passive health checking keeps the upstream out. */
    public boolean isEjected() {
        return ejected;
    }

    /** Returns true while the upstream is drained: no new requests, those in flight finish. */
    public boolean isDraining() {
        return draining;
    }

    /** Records the verdict of the active health checks; announces a change. */
    public void activeHealth(boolean healthy) {
        if (activeHealthy != healthy) {
            boolean wasAvailable = isAvailable();
            activeHealthy = healthy;
            changed(wasAvailable);
        }
    }

    /** Ejects the upstream until {@link #readmit()}; returns how many times it has been ejected, this one included. */
    public int eject() {
        boolean wasAvailable = isAvailable();
        ejected = true;
        ejections++;
        changed(wasAvailable);
        return ejections;
    }

    /** Ends an ejection; the failure count starts again from zero. */
    public void readmit() {
        boolean wasAvailable = isAvailable();
        ejected = false;
        consecutiveFailures.set(0);
        changed(wasAvailable);
    }

    /** Drains (no new requests) or resumes the upstream. */
    public void drain(boolean drain) {
        boolean wasAvailable = isAvailable();
        draining = drain;
        if (drain) {
            for (UpstreamPool pool : pools) {
                pool.closeIdle();
            }
        }
        changed(wasAvailable);
    }

    /** Registers an action run (on the caller's thread) whenever availability changes. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Removes an action registered with {@link #onChange}. */
    public void removeOnChange(Runnable listener) {
        listeners.remove(listener);
    }

    /** Starts a slow-start ramp now, as for an upstream that has just joined. */
    public void rampFromNow() {
        availableSince = Math.max(1, ticker.getAsLong());
    }

    private void changed(boolean wasAvailable) {
        if (!wasAvailable && isAvailable()) {
            rampFromNow();
        }
        for (Runnable listener : listeners) {
            listener.run();
        }
    }

    /**
     * Returns the share of its weight the upstream gets now, from 0.1 to 1: it grows linearly over the
     * slow-start window after the upstream joined or recovered.
     */
    public double ramp(long now) {
        long since = availableSince;
        long window = balancing.slowStart().toNanos();
        if (since == 0 || window == 0) {
            return 1.0;
        }
        double progress = (double) (now - since) / window;
        return progress >= 1.0 ? 1.0 : Math.max(MIN_RAMP, progress);
    }

    /** Returns true while the upstream is in its slow-start window. */
    public boolean isRamping(long now) {
        return ramp(now) < 1.0;
    }

    // ---------------------------------------------------------------------------------- passive health

    /** Counts an exchange the upstream served; clears the run of failures. */
    public void recordSuccess() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
    }

    /**
     * Counts a failure (a 5xx, a refused or reset connection, a timeout).
     *
     * @return the length of the current run of failures
     */
    public int recordFailure() {
        return consecutiveFailures.incrementAndGet();
    }

    /** Returns the length of the current run of failures. */
    public int consecutiveFailures() {
        return consecutiveFailures.get();
    }

    // ---------------------------------------------------------------------------------- latency

    /** Adds a response latency sample (request sent to response head) to the peak EWMA. */
    public synchronized void recordLatency(long sampleNanos, long now) {
        if (ewmaStamp == 0 || sampleNanos > ewma) {
            ewma = sampleNanos;                     // peak: a slower sample counts at once
        } else {
            double weight = decay(now - ewmaStamp);
            ewma = ewma * weight + sampleNanos * (1 - weight);
        }
        ewmaStamp = now;
        latencyStamp = now;
        latency = (long) ewma;
    }

    /**
     * Returns the peak EWMA latency decayed to {@code now}; 0 before the first sample. This is read on every
     * peak-EWMA pick, so the common case (a sample less than a tenth of the decay constant ago) uses a
     * polynomial for the decay instead of the exponential (see {@link #decay}).
     */
    public long latencyNanos(long now) {
        long value = latency;
        if (value == 0) {
            return 0;
        }
        return (long) (value * decay(now - latencyStamp));
    }

    /**
     * Returns {@code exp(-elapsed / tau)}, 1 for no time or a negative one (two I/O threads' clock readings
     * need not arrive in order). Below a tenth of tau it is the series to the second order, {@code 1 - x + x*x/2}
     * with {@code x = t/tau}: within 0.02 % of the exponential, and its complement, the weight of a new sample,
     * within 0.2 %.
     */
    private static double decay(long elapsed) {
        if (elapsed <= 0) {
            return 1.0;
        }
        double x = elapsed / TAU_NANOS;
        return x < 0.1 ? 1.0 - x + x * x / 2 : Math.exp(-x);
    }

    // ---------------------------------------------------------------------------------- in flight

    /** Returns the requests in flight to this upstream, over all routes. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Counts a request that starts, unless the upstream already has its most requests at once (a circuit
     * breaker, as Envoy's {@code max_requests}).
     *
     * @return false, counting nothing, when the upstream is at its limit
     */
    public boolean tryRequestStarted() {
        return tryIncrement(inFlight, balancing.maxRequests());
    }

    /** Counts a request that ended, however it ended. */
    public void requestEnded() {
        inFlight.decrementAndGet();
    }

    /**
     * Counts a retry that starts on this upstream, unless it already has its most retries at once (Envoy's
     * {@code max_retries} circuit breaker).
     *
     * @return false, counting nothing, when the upstream is at its limit
     */
    public boolean tryRetryStarted() {
        return tryIncrement(retries, balancing.maxRetries());
    }

    /** Counts a retry that ended. */
    public void retryEnded() {
        retries.decrementAndGet();
    }

    /** Returns the retries in flight to this upstream. */
    public int retriesInFlight() {
        return retries.get();
    }

    private static boolean tryIncrement(AtomicInteger counter, int limit) {
        for (;;) {
            int current = counter.get();
            if (current >= limit) {
                return false;
            }
            if (counter.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    // ---------------------------------------------------------------------------------- connection limit

    /** Takes a slot for a new connection, unless the upstream is at its limit. */
    boolean reserveConnection() {
        return tryIncrement(connections, balancing.maxConnections());
    }

    /** Gives a connection slot back; a waiting request, if any, gets to connect. */
    void connectionClosed() {
        connections.decrementAndGet();
        if (waiting.get() > 0) {
            control.execute(this::admitWaiter);
        }
    }

    private void admitWaiter() {
        while (waiting.get() > 0 && reserveConnection()) {
            Waiter waiter = pollWaiter();
            if (waiter == null) {
                connections.decrementAndGet();
                return;
            }
            waiter.pool.connect(waiter.connectTimeout, waiter.callback);
        }
    }

    /**
     * Queues a lease until a connection comes free or {@code timeout} passes.
     *
     * @return false when the queue is full
     */
    boolean enqueue(UpstreamPool pool, Timeout timeout, LeaseCallback callback) {
        if (waiting.incrementAndGet() > balancing.maxPending()) {
            waiting.decrementAndGet();
            return false;
        }
        Waiter waiter = new Waiter(pool, timeout, callback);
        waiters.add(waiter);
        control.schedule(() -> {
            if (waiter.take()) {
                waiters.remove(waiter);
                waiting.decrementAndGet();
                callback.leaseFailed(new UpstreamSaturatedException("no connection to " + upstream
                        + " came free within " + timeout + " (limit " + balancing.maxConnections() + ")"));
            }
        }, timeout.toMilliseconds(), TimeUnit.MILLISECONDS);
        // A slot may have come free between the check and the queueing.
        if (connections.get() < balancing.maxConnections()) {
            control.execute(this::admitWaiter);
        }
        return true;
    }

    /** Returns the next waiter that has not timed out, or null. */
    Waiter pollWaiter() {
        Waiter waiter;
        while ((waiter = waiters.poll()) != null) {
            if (waiter.take()) {
                waiting.decrementAndGet();
                return waiter;
            }
        }
        return null;
    }

    /** Returns true when requests wait for a connection. */
    boolean hasWaiters() {
        return waiting.get() > 0;
    }

    /** Runs {@code task} on the control thread. */
    void onControlThread(Runnable task) {
        control.execute(task);
    }

    /** Returns the connections open over all I/O threads (counted against the limit). */
    public int openConnections() {
        return connections.get();
    }

    /** Returns the requests waiting for a connection. */
    public int waiting() {
        return waiting.get();
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

    /** Closes idle connections and refuses new leases; leased ones close when released. */
    public void close() {
        for (UpstreamPool pool : pools) {
            pool.close();
        }
    }

    @Override
    public String toString() {
        return "UpstreamState[" + upstream + ", in flight " + inFlight.get() + (isAvailable() ? "" : ", unavailable") + "]";
    }

    /** A lease waiting for a connection slot. */
    static final class Waiter {
        final UpstreamPool pool;
        final Timeout connectTimeout;
        final LeaseCallback callback;
        private final java.util.concurrent.atomic.AtomicBoolean taken = new java.util.concurrent.atomic.AtomicBoolean();

        Waiter(UpstreamPool pool, Timeout connectTimeout, LeaseCallback callback) {
            this.pool = pool;
            this.connectTimeout = connectTimeout;
            this.callback = callback;
        }

        /** Claims the waiter once: for a connection, or for its timeout. */
        boolean take() {
            return taken.compareAndSet(false, true);
        }
    }
}
