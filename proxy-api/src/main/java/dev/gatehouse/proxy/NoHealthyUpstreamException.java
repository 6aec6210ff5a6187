package dev.gatehouse.proxy;

/**
 * The route has no upstream that can take the request (none configured as available, all unhealthy or all at their limits): the proxy answers 503.
 *
 * <p>Stackless; immutable.
 */
public final class NoHealthyUpstreamException extends ProxyException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message for logs, and the underlying failure or null. */
    public NoHealthyUpstreamException(String message, Throwable cause) {
        super(503, message, cause);
    }

    /** Creates the exception with a message for logs. */
    public NoHealthyUpstreamException(String message) {
        super(503, message, null);
    }
}
