package dev.gatehouse.proxy;

/**
 * The upstream did not answer in time: the connect, response or idle timeout passed. The proxy answers 504.
 *
 * <p>Stackless; immutable.
 */
public final class UpstreamTimeoutException extends ProxyException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message for logs, and the underlying failure or null. */
    public UpstreamTimeoutException(String message, Throwable cause) {
        super(504, message, cause);
    }

    /** Creates the exception with a message for logs. */
    public UpstreamTimeoutException(String message) {
        super(504, message, null);
    }
}
