package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.core.internal.headers.HeaderRules;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Character tests and trimming shared by the proxy's two head parsers, the client's and the upstream's. */
final class HeadText {

    private HeadText() {
    }

    /** Returns true for optional white space (RFC 9110 OWS): space or horizontal tab. */
    static boolean isBlank(int c) {
        return c == ' ' || c == '\t';
    }

    static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /** Returns true when {@code text} is one or more ASCII digits and nothing else. */
    static boolean allDigits(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!isDigit(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Field names seen on nearly every message, in their usual spelling. A parsed name spelled exactly so is
     * returned as this constant instead of a new string: no allocation, and the many case-insensitive
     * comparisons against the same literals elsewhere end at the identity check. Indexed by length.
     */
    private static final String[][] KNOWN_NAMES = knownNames("Host", "Connection", "Content-Length",
            "Content-Type", "Transfer-Encoding", "Date", "Server", "Last-Modified", "ETag", "Accept-Ranges",
            "Accept", "Accept-Encoding", "Accept-Language", "User-Agent", "Keep-Alive", "Cache-Control", "Vary",
            "Expires", "Location", "Cookie", "Set-Cookie", "Content-Encoding", "Authorization", "Referer",
            "Origin", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id", "Via",
            "Forwarded", "Upgrade", "Expect", "TE", "Trailer", "Age", "If-None-Match", "If-Modified-Since");

    /** The methods of RFC 9110 and PATCH, returned as constants like the known field names. */
    private static final String[][] KNOWN_METHODS = knownNames("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS",
            "PATCH", "CONNECT", "TRACE");

    private static String[][] knownNames(String... names) {
        int longest = 0;
        for (String name : names) {
            longest = Math.max(longest, name.length());
        }
        String[][] byLength = new String[longest + 1][0];
        for (String name : names) {
            String[] row = byLength[name.length()];
            row = Arrays.copyOf(row, row.length + 1);
            row[row.length - 1] = name;
            byLength[name.length()] = row;
        }
        return byLength;
    }

    /**
     * Returns the field name {@code bytes[from, to)}: one of the known constants when spelled exactly as it,
     * else a new string.
     */
    static String fieldName(byte[] bytes, int from, int to) {
        return known(KNOWN_NAMES, bytes, from, to);
    }

    /**
     * Returns the method {@code bytes[from, to)}: a constant for the common ones spelled exactly so, else a new
     * string.
     */
    static String method(byte[] bytes, int from, int to) {
        return known(KNOWN_METHODS, bytes, from, to);
    }

    private static String known(String[][] byLength, byte[] bytes, int from, int to) {
        int length = to - from;
        if (length < byLength.length) {
            for (String known : byLength[length]) {
                int i = 0;
                while (i < length && bytes[from + i] == known.charAt(i)) {
                    i++;
                }
                if (i == length) {
                    return known;
                }
            }
        }
        return text(bytes, from, to);
    }

    /** Returns {@code bytes[from, to)} as a string, each byte one ISO-8859-1 character. */
    static String text(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** Returns {@code bytes[from, to)} without leading and trailing OWS; the empty string shares one instance. */
    static String trimmed(byte[] bytes, int from, int to) {
        int start = from;
        int end = to;
        while (start < end && isBlank(bytes[start])) {
            start++;
        }
        while (end > start && isBlank(bytes[end - 1])) {
            end--;
        }
        return start == end ? "" : text(bytes, start, end);
    }

    /** Returns true when every byte of {@code bytes[from, to)} is an RFC 9110 token character. */
    static boolean isToken(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!HeaderRules.isTokenChar((char) (bytes[i] & 0xff))) {
                return false;
            }
        }
        return true;
    }

    /** Returns the index of the first {@code b} in {@code bytes[from, to)}, or -1. */
    static int indexOf(byte[] bytes, int b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
