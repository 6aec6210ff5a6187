package dev.gatehouse.proxy.core.internal.reactor;

/**
 * An I/O thread of an {@link IoReactor}. It knows its index, so work started on it (an upstream connect, a
 * pool lease) can stay on it: a client connection and the upstream connections that serve it share one
 * thread, and an exchange never hops between reactors.
 */
public final class WorkerThread extends Thread {

    private final IoReactor owner;
    private final int index;

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
}
