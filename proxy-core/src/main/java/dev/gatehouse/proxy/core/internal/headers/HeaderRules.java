package dev.gatehouse.proxy.core.internal.headers;

import dev.gatehouse.proxy.Headers;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpMessage;

/**
 * The intermediary rules of RFC 9110 section 7.6, applied once per message in each direction.
 *
 * <ul>
 *   <li>Hop-by-hop headers ({@code Connection}, {@code Keep-Alive}, {@code Proxy-Connection}, {@code TE},
 *       {@code Trailer}, {@code Transfer-Encoding}, {@code Upgrade}, {@code Proxy-Authorization} on
 *       requests, {@code Proxy-Authenticate} on responses) and every header named in {@code Connection}
 *       are removed. A {@code Connection} token naming a framing or routing header ({@code Host},
 *       {@code Content-Length}, {@code Transfer-Encoding}) is ignored: those are rewritten by the proxy
 *       anyway and must not be removable by a client.</li>
 *   <li>The proxy adds {@code Via} to both directions, and on requests sets {@code X-Forwarded-For},
 *       {@code X-Forwarded-Proto}, {@code X-Forwarded-Host} and {@code Forwarded} (RFC 7239). The client's
 *       own forwarding headers are kept and appended to only when the peer is a trusted proxy; from any
 *       other peer they are replaced, so a client cannot spoof its address, scheme or host.</li>
 * </ul>
 *
 * <p>The removal happens before the proxy adds its own headers, so a {@code Connection: X-Forwarded-For}
 * from a client cannot delete what the proxy adds. Immutable and thread-safe.
 */
public final class HeaderRules {

    private static final int KEEP = 0;
    private static final int DROP = 1;
    private static final int HOP = 2;
    private static final int TE = 3;
    private static final int XFF = 4;
    private static final int XF_PROTO = 5;
    private static final int XF_HOST = 6;
    private static final int FORWARDED = 7;
    private static final int UNTRUSTED_ONLY_DROP = 8;
    private static final int PROTECTED = 9;

    private final TrustedProxies trusted;
    private final String viaName;
    private final java.util.Set<String> removed;
    private final String via11;
    private final String via10;
    /**
     * The text derived from the last peer and host this I/O thread forwarded for: consecutive requests on a
     * keep-alive connection share them, so each is formatted once per connection rather than per request.
     */
    private final ThreadLocal<Memo> memo = ThreadLocal.withInitial(Memo::new);

    private static final class Memo {
        InetAddress peer;
        String peerText;
        String host;
        String scheme;
        String element;
    }

    /**
     * Creates the rules.
     *
     * @param trusted the peers whose forwarding headers are believed
     * @param viaName the pseudonym this proxy writes into {@code Via}
     */
    public HeaderRules(TrustedProxies trusted, String viaName) {
        this(trusted, viaName, List.of());
    }

    /**
     * Creates the rules with a deny-list.
     *
     * @param removed names of request fields removed at the edge, whoever sends them (such as
     *     {@code X-Original-URL} or internal identity fields a backend trusts)
     */
    public HeaderRules(TrustedProxies trusted, String viaName, List<String> removed) {
        this.trusted = trusted;
        this.viaName = viaName;
        java.util.Set<String> lower = new java.util.HashSet<>();
        for (String name : removed) {
            lower.add(name.toLowerCase(Locale.ROOT));
        }
        this.removed = java.util.Set.copyOf(lower);
        this.via11 = "1.1 " + viaName;
        this.via10 = "1.0 " + viaName;
    }

    /** Returns the peers whose forwarding headers are believed. */
    public TrustedProxies trusted() {
        return trusted;
    }

