package dev.gatehouse.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A running (or runnable) proxy: it binds its listeners on {@link #start()} and drains and stops on
 * {@link #close()}. {@code dev.gatehouse.proxy.core.ReverseProxy} is the implementation embedders build.
 *
 * <p>Implementations are thread-safe: {@code close()} may be called from any thread, for example a
 * shutdown hook.
 */
public interface Proxy extends AutoCloseable {

    /**
     * Binds every listener and starts serving.
     *
     * @throws IOException if a listener cannot be bound; nothing is left running then
     * @throws IllegalStateException if the proxy was already started or closed
     */
    void start() throws IOException;

    /** Returns the bound addresses, in the order the listeners were configured; empty before {@link #start()}. */
    List<InetSocketAddress> addresses();

    /**
     * Stops accepting connections, lets exchanges in flight finish for the configured drain time, then
     * closes every connection and stops the I/O threads. Calling it again does nothing.
     */
    @Override
    void close();
}
