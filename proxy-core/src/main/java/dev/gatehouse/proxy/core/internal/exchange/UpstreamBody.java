package dev.gatehouse.proxy.core.internal.exchange;

import dev.gatehouse.proxy.Body;

/**
 * The handle filters see for the body of an upstream response. The bytes never pass through it: they
 * stream from the upstream connection to the client connection with back-pressure. Immutable.
 */
final class UpstreamBody implements Body {

    private final UpstreamAttempt attempt;
    private final long length;

    UpstreamBody(UpstreamAttempt attempt, long length) {
        this.attempt = attempt;
        this.length = length;
    }

    UpstreamAttempt attempt() {
        return attempt;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public String toString() {
        return length >= 0 ? "Body[streamed, " + length + " bytes]" : "Body[streamed]";
    }
}
