package dev.gatehouse.proxy;

import static java.util.Objects.requireNonNull;

/**
 * The head of a request as the proxy will forward it: method, path, query, authority and headers.
 *
 * <p>The proxy builds one per exchange after it has validated and normalised the client's request, removed
 * the hop-by-hop headers and set the forwarding headers ({@code Via}, {@code X-Forwarded-*},
 * {@code Forwarded}). Filters read it and pass derived copies down the chain; the body is not part of it
 * and streams past the filters.
 *
 * <p>{@link #path()} is the normalised path without the query; {@link #query()} is the raw query text
 * without the {@code ?}, or null. {@link #authority()} is {@code host[:port]} in lower case, taken from the
 * {@code Host} header or from an absolute-form target. Instances are immutable and thread-safe.
 */
public final class ProxyRequest {

    private final String method;
    private final String path;
    private final String query;
    private final String authority;
    private final String scheme;
    private final String version;
    private final Headers headers;

    private ProxyRequest(Builder builder) {
        this.method = builder.method;
        this.path = builder.path;
        this.query = builder.query;
        this.authority = builder.authority;
        this.scheme = builder.scheme;
        this.version = builder.version;
        this.headers = builder.headers;
    }

    /** Returns a new builder; method, path and authority must be set before {@code build()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the method, such as {@code GET}, as sent (methods are case-sensitive). */
    public String method() {
        return method;
    }

    /** Returns the path: it starts with {@code /}, or is {@code *} for {@code OPTIONS *}. */
    public String path() {
        return path;
    }

    /** Returns the query without the leading {@code ?}, exactly as received, or null when there is none. */
    public String query() {
        return query;
    }

    /** Returns the path followed by {@code ?query} when there is a query: the forwarded request target. */
    public String target() {
        return query == null ? path : path + "?" + query;
    }

    /** Returns {@code host[:port]} in lower case, IPv6 literals in brackets. */
    public String authority() {
        return authority;
    }

    /** Returns the host part of {@link #authority()}, without brackets or port. */
    public String host() {
        return hostOf(authority);
    }

    /** Returns the scheme the client used, {@code http} or {@code https}. */
    public String scheme() {
        return scheme;
    }

    /** Returns the protocol version the client used, such as {@code HTTP/1.1}. */
    public String version() {
        return version;
    }

    /** Returns the headers. */
    public Headers headers() {
        return headers;
    }

    /** Returns the first value of header {@code name}, or null. */
    public String header(String name) {
        return headers.first(name);
    }

    /**
     * Returns a copy with header {@code name} set to the single value {@code value}.
     *
     * @throws IllegalArgumentException if {@code name} is not an RFC 9110 token, or {@code value} holds a
     *     control character other than tab or a character beyond ISO-8859-1 (see {@link Headers})
     */
    public ProxyRequest withHeader(String name, String value) {
        return toBuilder().headers(headers.with(name, value)).build();
    }

    /**
     * Returns a copy with one more line {@code name: value}.
     *
     * @throws IllegalArgumentException if {@code name} is not an RFC 9110 token, or {@code value} holds a
     *     control character other than tab or a character beyond ISO-8859-1 (see {@link Headers})
     */
    public ProxyRequest withAddedHeader(String name, String value) {
        return toBuilder().headers(headers.withAdded(name, value)).build();
    }

    /** Returns a copy without header {@code name}; this request when it has none. */
    public ProxyRequest withoutHeader(String name) {
        Headers without = headers.without(name);
        return without == headers ? this : toBuilder().headers(without).build();
    }

    /** Returns a copy with the given headers. */
    public ProxyRequest withHeaders(Headers headers) {
        return toBuilder().headers(headers).build();
    }

    /**
     * Returns a copy with the given path (no query). A filter that changes the path takes over from the
     * route: the route's own path rewrite is not applied on top of it.
     */
    public ProxyRequest withPath(String path) {
        return toBuilder().path(path).build();
    }

    /** Returns a copy with the given raw query (without {@code ?}), or no query when null. */
    public ProxyRequest withQuery(String query) {
        return toBuilder().query(query).build();
    }

    /** Returns a copy with the given method. */
    public ProxyRequest withMethod(String method) {
        return toBuilder().method(method).build();
    }

