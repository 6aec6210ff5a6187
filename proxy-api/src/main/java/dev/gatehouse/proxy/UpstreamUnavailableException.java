package dev.gatehouse.proxy;

/**
 * The upstream could not be used: the connection was refused or reset, or the upstream sent an invalid response. The proxy answers 502.
 *
 * <p>Stackless; immutable.
 */
public final class UpstreamUnavailableException extends ProxyException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message for logs, and the underlying failure or null. */
    public UpstreamUnavailableException(String message, Throwable cause) {
        super(502, message, cause);
    }

    /** Creates the exception with a message for logs. */
    public UpstreamUnavailableException(String message) {
        super(502, message, null);
    }
}