    /**
     * Builds the headers to forward for a client request.
     *
     * @param request the request as parsed from the client
     * @param peer the TCP peer
     * @param scheme the scheme the client used
     * @param host the authority the request was routed on, for {@code X-Forwarded-Host} and {@code Forwarded}
     * @param version the client's protocol version, {@code 1.0} or {@code 1.1}, for {@code Via}
     * @throws IllegalArgumentException if a header name or value cannot be forwarded (not a token, or
     *     control characters); the caller answers 400
     */
    public Headers forwardRequest(HttpMessage request, InetAddress peer, String scheme, String host, String version) {
        List<String> nominated = connectionTokens(request);
        boolean peerTrusted = trusted.contains(peer);
        Headers.Builder out = Headers.builder();
        StringBuilder priorXff = null;
        String priorProto = null;
        String priorHost = null;
        StringBuilder priorForwarded = null;
        boolean trailers = false;
        HeadMessage fields = HeadMessage.fieldsOf(request);
        for (int i = 0, n = fields.fieldCount(); i < n; i++) {
            String name = fields.fieldName(i);
            String value = fields.fieldValue(i);
            switch (classifyRequest(name)) {
                case KEEP:
                    // A name with '_' is dropped, as nginx does: CGI-style backends read X_A as X-A, so
                    // Content_Length could frame a body the proxy never judged.
                    if ((nominated == null || !contains(nominated, name)) && name.indexOf('_') < 0
                            && (removed.isEmpty() || !removed.contains(name.toLowerCase(Locale.ROOT)))) {
                        out.add(name, value);
                    }
                    break;
                case TE:
                    trailers |= hasToken(value, "trailers");
                    break;
                case XFF:
                    if (peerTrusted) {
                        priorXff = append(priorXff, value);
                    }
                    break;
                case XF_PROTO:
                    if (peerTrusted && priorProto == null) {
                        priorProto = value.trim();
                    }
                    break;
                case XF_HOST:
                    if (peerTrusted && priorHost == null) {
                        priorHost = value.trim();
                    }
                    break;
                case FORWARDED:
                    if (peerTrusted) {
                        priorForwarded = append(priorForwarded, value);
                    }
                    break;
                case UNTRUSTED_ONLY_DROP:
                    if (peerTrusted && (nominated == null || !contains(nominated, name))) {
                        out.add(name, value);
                    }
                    break;
                default:
                    break;
            }
        }
        if (trailers) {
            out.add("TE", "trailers");
        }
        Memo last = memo.get();
        if (!peer.equals(last.peer)) {
            last.peer = peer;
            last.peerText = IpLiterals.format(peer);
            last.host = null;
        }
        if (!host.equals(last.host) || !scheme.equals(last.scheme)) {
            last.host = host;
            last.scheme = scheme;
            last.element = forwardedElement(peer, host, scheme);
        }
        String peerText = last.peerText;
        out.add("X-Forwarded-For", priorXff == null ? peerText : priorXff.append(", ").append(peerText).toString());
        out.add("X-Forwarded-Proto", priorProto != null && !priorProto.isEmpty() ? priorProto : scheme);
        out.add("X-Forwarded-Host", priorHost != null && !priorHost.isEmpty() ? priorHost : host);
        String element = last.element;
        out.add("Forwarded", priorForwarded == null ? element : priorForwarded.append(", ").append(element).toString());
        out.add("Via", via(version));
        return out.build();
    }

    /**
     * Returns the client's address: the peer's, or, when the peer is trusted, the nearest address in
     * {@code X-Forwarded-For} (read right to left) that is not a trusted proxy.
     */
    public InetAddress clientAddress(HttpMessage request, InetAddress peer) {
        if (!trusted.contains(peer)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (Iterator<Header> it = request.headerIterator("X-Forwarded-For"); it.hasNext(); ) {
            for (String hop : it.next().getValue().split(",")) {
                hops.add(hop.trim());
            }
        }
        InetAddress client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            InetAddress hop = IpLiterals.parse(hops.get(i));
            if (hop == null) {
                break;
            }
            client = hop;
            if (!trusted.contains(hop)) {
                break;
            }
        }
        return client;
    }