    /** Returns a builder initialised with this request. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.method = method;
        builder.path = path;
        builder.query = query;
        builder.authority = authority;
        builder.scheme = scheme;
        builder.version = version;
        builder.headers = headers;
        return builder;
    }

    /** Returns {@code METHOD authority target}, for logs; header values are not included. */
    @Override
    public String toString() {
        return method + " " + authority + target();
    }

    static String hostOf(String authority) {
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            return close < 0 ? authority : authority.substring(1, close);
        }
        int colon = authority.lastIndexOf(':');
        return colon < 0 ? authority : authority.substring(0, colon);
    }

    /** Builds a {@link ProxyRequest}. Mutable and not thread-safe; reusable after {@code build()}. */
    public static final class Builder {
        private String method;
        private String path;
        private String query;
        private String authority;
        private String scheme = "http";
        private String version = "HTTP/1.1";
        private Headers headers = Headers.empty();

        private Builder() {
        }

        /** Sets the method; it must be an RFC 9110 token. */
        public Builder method(String method) {
            requireNonNull(method, "method");
            if (method.isEmpty()) {
                throw new IllegalArgumentException("method is empty (expected: an RFC 9110 token)");
            }
            for (int i = 0; i < method.length(); i++) {
                if (!Headers.isTokenChar(method.charAt(i))) {
                    throw new IllegalArgumentException("method: \"" + method + "\" (expected: an RFC 9110 token)");
                }
            }
            this.method = method;
            return this;
        }

        /** Sets the path; it must start with {@code /} (or be {@code *}) and hold no space, control, {@code ?} or {@code #}. */
        public Builder path(String path) {
            requireNonNull(path, "path");
            if (!path.equals("*") && !path.startsWith("/")) {
                throw new IllegalArgumentException("path: \"" + path + "\" (expected: a path that starts with /)");
            }
            checkTargetPart("path", path, true);
            this.path = path;
            return this;
        }

        /** Sets the raw query without {@code ?}, or none when null; it must hold no space, control or {@code #}. */
        public Builder query(String query) {
            if (query != null) {
                checkTargetPart("query", query, false);
            }
            this.query = query;
            return this;
        }

        /** Sets the authority, {@code host[:port]}; it is kept in lower case. */
        public Builder authority(String authority) {
            requireNonNull(authority, "authority");
            for (int i = 0; i < authority.length(); i++) {
                char c = authority.charAt(i);
                boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                        || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_' || c == '%'
                        || c == '~' || c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' || c == ')'
                        || c == '*' || c == '+' || c == ',' || c == ';' || c == '=';
                if (!ok) {
                    throw new IllegalArgumentException("authority: \"" + authority
                            + "\" has an invalid character at index " + i + " (expected: host[:port])");
                }
            }
            this.authority = authority.toLowerCase(java.util.Locale.ROOT);
            return this;
        }

        /** Sets the scheme, {@code http} (the default) or {@code https}. */
        public Builder scheme(String scheme) {
            requireNonNull(scheme, "scheme");
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("scheme: \"" + scheme + "\" (expected: http or https)");
            }
            this.scheme = scheme;
            return this;
        }

        /** Sets the protocol version, such as {@code HTTP/1.1} (the default). */
        public Builder version(String version) {
            this.version = requireNonNull(version, "version");
            return this;
        }

        /** Sets the headers. */
        public Builder headers(Headers headers) {
            this.headers = requireNonNull(headers, "headers");
            return this;
        }

        /**
         * Returns the request.
         *
         * @throws IllegalStateException if method, path or authority was not set
         */
        public ProxyRequest build() {
            if (method == null || path == null || authority == null) {
                throw new IllegalStateException("method, path and authority must be set (method: " + method
                        + ", path: " + path + ", authority: " + authority + ")");
            }
            return new ProxyRequest(this);
        }

        private static void checkTargetPart(String what, String text, boolean isPath) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c <= 0x20 || c >= 0x7f || c == '#' || (isPath && c == '?')) {
                    throw new IllegalArgumentException(what + ": \"" + text + "\" has an invalid character 0x"
                            + Integer.toHexString(c) + " at index " + i
                            + " (expected: visible ASCII without #" + (isPath ? " or ?" : "") + ")");
                }
            }
        }
    }
}
