package dev.gatehouse.proxy;

/**
 * No route matches the request: the proxy answers 404.
 *
 * <p>Stackless; immutable.
 */
public final class NoRouteException extends ProxyException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message for logs, and the underlying failure or null. */
    public NoRouteException(String message, Throwable cause) {
        super(404, message, cause);
    }

    /** Creates the exception with a message for logs. */
    public NoRouteException(String message) {
        super(404, message, null);
    }
}
