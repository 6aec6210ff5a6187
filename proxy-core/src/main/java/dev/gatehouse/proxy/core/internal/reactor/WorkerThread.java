package dev.gatehouse.proxy.core.internal.reactor;

import java.util.ArrayDeque;

/**
 * An I/O thread of an {@link IoReactor}. It knows its index, so work started on it (an upstream connect, a
 * pool lease) can stay on it: a client connection and the upstream connections that serve it share one
 * thread, and an exchange never hops between reactors.
 */
public final class WorkerThread extends Thread {

    /** How many deferred flushes one callback may run before the rest go through the selector. */
    private static final int MAX_FLUSHES = 1024;

    private final IoReactor owner;
    private final int index;
    /** How deep this thread is in protocol handler callbacks; 0 in the reactor's own code. */
    private int callbackDepth;
    /** Sessions whose wish to write waits for the outermost callback to return; see {@link DeferredWriteSession}. */
    private final ArrayDeque<DeferredWriteSession> flushes = new ArrayDeque<>();

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
     * Marks the start of a protocol handler callback on the calling thread.
     *
     * @return the I/O thread to hand to {@link #callbackEnded}, or null when the caller is not an I/O thread
     */
    public static WorkerThread callbackStarted() {
        Thread current = Thread.currentThread();
        if (current instanceof WorkerThread) {
            WorkerThread worker = (WorkerThread) current;
            worker.callbackDepth++;
            return worker;
        }
        return null;
    }

    /**
     * Marks the end of a callback started with {@link #callbackStarted}; when it was the outermost one, runs
     * the writes deferred meanwhile.
     */
    public void callbackEnded() {
        try {
            if (callbackDepth == 1 && !flushes.isEmpty()) {
                flushDeferred();
            }
        } finally {
            callbackDepth--;
        }
    }

    boolean inCallback() {
        return callbackDepth > 0;
    }

    void deferFlush(DeferredWriteSession session) {
        flushes.add(session);
    }

    private void flushDeferred() {
        int flushed = 0;
        DeferredWriteSession session;
        while ((session = flushes.poll()) != null) {
            if (flushed++ < MAX_FLUSHES) {
                session.flushDeferred();
            } else {
                // Sessions that keep waking each other: the selector takes over, so other sessions get a turn.
                session.deferToSelector();
            }
        }
    }
}
