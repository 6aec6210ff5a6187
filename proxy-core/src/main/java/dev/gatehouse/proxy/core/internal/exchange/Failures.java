package dev.gatehouse.proxy.core.internal.exchange;

import dev.gatehouse.proxy.NoHealthyUpstreamException;
import dev.gatehouse.proxy.ProxyException;
import dev.gatehouse.proxy.core.internal.client.UpstreamSaturatedException;
import dev.gatehouse.proxy.UpstreamTimeoutException;
import dev.gatehouse.proxy.UpstreamUnavailableException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.RequestNotExecutedException;

/**
 * Turns what went wrong with an upstream into the one status a client gets: 502 when the upstream refused,
 * reset, closed or answered nonsense; 504 when it did not answer in time.
 */
final class Failures {

    private Failures() {
    }

    /**
     * Maps an upstream failure.
     *
     * @param connected whether a connection was established (a timeout before is a connect timeout)
     * @param where the upstream, for the message
     */
    static ProxyException upstream(Throwable cause, boolean connected, Object where) {
        if (cause instanceof UpstreamSaturatedException) {
            return new NoHealthyUpstreamException(cause.getMessage(), null);
        }
        if (cause instanceof SocketTimeoutException) {
            return new UpstreamTimeoutException(
                    (connected ? "no response from " : "connect timeout to ") + where, cause);
        }
        if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
            return new UpstreamUnavailableException("cannot connect to " + where + ": " + cause.getMessage(), cause);
        }
        if (cause instanceof UnknownHostException) {
            return new UpstreamUnavailableException("cannot resolve " + where, cause);
        }
        if (cause instanceof RequestNotExecutedException) {
            return new UpstreamUnavailableException("connection to " + where + " closed before the request was sent", cause);
        }
        if (cause instanceof ConnectionClosedException) {
            return new UpstreamUnavailableException("connection to " + where + " closed before a complete response", cause);
        }
        if (cause instanceof HttpException) {
            return new UpstreamUnavailableException("invalid response from " + where + ": " + cause.getMessage(), cause);
        }
        return new UpstreamUnavailableException("connection to " + where + " failed: " + cause, cause);
    }

    /** Strips the wrappers CompletableFuture puts around a failure. */
    static Throwable unwrap(Throwable failure) {
        Throwable current = failure;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
