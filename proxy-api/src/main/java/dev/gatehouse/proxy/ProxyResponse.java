package dev.gatehouse.proxy;

import static java.util.Objects.requireNonNull;

/**
 * The final response to a request: a status, headers and a {@link Body}.
 *
 * <p>A response that comes from an upstream carries its streamed body; filters can change the status and
 * headers and keep that body, or replace the whole response. A filter that answers on its own builds one
 * with {@link #of(int)}:
 *
 * <pre>{@code
 * return CompletableFuture.completedStage(
 *         ProxyResponse.of(429).withHeader("Retry-After", "1").withBody(Body.of("slow down\n")));
 * }</pre>
 *
 * <p>The proxy writes the framing ({@code Content-Length} or chunked) from the body, so those headers need
 * not be set and are replaced if they are. A non-empty buffered body without a {@code Content-Type} is sent
 * as {@code text/plain; charset=utf-8}, and a response without a {@code Date} gets one. Instances are
 * immutable and thread-safe.
 */
public final class ProxyResponse {

    private final int status;
    private final Headers headers;
    private final Body body;

    private ProxyResponse(int status, Headers headers, Body body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /**
     * Returns a response with the given status, no headers and an empty body.
     *
     * @throws IllegalArgumentException if the status is not a final status, 200 to 599
     */
    public static ProxyResponse of(int status) {
        return new ProxyResponse(checkStatus(status), Headers.empty(), Body.empty());
    }

    /**
     * Returns a response with the given parts.
     *
     * @throws IllegalArgumentException if the status is not between 200 and 599
     */
    public static ProxyResponse of(int status, Headers headers, Body body) {
        return new ProxyResponse(checkStatus(status), requireNonNull(headers, "headers"), requireNonNull(body, "body"));
    }

    /** Returns the status code. */
    public int status() {
        return status;
    }

    /** Returns the headers. */
    public Headers headers() {
        return headers;
    }

    /** Returns the first value of header {@code name}, or null. */
    public String header(String name) {
        return headers.first(name);
    }

    /** Returns the body. */
    public Body body() {
        return body;
    }

    /** Returns a copy with the given status. */
    public ProxyResponse withStatus(int status) {
        return new ProxyResponse(checkStatus(status), headers, body);
    }

    /**
     * Returns a copy with header {@code name} set to the single value {@code value}.
     *
     * @throws IllegalArgumentException if {@code name} is not an RFC 9110 token, or {@code value} holds a
     *     control character other than tab or a character beyond ISO-8859-1 (see {@link Headers})
     */
    public ProxyResponse withHeader(String name, String value) {
        return new ProxyResponse(status, headers.with(name, value), body);
    }

    /**
     * Returns a copy with one more line {@code name: value}.
     *
     * @throws IllegalArgumentException if {@code name} is not an RFC 9110 token, or {@code value} holds a
     *     control character other than tab or a character beyond ISO-8859-1 (see {@link Headers})
     */
    public ProxyResponse withAddedHeader(String name, String value) {
        return new ProxyResponse(status, headers.withAdded(name, value), body);
    }

    /** Returns a copy without header {@code name}; this response when it has none. */
    public ProxyResponse withoutHeader(String name) {
        Headers without = headers.without(name);
        return without == headers ? this : new ProxyResponse(status, without, body);
    }

    /** Returns a copy with the given headers. */
    public ProxyResponse withHeaders(Headers headers) {
        return new ProxyResponse(status, requireNonNull(headers, "headers"), body);
    }

    /** Returns a copy with the given body; a streamed body that is replaced is discarded by the proxy. */
    public ProxyResponse withBody(Body body) {
        return new ProxyResponse(status, headers, requireNonNull(body, "body"));
    }

    /** Returns {@code status} and the body's description, for logs. */
    @Override
    public String toString() {
        return status + " " + body;
    }

    private static int checkStatus(int status) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 200 to 599)");
        }
        return status;
    }
}