    /**
     * Builds the headers to forward for an upstream response: hop-by-hop headers removed, {@code Via}
     * added. {@code Content-Length} is kept as information (the proxy writes its own framing).
     *
     * @throws IllegalArgumentException if a header cannot be forwarded; the caller answers 502
     */
    public Headers forwardResponse(HttpMessage response, String version) {
        List<String> nominated = connectionTokens(response);
        Headers.Builder out = Headers.builder();
        HeadMessage fields = HeadMessage.fieldsOf(response);
        for (int i = 0, n = fields.fieldCount(); i < n; i++) {
            String name = fields.fieldName(i);
            if (classifyResponse(name) == KEEP && (nominated == null || !contains(nominated, name))) {
                out.add(name, fields.fieldValue(i));
            }
        }
        out.add("Via", via(version));
        return out.build();
    }

    /** Returns the {@code Via} value for a message of {@code version}; the usual two are made once. */
    private String via(String version) {
        return version.equals("1.1") ? via11 : version.equals("1.0") ? via10 : version + " " + viaName;
    }

    /**
     * Returns true when a request header with this name and value must not be copied from a filter's
     * request onto the upstream request: hop-by-hop headers, framing, {@code Host} and {@code Expect},
     * which the proxy writes itself. {@code TE} passes only as {@code trailers}.
     */
    public static boolean isReservedOnForwarding(String name, String value) {
        switch (classifyRequest(name)) {
            case HOP:
            case DROP:
            case PROTECTED:
                return true;
            case TE:
                return !value.trim().equalsIgnoreCase("trailers");
            default:
                return false;
        }
    }

    /** Returns true when {@code name} must not be sent on a response (hop-by-hop or framing). */
    public static boolean isHopByHopResponseHeader(String name) {
        int kind = classifyResponse(name);
        return kind == HOP || kind == TE;
    }

    /** Builds one RFC 7239 element: {@code for=...;host=...;proto=...}, quoting where the grammar needs it. */
    static String forwardedElement(InetAddress peer, String host, String scheme) {
        StringBuilder element = new StringBuilder(64).append("for=");
        String address = IpLiterals.format(peer);
        if (IpLiterals.isIpv6(peer)) {
            element.append("\"[").append(address).append("]\"");
        } else {
            element.append(address);
        }
        element.append(";host=");
        appendValue(element, host);
        element.append(";proto=").append(scheme);
        return element.toString();
    }

