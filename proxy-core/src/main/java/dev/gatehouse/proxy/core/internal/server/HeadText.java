package dev.gatehouse.proxy.core.internal.server;

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
