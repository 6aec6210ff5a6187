package dev.gatehouse.proxy.core.internal.client;

/**
 * What a connection the proxy opens is for: the attachment of its connect, which tells the protocol
 * dispatcher to give the session an HTTP/1.1 client duplexer, and is told when the socket has closed.
 */
public interface ClientEndpoint {

    /** Called once the connection's socket has closed. */
    void disconnected();
}
