package dev.gatehouse.proxy.core.internal.server;

import java.util.Arrays;
import org.apache.hc.core5.util.CharArrayBuffer;

/** Character tests and trimming shared by the proxy's two head parsers, the client's and the upstream's. */
final class HeadText {

    private HeadText() {
    }

    /** Returns true for optional white space (RFC 9110 OWS): space or horizontal tab. */
    static boolean isBlank(char c) {
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
     * Returns the field name {@code text[0, end)}: one of the known constants when spelled exactly as it,
     * else a new string.
     */
    static String fieldName(CharArrayBuffer text, int end) {
        return known(KNOWN_NAMES, text, end);
    }

    /** Returns the method {@code text[0, end)}: a constant for the common ones spelled exactly so, else a new string. */
    static String method(CharArrayBuffer text, int end) {
        return known(KNOWN_METHODS, text, end);
    }

    private static String known(String[][] byLength, CharArrayBuffer text, int end) {
        if (end < byLength.length) {
            char[] chars = text.array();
            for (String known : byLength[end]) {
                int i = 0;
                while (i < end && chars[i] == known.charAt(i)) {
                    i++;
                }
                if (i == end) {
                    return known;
                }
            }
        }
        return text.substring(0, end);
    }

    /** Returns {@code text[from, to)} without leading and trailing OWS; the empty string shares one instance. */
    static String trimmed(CharArrayBuffer text, int from, int to) {
        int start = from;
        int end = to;
        while (start < end && isBlank(text.charAt(start))) {
            start++;
        }
        while (end > start && isBlank(text.charAt(end - 1))) {
            end--;
        }
        return start == end ? "" : text.substring(start, end);
    }
}
