package dev.gatehouse.proxy;

/**
 * A failure the proxy answers with a status of its own, such as 502 when an upstream refuses the
 * connection. The stages a {@link dev.gatehouse.proxy.filter.FilterChain} returns fail with one of the
 * subclasses, so a filter can recover from a specific failure:
 *
 * <pre>{@code
 * return chain.proceed(request).exceptionally(failure -> {
 *     if (failure instanceof CompletionException && failure.getCause() instanceof NoHealthyUpstreamException) {
 *         return ProxyResponse.of(200).withBody(Body.of("served from the fallback\n"));
 *     }
 *     throw failure instanceof CompletionException ? (CompletionException) failure : new CompletionException(failure);
 * });
 * }</pre>
 *
 * <p>These exceptions can be raised thousands of times a second during an outage, so they carry no stack
 * trace of their own; the cause, when there is one, keeps its trace. Instances are immutable.
 */
public class ProxyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * Creates an exception that the proxy answers with {@code status}.
     *
     * @param status the status the client gets, 400 to 599
     * @param message a short description for logs; it is never sent to the client
     * @param cause the underlying failure, or null
     */
    protected ProxyException(int status, String message, Throwable cause) {
        super(message, cause, false, false);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 400 to 599)");
        }
        this.status = status;
    }

    /** Returns the status the client gets for this failure. */
    public int status() {
        return status;
    }
}
