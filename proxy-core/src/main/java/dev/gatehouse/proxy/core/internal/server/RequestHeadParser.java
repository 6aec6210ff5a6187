package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.core.internal.headers.FieldFacts;
import dev.gatehouse.proxy.core.internal.headers.HeaderRules;
import java.util.Locale;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.ProtocolVersion;

/**
 * Judges a client's request head once, on one interpretation, and produces the parts the proxy routes and
 * forwards: method, path, query and authority. What it cannot judge safely it rejects.
 *
 * <ul>
 *   <li>Targets: origin-form ({@code /path?query}), absolute-form ({@code http://host/path}, routed by its
 *       authority only; the Host header is then ignored), and {@code *} for {@code OPTIONS}. Anything else
 *       is 400. {@code CONNECT} and {@code TRACE} are 405.</li>
 *   <li>Host: HTTP/1.1 needs exactly one valid {@code Host}; it is lower-cased, a trailing dot and the
 *       scheme's default port are removed.</li>
 *   <li>Paths, normalised once so routing, filters and the upstream see the same one: no control bytes,
 *       spaces, {@code #}, backslashes or non-ASCII; percent signs must start an escape. Escapes of unreserved
 *       characters are decoded ({@code %2e} is a dot) and the others upper-cased, never decoded twice;
 *       {@code %00} and bytes that cannot start UTF-8 ({@code %C0}, {@code %C1}, {@code %F5}-{@code %FF}) are
 *       400; {@code %2F} and {@code %5C} are 400 or kept encoded, as the {@link PathPolicy} says. Runs of
 *       slashes are merged (by default). A dot-segment with parameters ({@code ..;x}) is 400: servers such as
 *       Tomcat read it as {@code ..}. Dot-segments are removed (RFC 3986 5.2.4); a path that climbs above
 *       the root is 400.</li>
 *   <li>{@code Expect: 100-continue} is honoured for HTTP/1.1 requests with a body; any other expectation
 *       is 417.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class RequestHeadParser {

    private RequestHeadParser() {
    }

    /**
     * Parses and validates {@code request}.
     *
     * @param hasBody whether the request has content (a length or chunked coding)
     * @param scheme the listener's scheme
     * @param localAuthority the listener's {@code address:port}, used when an HTTP/1.0 request has no Host
     */
    public static RequestHead parse(HttpRequest request, boolean hasBody, String scheme, String localAuthority) {
        return parse(request, hasBody, scheme, localAuthority, PathPolicy.DEFAULTS);
    }

    /** Parses and validates {@code request}, normalising its path as {@code paths} says. */
    public static RequestHead parse(HttpRequest request, boolean hasBody, String scheme, String localAuthority,
                                    PathPolicy paths) {
        ProtocolVersion version = request.getVersion();
        if (version != null && version.getMajor() != 1) {
            return RequestHead.rejected(505, "unsupported protocol version " + version);
        }
        boolean http10 = version != null && version.getMinor() == 0;
        String method = request.getMethod();
        if (!HeaderRules.isToken(method)) {
            return RequestHead.rejected(400, "method is not a token");
        }
        if (method.equals("CONNECT") || method.equals("TRACE")) {
            return RequestHead.rejected(405, method + " is not allowed");
        }
        String target = request.getPath();
        if (target == null || target.isEmpty()) {
            return RequestHead.rejected(400, "empty request target");
        }
        String targetAuthority = null;
        String pathAndQuery;
        if (target.charAt(0) == '/') {
            pathAndQuery = target;
        } else if (target.equals("*")) {
            if (!method.equals("OPTIONS")) {
                return RequestHead.rejected(400, "asterisk-form target with " + method);
            }
            pathAndQuery = "*";
        } else if (startsWithIgnoreCase(target, "http://") || startsWithIgnoreCase(target, "https://")) {
            int start = target.indexOf("://") + 3;
            int end = start;
            while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?'
                    && target.charAt(end) != '#') {
                end++;
            }
            targetAuthority = target.substring(start, end);
            if (targetAuthority.indexOf('@') >= 0) {
                return RequestHead.rejected(400, "userinfo in the request target");
            }
            String rest = target.substring(end);
            pathAndQuery = rest.isEmpty() ? "/" : rest.charAt(0) == '?' ? "/" + rest : rest;
        } else {
            return RequestHead.rejected(400, "request target is neither origin-form nor absolute-form");
        }

        String path = pathAndQuery;
        String query = null;
        int questionMark = pathAndQuery.indexOf('?');
        if (questionMark >= 0) {
            path = pathAndQuery.substring(0, questionMark);
            query = pathAndQuery.substring(questionMark + 1);
        }
        String problem = checkPath(path);
        if (problem != null) {
            return RequestHead.rejected(400, problem);
        }
        if (query != null && (problem = checkQuery(query)) != null) {
            return RequestHead.rejected(400, problem);
        }
        if (!path.equals("*")) {
            path = normalizePercent(path, paths.rejectEncodedSlashes());
            if (path == null) {
                return RequestHead.rejected(400, "an escape the path may not carry (%00, an encoded slash or"
                        + " backslash, or a byte that cannot start UTF-8)");
            }
            if (paths.mergeSlashes()) {
                path = mergeSlashes(path);
            }
            if (hasDotSegmentWithParameters(path)) {
                return RequestHead.rejected(400, "a dot-segment with parameters");
            }
            path = removeDotSegments(path);
            if (path == null) {
                return RequestHead.rejected(400, "the path climbs above the root");
            }
        }

        FieldFacts fields = FieldFacts.of(request);
        String hostHeader = fields.host();
        int hostCount = fields.hosts();
        if (hostCount > 1) {
            return RequestHead.rejected(400, "more than one Host header");
        }
        if (hostCount == 0 && !http10) {
            return RequestHead.rejected(400, "no Host header");
        }
        String rawAuthority = targetAuthority != null ? targetAuthority : hostHeader;
        String authority;
        if (rawAuthority == null) {
            authority = localAuthority;
        } else {
            authority = normalizeAuthority(rawAuthority.trim(), scheme);
            if (authority == null) {
                return RequestHead.rejected(400, "invalid authority");
            }
        }
        if (targetAuthority != null && hostHeader != null && normalizeAuthority(hostHeader.trim(), scheme) == null) {
            return RequestHead.rejected(400, "invalid Host header");
        }

        boolean expectContinue = false;
        if (fields.expects() > 0) {
            if (fields.expects() > 1 || !fields.expect().trim().equalsIgnoreCase("100-continue")) {
                return RequestHead.rejected(417, "unsupported expectation");
            }
            expectContinue = true;
        }
        // RFC 9110 10.1.1: an HTTP/1.0 client's expectation is ignored; one without content means nothing.
        expectContinue = expectContinue && !http10 && hasBody;
        return RequestHead.accepted(method, path, query, authority, hostOf(authority), http10, expectContinue);
    }

    /**
     * Returns {@code host[:port]} in lower case, without a trailing dot or the scheme's default port, or
     * null when {@code raw} is not a valid authority.
     */
    static String normalizeAuthority(String raw, String scheme) {
        if (isNormal(raw, scheme)) {
            return raw;                  // the usual case: nothing to change, so nothing to copy
        }
        return normalizeInFull(raw, scheme);
    }

    /** {@link #normalizeAuthority} without its shortcut for authorities that are already normal. */
    static String normalizeInFull(String raw, String scheme) {
        if (raw.isEmpty()) {
            return null;
        }
        String host;
        String port = null;
        if (raw.charAt(0) == '[') {
            int close = raw.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = raw.substring(0, close + 1);
            for (int i = 1; i < close; i++) {
                char c = raw.charAt(i);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                    return null;
                }
            }
            if (close == 1) {
                return null;
            }
            if (close + 1 < raw.length()) {
                if (raw.charAt(close + 1) != ':') {
                    return null;
                }
                port = raw.substring(close + 2);
            }
        } else {
            int colon = raw.indexOf(':');
            host = colon < 0 ? raw : raw.substring(0, colon);
            port = colon < 0 ? null : raw.substring(colon + 1);
            if (host.isEmpty()) {
                return null;
            }
            for (int i = 0; i < host.length(); i++) {
                char c = host.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
                        || c == '_' || c == '~')) {
                    return null;
                }
            }
            if (host.endsWith(".") && host.length() > 1) {
                host = host.substring(0, host.length() - 1);
            }
        }
        if (port != null) {
            if (port.isEmpty()) {
                port = null;
            } else {
                if (port.length() > 5 || !HeadText.allDigits(port)) {
                    return null;
                }
                int number = Integer.parseInt(port);
                if (number < 1 || number > 65535) {
                    return null;
                }
                if (scheme.equals("http") && number == 80 || scheme.equals("https") && number == 443) {
                    port = null;
                } else {
                    port = Integer.toString(number);
                }
            }
        }
        String lower = host.toLowerCase(Locale.ROOT);
        return port == null ? lower : lower + ":" + port;
    }

    /**
     * Returns true when {@code raw} is a valid authority that {@link #normalizeAuthority} would return
     * unchanged: a host name or IPv4 address in lower case without a trailing dot, and no port or a port
     * without leading zeros that is not the scheme's default. Anything else takes the general path.
     */
    private static boolean isNormal(String raw, String scheme) {
        int length = raw.length();
        int colon = -1;
        for (int i = 0; i < length; i++) {
            char c = raw.charAt(i);
            if (c == ':') {
                colon = i;
                break;
            }
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '~')) {
                return false;
            }
        }
        int hostEnd = colon < 0 ? length : colon;
        if (hostEnd == 0 || raw.charAt(hostEnd - 1) == '.') {
            return false;
        }
        if (colon < 0) {
            return true;
        }
        int digits = length - colon - 1;
        if (digits < 1 || digits > 5 || raw.charAt(colon + 1) == '0') {
            return false;
        }
        int port = 0;
        for (int i = colon + 1; i < length; i++) {
            char c = raw.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535 && !(port == 80 && scheme.equals("http")) && !(port == 443 && scheme.equals("https"));
    }

    /** Returns the host of an authority: without port, without brackets. */
    static String hostOf(String authority) {
        if (authority.startsWith("[")) {
            return authority.substring(1, authority.indexOf(']'));
        }
        int colon = authority.lastIndexOf(':');
        return colon < 0 ? authority : authority.substring(0, colon);
    }

    /** Returns why {@code path} cannot be forwarded, or null when it can. */
    static String checkPath(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return "control, space or non-ASCII byte in the path";
            }
            switch (c) {
                case '#':
                    return "fragment in the request target";
                case '\\':
                    return "backslash in the path";
                case '"':
                case '<':
                case '>':
                    return "character '" + c + "' in the path";
                case '%':
                    if (i + 2 >= path.length() || !isHex(path.charAt(i + 1)) || !isHex(path.charAt(i + 2))) {
                        return "a percent sign that does not start an escape";
                    }
                    break;
                default:
                    break;
            }
        }
        return null;
    }

    /** Returns why {@code query} cannot be forwarded, or null when it can. */
    static String checkQuery(String query) {
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return "control, space or non-ASCII byte in the query";
            }
            if (c == '#') {
                return "fragment in the request target";
            }
        }
        return null;
    }

    /**
     * Decodes escapes of unreserved characters and upper-cases the others; returns null for {@code %00}, a
     * byte that cannot start UTF-8, or (when {@code rejectSlashes}) an encoded slash or backslash.
     * {@link #checkPath} has checked that every {@code %} starts an escape.
     */
    static String normalizePercent(String path, boolean rejectSlashes) {
        int first = path.indexOf('%');
        if (first < 0) {
            return path;                      // the common case: nothing to do, nothing allocated
        }
        StringBuilder out = new StringBuilder(path.length());
        out.append(path, 0, first);
        for (int i = first; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            int value = Character.digit(path.charAt(i + 1), 16) * 16 + Character.digit(path.charAt(i + 2), 16);
            i += 2;
            if (value == 0 || value == 0xC0 || value == 0xC1 || value >= 0xF5) {
                return null;
            }
            if ((value == '/' || value == '\\') && rejectSlashes) {
                return null;
            }
            if (value >= 'a' && value <= 'z' || value >= 'A' && value <= 'Z' || value >= '0' && value <= '9'
                    || value == '-' || value == '.' || value == '_' || value == '~') {
                out.append((char) value);
            } else {
                out.append('%').append(Character.toUpperCase(path.charAt(i - 1))).append(Character.toUpperCase(path.charAt(i)));
            }
        }
        return out.toString();
    }

    /** Merges runs of slashes into one. */
    static String mergeSlashes(String path) {
        if (path.indexOf("//") < 0) {
            return path;
        }
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c != '/' || out.length() == 0 || out.charAt(out.length() - 1) != '/') {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Returns true when a segment is {@code .} or {@code ..} followed by {@code ;} parameters. */
    static boolean hasDotSegmentWithParameters(String path) {
        if (path.indexOf(';') < 0) {
            return false;
        }
        for (String segment : path.split("/", -1)) {
            int semicolon = segment.indexOf(';');
            if (semicolon >= 0) {
                String name = segment.substring(0, semicolon);
                if (name.equals(".") || name.equals("..")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Removes {@code .} and {@code ..} segments (RFC 3986 5.2.4) so routing and the upstream see the same
     * path; returns null when a {@code ..} would climb above the root.
     */
    static String removeDotSegments(String path) {
        if (path.indexOf("/.") < 0) {
            return path;                      // the common case: nothing to do, nothing allocated
        }
        String[] segments = path.substring(1).split("/", -1);
        String[] kept = new String[segments.length];
        int size = 0;
        boolean trailingSlash = false;
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            boolean last = i == segments.length - 1;
            if (segment.equals(".")) {
                trailingSlash = last;
            } else if (segment.equals("..")) {
                if (size == 0) {
                    return null;
                }
                size--;
                trailingSlash = last;
            } else {
                kept[size++] = segment;
                trailingSlash = false;
            }
        }
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < size; i++) {
            out.append('/').append(kept[i]);
        }
        if (trailingSlash || out.length() == 0) {
            out.append('/');
        }
        return out.toString();
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    private static boolean startsWithIgnoreCase(String text, String prefix) {
        return text.regionMatches(true, 0, prefix, 0, prefix.length());
    }
}
