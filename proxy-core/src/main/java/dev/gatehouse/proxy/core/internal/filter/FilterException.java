package dev.gatehouse.proxy.core.internal.filter;

import dev.gatehouse.proxy.filter.Filter;

/**
 * A filter threw, returned null or broke the chain contract. The proxy answers 500 and logs it at WARN,
 * naming the filter.
 */
public final class FilterException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Filter filter;

    FilterException(Filter filter, String message, Throwable cause) {
        super("filter " + filter + " " + message, cause);
        this.filter = filter;
    }

    /** Returns the filter at fault. */
    public Filter filter() {
        return filter;
    }
}
