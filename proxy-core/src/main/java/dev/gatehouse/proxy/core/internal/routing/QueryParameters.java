package dev.gatehouse.proxy.core.internal.routing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads parameters from a raw query ({@code a=1&b=x%20y}) without building a map: route conditions check
 * one or two names, so a scan is cheaper than parsing everything.
 */
final class QueryParameters {

    private QueryParameters() {
    }

    /** Returns true when {@code query} has parameter {@code name}, with value {@code value} when that is not null. */
    static boolean matches(String query, String name, String value) {
        if (query == null) {
            return false;
        }
        int position = 0;
        int length = query.length();
        while (position <= length) {
            int end = query.indexOf('&', position);
            if (end < 0) {
                end = length;
            }
            int equals = query.indexOf('=', position);
            int nameEnd = equals >= 0 && equals < end ? equals : end;
            if (decode(query, position, nameEnd).equals(name)) {
                if (value == null) {
                    return true;
                }
                String actual = nameEnd < end ? decode(query, nameEnd + 1, end) : "";
                if (actual.equals(value)) {
                    return true;
                }
            }
            position = end + 1;
        }
        return false;
    }

    /** Decodes {@code %XX} and {@code +}; a malformed escape is kept as it is. */
    static String decode(String text, int from, int to) {
        boolean plain = true;
        for (int i = from; i < to && plain; i++) {
            char c = text.charAt(i);
            plain = c != '%' && c != '+';
        }
        if (plain) {
            return text.substring(from, to);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%' && i + 2 < to && hex(text, i + 1) >= 0 && hex(text, i + 2) >= 0) {
                bytes.write(hex(text, i + 1) * 16 + hex(text, i + 2));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
    }

    private static int hex(String text, int index) {
        if (index >= text.length()) {
            return -1;
        }
        char c = text.charAt(index);
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
