package dev.gatehouse.proxy.core.internal.client;

/** Receives the outcome of {@link UpstreamPool#lease}; called once, on an I/O thread or the caller's. */
public interface LeaseCallback {

    /** A connection is ready; {@code reused} tells whether it carried an exchange before. */
    void leased(UpstreamConnection connection, boolean reused);

    /** No connection could be made; {@code cause} is the connect failure. */
    void leaseFailed(Exception cause);
}