    /** RFC 7239 values are tokens or quoted strings; a host with a port or brackets needs quotes. */
    private static void appendValue(StringBuilder out, String value) {
        boolean token = !value.isEmpty();
        for (int i = 0; i < value.length() && token; i++) {
            token = isTokenChar(value.charAt(i));
        }
        if (token) {
            out.append(value);
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        out.append('"');
    }

    /** Returns true for an RFC 9110 token character; the table is the API's, so both modules judge alike. */
    public static boolean isTokenChar(char c) {
        return Headers.isTokenChar(c);
    }

    /** Returns true when {@code text} is a non-empty RFC 9110 token. */
    public static boolean isToken(String text) {
        if (text == null || text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!isTokenChar(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the header names listed in {@code Connection}, in lower case, leaving out {@code close},
     * {@code keep-alive} (hop-by-hop anyway) and the protected framing and routing headers; null when none.
     */
    private static List<String> connectionTokens(HttpMessage message) {
        String connection = FieldFacts.of(message).connection();
        if (connection == null || connection.equalsIgnoreCase("keep-alive") || connection.equalsIgnoreCase("close")) {
            return null;                        // the usual values, which nominate nothing
        }
        List<String> tokens = null;
        for (String token : connection.split(",")) {
            String name = token.trim();
            if (name.isEmpty() || name.equalsIgnoreCase("close") || name.equalsIgnoreCase("keep-alive")
                    || classifyRequest(name) == PROTECTED || name.equalsIgnoreCase("host")) {
                continue;
            }
            if (tokens == null) {
                tokens = new ArrayList<>(4);
            }
            tokens.add(name.toLowerCase(Locale.ROOT));
        }
        return tokens;
    }

    private static boolean contains(List<String> lowerNames, String name) {
        for (int i = 0; i < lowerNames.size(); i++) {
            if (lowerNames.get(i).equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns true when the comma-separated list {@code value} holds {@code token} (ignoring case, white space
     * and {@code ;parameters}), without allocating: it runs for {@code Connection} on every message.
     */
    public static boolean hasToken(String value, String token) {
        int length = value.length();
        int i = 0;
        while (i < length) {
            while (i < length && (value.charAt(i) == ' ' || value.charAt(i) == '\t' || value.charAt(i) == ',')) {
                i++;
            }
            int start = i;
            int end = -1;
            while (i < length && value.charAt(i) != ',') {
                if (end < 0 && value.charAt(i) == ';') {
                    end = i;
                }
                i++;
            }
            if (end < 0) {
                end = i;
            }
            while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
                end--;
            }
            if (end - start == token.length() && value.regionMatches(true, start, token, 0, token.length())) {
                return true;
            }
        }
        return false;
    }

    private static StringBuilder append(StringBuilder list, String value) {
        String trimmed = value.trim();
        if (trimmed.isEmpty()) {
            return list;
        }
        if (list == null) {
            return new StringBuilder(trimmed);
        }
        return list.append(", ").append(trimmed);
    }

    // The names are spelled as they usually come (and as the parsers' shared constants and this class's own
    // fields are), so that a name which is one of them is matched by identity, before any case folding.
    private static int classifyRequest(String name) {
        switch (name.length()) {
            case 2:
                return name.equalsIgnoreCase("TE") ? TE : KEEP;
            case 4:
                return name.equalsIgnoreCase("Host") ? DROP : KEEP;
            case 6:
                return name.equalsIgnoreCase("Expect") ? DROP : KEEP;
            case 7:
                return name.equalsIgnoreCase("Trailer") || name.equalsIgnoreCase("Upgrade") ? HOP : KEEP;
            case 9:
                if (name.equalsIgnoreCase("Forwarded")) {
                    return FORWARDED;
                }
                return name.equalsIgnoreCase("X-Real-IP") ? UNTRUSTED_ONLY_DROP : KEEP;
            case 10:
                return name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Keep-Alive") ? HOP : KEEP;
            case 14:
                if (name.equalsIgnoreCase("Content-Length")) {
                    return PROTECTED;
                }
                return name.equalsIgnoreCase("HTTP2-Settings") ? HOP : KEEP;
            case 15:
                return name.equalsIgnoreCase("X-Forwarded-For") ? XFF : KEEP;
            case 16:
                if (name.equalsIgnoreCase("X-Forwarded-Host")) {
                    return XF_HOST;
                }
                if (name.equalsIgnoreCase("Proxy-Connection")) {
                    return HOP;
                }
                return name.equalsIgnoreCase("X-Forwarded-Port") ? UNTRUSTED_ONLY_DROP : KEEP;
            case 17:
                if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    return PROTECTED;
                }
                return name.equalsIgnoreCase("X-Forwarded-Proto") ? XF_PROTO : KEEP;
            case 19:
                return name.equalsIgnoreCase("Proxy-Authorization") ? HOP : KEEP;
            default:
                return KEEP;
        }
    }

    private static int classifyResponse(String name) {
        switch (name.length()) {
            case 2:
                return name.equalsIgnoreCase("TE") ? TE : KEEP;
            case 7:
                return name.equalsIgnoreCase("Trailer") || name.equalsIgnoreCase("Upgrade") ? HOP : KEEP;
            case 10:
                return name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Keep-Alive") ? HOP : KEEP;
            case 16:
                return name.equalsIgnoreCase("Proxy-Connection") ? HOP : KEEP;
            case 17:
                return name.equalsIgnoreCase("Transfer-Encoding") ? HOP : KEEP;
            case 18:
                return name.equalsIgnoreCase("Proxy-Authenticate") ? HOP : KEEP;
            default:
                return KEEP;
        }
    }
}
