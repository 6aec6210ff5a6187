package dev.gatehouse.proxy.core.internal.reactor;

import java.nio.channels.Selector;
import java.util.ArrayDeque;

/**
 * An I/O thread of an {@link IoReactor}. It knows its index, so work started on it (an upstream connect, a
 * pool lease) can stay on it: a client connection and the upstream connections that serve it share one
 * thread, and an exchange never hops between reactors.
 *
 * <p>It also runs the writes its sessions' handlers wished for inside their callbacks (see
 * {@link DeferredWriteSession}), and it runs them together: once every key one select returned has been
 * handled, not after each key. A burst of ready connections then ends in a burst of writes, so a peer
 * that sleeps (the origin, a client) is woken once for the burst rather than once per write; on a machine
 * whose CPUs are busy that spares a rescheduling interrupt per exchange. The thread counts the keys it has
 * handled against the selector's selected set; when that count cannot be trusted (a key that produced no
 * callback), one deferred session keeps its write interest on the key as a safety net, so the next select
 * returns at once and the writes go then.
 *
 * <p>Within a burst the writes go by side: first to clients, then to upstreams, each side in the order its
 * wishes came. The writes to one peer then follow each other closely, and a peer woken by the first finds the
 * others waiting when it runs instead of finishing, sleeping and being woken again; the responses go first, so
 * the clients' next requests are on their way while the requests to the upstreams are written. In the order
 * the wishes came, the two sides alternated, and the origin and the load generator of the benchmark were woken
 * twice as often (0.085 and 0.165 times per request from the proxy's CPU, against 0.043 and 0.10).
 */
public final class WorkerThread extends Thread {

    /** How many deferred flushes one callback may run before the rest go through the selector. */
    private static final int MAX_FLUSHES = 1024;
    /** How many sessions may wait for the end of a batch; one more and the writes go at once. */
    private static final int MAX_BATCH = 64;

    private final IoReactor owner;
    private final int index;
    /** How deep this thread is in protocol handler callbacks; 0 in the reactor's own code. */
    private int callbackDepth;
    /** Client sessions whose wish to write waits for the end of the batch; see {@link DeferredWriteSession}. */
    private final ArrayDeque<DeferredWriteSession> clientFlushes = new ArrayDeque<>();
    /** Upstream sessions whose wish to write waits for the end of the batch; written after the clients'. */
    private final ArrayDeque<DeferredWriteSession> upstreamFlushes = new ArrayDeque<>();
    /** This thread's selector, learned from the first session that reveals it; null: flush after each callback. */
    private Selector selector;
    /** The session of the key handled last, so several callbacks for one key count once. */
    private Object keySession;
    /** Keys of the current batch handled so far. */
    private int keysHandled;
    /** The deferred session whose key holds the write interest while the batch lasts, or null. */
    private DeferredWriteSession anchor;
    /** The time {@link #nanoTime} gives for the rest of the current callback, once read. */
    private long callbackNanos;
    /** True once the current callback has read the clock. */
    private boolean clockRead;

    WorkerThread(IoReactor owner, int index, Runnable task, String name) {
        super(task, name);
        this.owner = owner;
        this.index = index;
        setDaemon(true);
    }

    /** Returns the index of this worker within its reactor, 0 to threads - 1. */
    public int index() {
        return index;
    }

    IoReactor owner() {
        return owner;
    }

    /**
     * Marks the start of a protocol handler callback on the calling thread that belongs to no selected key.
     *
     * @return the I/O thread to hand to {@link #callbackEnded}, or null when the caller is not an I/O thread
     */
    static WorkerThread callbackStarted() {
        Thread current = Thread.currentThread();
        if (current instanceof WorkerThread) {
            WorkerThread worker = (WorkerThread) current;
            if (worker.callbackDepth++ == 0) {
                worker.clockRead = false;
            }
            return worker;
        }
        return null;
    }

    /**
     * Marks the start of a callback the reactor makes for {@code session}, HttpCore's session as the reactor
     * passes it to the handler.
     *
     * @return the I/O thread to hand to {@link #callbackEnded}, or null when the caller is not an I/O thread
     */
    public static WorkerThread callbackStarted(Object session) {
        WorkerThread worker = callbackStarted();
        if (worker != null && worker.callbackDepth == 1) {
            worker.keyStarted(session);
        }
        return worker;
    }

    private void keyStarted(Object session) {
        if (selector == null) {
            selector = SelectorProbe.selectorOf(session);
        }
        if (session != keySession) {
            keySession = session;
            keysHandled++;
        }
    }

    /**
     * Marks the end of a callback started with {@link #callbackStarted}; when it was the outermost one and the
     * last of the batch, runs the writes deferred meanwhile.
     */
    public void callbackEnded() {
        try {
            if (callbackDepth == 1) {
                outermostEnded();
            }
        } finally {
            callbackDepth--;
        }
    }

    private void outermostEnded() {
        // Outside the loop over selected keys (closed sessions, timeouts) the set is empty: the batch is over.
        boolean batchEnded = selector == null || keysHandled >= selector.selectedKeys().size();
        if (batchEnded) {
            keysHandled = 0;
            keySession = null;
        }
        int waiting = clientFlushes.size() + upstreamFlushes.size();
        if (waiting == 0) {
            return;
        }
        if (batchEnded || waiting >= MAX_BATCH || !anchored()) {
            flushDeferred();
        }
    }

    /** Makes sure a waiting session's key holds the write interest, so the writes cannot be forgotten. */
    private boolean anchored() {
        if (anchor != null && anchor.anchors()) {
            return true;
        }
        anchor = null;
        return anchorIn(clientFlushes) || anchorIn(upstreamFlushes);
    }

    private boolean anchorIn(ArrayDeque<DeferredWriteSession> sessions) {
        for (DeferredWriteSession session : sessions) {
            if (session.anchor()) {
                anchor = session;
                return true;
            }
        }
        return false;
    }

    /**
     * Returns {@link System#nanoTime()} as read at the first call within the current protocol handler
     * callback (one session's event, or one session's deferred write), or read now outside callbacks. See
     * {@link LoopClock}.
     */
    long nanoTime() {
        if (callbackDepth == 0) {
            return System.nanoTime();
        }
        if (!clockRead) {
            callbackNanos = System.nanoTime();
            clockRead = true;
        }
        return callbackNanos;
    }

    boolean inCallback() {
        return callbackDepth > 0;
    }

    void deferFlush(DeferredWriteSession session) {
        (session.upstream ? upstreamFlushes : clientFlushes).add(session);
    }

    private void flushDeferred() {
        DeferredWriteSession anchored = anchor;
        anchor = null;
        int flushed = 0;
        DeferredWriteSession session;
        // A flush may wish another session to write (a response that lets a request go on): it joins its
        // side's queue and is written in this turn, clients still first.
        while ((session = clientFlushes.poll()) != null || (session = upstreamFlushes.poll()) != null) {
            if (flushed++ < MAX_FLUSHES) {
                clockRead = false;
                session.flushDeferred();
            } else {
                // Sessions that keep waking each other: the selector takes over, so other sessions get a turn.
                session.deferToSelector();
            }
        }
        if (anchored != null) {
            anchored.release();
        }
    }
}
