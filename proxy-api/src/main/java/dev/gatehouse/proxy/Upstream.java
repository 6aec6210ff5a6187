package dev.gatehouse.proxy;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * One upstream server: a host and a port that a {@link Route} forwards requests to, with a weight that
 * weighted balancing strategies use.
 *
 * <pre>{@code
 * Upstream api1 = Upstream.of("10.0.0.11", 8080);
 * Upstream api2 = Upstream.of("10.0.0.12", 8080).withWeight(2);   // twice api1's share
 * Upstream api3 = Upstream.parse("http://[::1]:8081");
 * }</pre>
 *
 * <p>The host is a DNS name or an IP literal (IPv6 without brackets); it is kept in lower case. Two
 * upstreams are equal when host, port and weight are. Instances are immutable and thread-safe.
 */
public final class Upstream {

    /** The largest weight accepted by {@link #withWeight(int)}. */
    public static final int MAX_WEIGHT = 10_000;

    private final String host;
    private final int port;
    private final int weight;
    private final int hash;

    private Upstream(String host, int port, int weight) {
        this.host = host;
        this.port = port;
        this.weight = weight;
        this.hash = 31 * (31 * host.hashCode() + port) + weight;
    }

    /**
     * Returns the upstream {@code host:port} with weight 1.
     *
     * @throws IllegalArgumentException if the host is empty or has characters a host cannot have, or the
     *     port is not between 1 and 65535
     */
    public static Upstream of(String host, int port) {
        requireNonNull(host, "host");
        String normalized = host;
        if (normalized.startsWith("[") && normalized.endsWith("]")) {
            normalized = normalized.substring(1, normalized.length() - 1);
        }
        if (normalized.isEmpty()) {
            throw new IllegalArgumentException("host is empty (expected: a DNS name or an IP literal)");
        }
        for (int i = 0; i < normalized.length(); i++) {
            char c = normalized.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '-' || c == ':' || c == '_' || c == '%';
            if (!ok) {
                throw new IllegalArgumentException("host: \"" + host + "\" has an invalid character '" + c
                        + "' (expected: a DNS name or an IP literal)");
            }
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1 to 65535)");
        }
        return new Upstream(normalized.toLowerCase(Locale.ROOT), port, 1);
    }

    /**
     * Parses {@code http://host:port}, {@code host:port} or {@code [v6-literal]:port}; the port defaults to
     * 80 when a scheme is given. A trailing slash is allowed; a path is not.
     *
     * @throws IllegalArgumentException if the text is not one of these forms
     */
    public static Upstream parse(String text) {
        requireNonNull(text, "text");
        String rest = text.trim();
        boolean hasScheme = false;
        if (rest.regionMatches(true, 0, "http://", 0, 7)) {
            rest = rest.substring(7);
            hasScheme = true;
        } else if (rest.contains("://")) {
            throw new IllegalArgumentException("upstream: \"" + text + "\" (expected: http://HOST:PORT; "
                    + "only plain http upstreams are supported)");
        }
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.contains("/")) {
            throw new IllegalArgumentException("upstream: \"" + text + "\" has a path (expected: http://HOST:PORT)");
        }
        String host;
        String portText = null;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("upstream: \"" + text + "\" has an unclosed '['");
            }
            host = rest.substring(1, close);
            if (close + 1 < rest.length()) {
                if (rest.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException("upstream: \"" + text + "\" (expected: [IPV6]:PORT)");
                }
                portText = rest.substring(close + 2);
            }
        } else {
            int colon = rest.lastIndexOf(':');
            if (colon >= 0 && rest.indexOf(':') != colon) {
                throw new IllegalArgumentException("upstream: \"" + text + "\" (expected: IPv6 literals in brackets)");
            }
            host = colon < 0 ? rest : rest.substring(0, colon);
            portText = colon < 0 ? null : rest.substring(colon + 1);
        }
        int port;
        if (portText == null) {
            if (!hasScheme) {
                throw new IllegalArgumentException("upstream: \"" + text + "\" has no port (expected: HOST:PORT)");
            }
            port = 80;
        } else {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("upstream: \"" + text + "\" has port \"" + portText
                        + "\" (expected: 1 to 65535)");
            }
        }
        return of(host, port);
    }

    /**
     * Returns a copy with the given weight: an upstream of weight 2 gets twice the share of one of weight 1
     * under weighted strategies.
     *
     * @throws IllegalArgumentException if the weight is not between 1 and {@value #MAX_WEIGHT}
     */
    public Upstream withWeight(int weight) {
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 1 to " + MAX_WEIGHT + ")");
        }
        return weight == this.weight ? this : new Upstream(host, port, weight);
    }

    /** Returns the host name or IP literal, in lower case, IPv6 without brackets. */
    public String host() {
        return host;
    }

    /** Returns the port. */
    public int port() {
        return port;
    }

    /** Returns the weight, 1 unless set. */
    public int weight() {
        return weight;
    }

    /** Returns {@code host:port}, with an IPv6 literal in brackets: the form a Host header takes. */
    public String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof Upstream)) {
            return false;
        }
        Upstream that = (Upstream) other;
        return port == that.port && weight == that.weight && host.equals(that.host);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** Returns {@code host:port}, followed by {@code ;weight=N} when the weight is not 1. */
    @Override
    public String toString() {
        return weight == 1 ? authority() : authority() + ";weight=" + weight;
    }
}
