package dev.gatehouse.proxy.core.internal.client;

import org.apache.hc.core5.reactor.IOSession;

/**
 * What a connection the proxy opens is for: the attachment of its connect, which tells the protocol
 * dispatcher to give the session an HTTP/1.1 client duplexer, and is told when the socket has closed.
 */
public interface ClientEndpoint {

    /**
     * Called on the connection's I/O thread when its session is created, before the connect completes,
     * with the session its exchanges should be started on.
     */
    default void sessionCreated(IOSession session) {
    }

    /** Called once the connection's socket has closed. */
    void disconnected();
}
