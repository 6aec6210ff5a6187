package dev.gatehouse.proxy.core.internal.client;

import java.io.IOException;

/** The upstream is at its connection limit and no connection came free in time, or its queue is full: 503. */
public final class UpstreamSaturatedException extends IOException {

    private static final long serialVersionUID = 1L;

    UpstreamSaturatedException(String message) {
        super(message, null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;    // raised under overload, many times a second: no stack trace
    }
}
