package dev.gatehouse.proxy.core.internal.server;

/**
 * The validated parts of a client's request head, or the reason it was rejected.
 */
public final class RequestHead {

    private final int rejectStatus;
    private final String rejectReason;
    final String method;
    final String path;
    final String query;
    final String authority;
    final String host;
    final boolean http10;
    final boolean expectContinue;

    private RequestHead(int rejectStatus, String rejectReason, String method, String path, String query,
                        String authority, String host, boolean http10, boolean expectContinue) {
        this.rejectStatus = rejectStatus;
        this.rejectReason = rejectReason;
        this.method = method;
        this.path = path;
        this.query = query;
        this.authority = authority;
        this.host = host;
        this.http10 = http10;
        this.expectContinue = expectContinue;
    }

    static RequestHead rejected(int status, String reason) {
        return new RequestHead(status, reason, null, null, null, null, null, false, false);
    }

    static RequestHead accepted(String method, String path, String query, String authority, String host,
                                boolean http10, boolean expectContinue) {
        return new RequestHead(0, null, method, path, query, authority, host, http10, expectContinue);
    }

    /** Returns true when the request must be answered with {@link #rejectStatus()}. */
    public boolean isRejected() {
        return rejectStatus != 0;
    }

    /** Returns the status to answer a rejected request with. */
    public int rejectStatus() {
        return rejectStatus;
    }

    /** Returns why the request was rejected, for the DEBUG log; never sent to the client. */
    public String rejectReason() {
        return rejectReason;
    }

    /** Returns the method. */
    public String method() {
        return method;
    }

    /** Returns the path, starting with {@code /} or {@code *}. */
    public String path() {
        return path;
    }

    /** Returns the raw query, or null. */
    public String query() {
        return query;
    }

    /** Returns {@code host[:port]} in lower case, with the scheme's default port removed. */
    public String authority() {
        return authority;
    }

    /** Returns the host in lower case without port or brackets, for routing. */
    public String host() {
        return host;
    }

    /** Returns true for an HTTP/1.0 client. */
    public boolean isHttp10() {
        return http10;
    }

    /** Returns true when the client sent {@code Expect: 100-continue} with a body, over HTTP/1.1. */
    public boolean expectsContinue() {
        return expectContinue;
    }
}
