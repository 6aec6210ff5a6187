package dev.gatehouse.proxy.core.internal.reactor;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.net.NamedEndpoint;
import org.apache.hc.core5.reactor.DefaultListeningIOReactor;
import org.apache.hc.core5.reactor.IOEventHandlerFactory;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.reactor.IOReactorStatus;
import org.apache.hc.core5.reactor.IOSession;
import org.apache.hc.core5.reactor.IOWorkerSelector;
import org.apache.hc.core5.reactor.IOWorkerStats;
import org.apache.hc.core5.reactor.ListenerEndpoint;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HttpCore reactor for both sides of the proxy: it accepts client connections and opens upstream
 * connections on the same I/O threads.
 *
 * <p>HttpCore's bootstraps give the server and the requester a reactor each, so every proxied exchange
 * hops between two threads, with a selector wake-up each way. Here an upstream connect started on an I/O
 * thread is opened on that same thread ({@link AffinitySelector}), so a client connection and its
 * upstream connections are served by one thread and per-thread pools need no cross-thread hand-off.
 */
public final class IoReactor {

    private static final Logger logger = LoggerFactory.getLogger(IoReactor.class);

    /** The worker a connect from a non-I/O thread should use; set around {@link #connect} by callers. */
    private static final ThreadLocal<Integer> PREFERRED_WORKER = new ThreadLocal<>();

    private final DefaultListeningIOReactor reactor;
    private final int threads;

    /**
     * Creates the reactor; nothing runs until {@link #start()}.
     *
     * @param name a prefix for thread names
     * @param threads the number of I/O threads
     * @param config the reactor settings (socket timeouts are set per session afterwards)
     * @param handlers creates the protocol handler of each new session
     */
    public IoReactor(String name, int threads, IOReactorConfig config, IOEventHandlerFactory handlers) {
        this.threads = threads;
        IOReactorConfig withThreads = IOReactorConfig.copy(config).setIoThreadCount(threads).build();
        AtomicInteger created = new AtomicInteger();
        ThreadFactory workers = task -> {
            int index = created.getAndIncrement();
            return new WorkerThread(this, index, task, name + "-io-" + index);
        };
        ThreadFactory listener = task -> {
            Thread thread = new Thread(task, name + "-accept");
            thread.setDaemon(true);
            return thread;
        };
        this.reactor = new DefaultListeningIOReactor(
                handlers,
                withThreads,
                workers,
                listener,
                null,
                IoReactor::onReactorException,
                null,
                null,
                null,
                new AffinitySelector(this));
    }

    /** Starts the I/O threads. */
    public void start() {
        reactor.start();
    }

    /** Returns the number of I/O threads. */
    public int threads() {
        return threads;
    }

    /**
     * Binds a listener and waits for the result, so a bind failure is an exception here rather than a
     * silent failed future.
     *
     * @param attachment handed to the handler factory for every connection this listener accepts
     */
    public ListenerEndpoint listen(InetSocketAddress address, Object attachment) throws IOException {
        Future<ListenerEndpoint> future = reactor.listen(address, attachment, null);
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            throw new IOException("cannot listen on " + address + ": " + cause, cause);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IOException("cannot listen on " + address + ": the reactor did not bind within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + address, e);
        }
    }

    /**
     * Opens a connection. From an I/O thread it is opened on that thread; from another thread on the worker
     * named by {@code preferredWorker} (or any, when it is negative).
     */
    public Future<IOSession> connect(NamedEndpoint endpoint, SocketAddress address, Timeout timeout,
                                     Object attachment, int preferredWorker, FutureCallback<IOSession> callback) {
        if (preferredWorker >= 0 && currentWorker() < 0) {
            PREFERRED_WORKER.set(preferredWorker);
            try {
                return reactor.connect(endpoint, address, null, timeout, attachment, callback);
            } finally {
                PREFERRED_WORKER.remove();
            }
        }
        return reactor.connect(endpoint, address, null, timeout, attachment, callback);
    }

    /** Returns the index of the calling thread if it is one of this reactor's I/O threads, else -1. */
    public int currentWorker() {
        Thread thread = Thread.currentThread();
        if (thread instanceof WorkerThread && ((WorkerThread) thread).owner() == this) {
            return ((WorkerThread) thread).index();
        }
        return -1;
    }

    /** Returns the reactor status. */
    public IOReactorStatus status() {
        return reactor.getStatus();
    }

    /** Stops the I/O threads, closing every connection, and waits up to {@code wait} for them to end. */
    public void shutdown(TimeValue wait) {
        reactor.initiateShutdown();
        try {
            reactor.awaitShutdown(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reactor.close(CloseMode.IMMEDIATE);
    }

    private static void onReactorException(Exception e) {
        // HttpCore reports here what escaped a session; the session is closed, the reactor goes on.
        logger.debug("I/O reactor reported an exception", e);
    }

    /**
     * Keeps connects on the calling I/O thread; spreads accepted connections round robin.
     */
    private static final class AffinitySelector implements IOWorkerSelector {
        private final IoReactor owner;
        private final AtomicInteger next = new AtomicInteger();

        AffinitySelector(IoReactor owner) {
            this.owner = owner;
        }

        @Override
        public int select(IOWorkerStats[] workers) {
            int current = owner.currentWorker();
            if (current >= 0 && current < workers.length) {
                return current;
            }
            Integer preferred = PREFERRED_WORKER.get();
            if (preferred != null && preferred >= 0 && preferred < workers.length) {
                return preferred;
            }
            return Math.floorMod(next.getAndIncrement(), workers.length);
        }
    }
}
