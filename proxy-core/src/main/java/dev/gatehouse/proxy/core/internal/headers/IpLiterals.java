package dev.gatehouse.proxy.core.internal.headers;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Parses IP literals without ever asking DNS: {@link InetAddress#getByName} resolves names, so text is only
 * handed to it after it was checked to be a literal.
 */
public final class IpLiterals {

    private IpLiterals() {
    }

    /**
     * Returns the address written in {@code text} (IPv4 dotted quad, or IPv6 with or without brackets), or
     * null when it is not an IP literal.
     */
    public static InetAddress parse(String text) {
        if (text == null) {
            return null;
        }
        String literal = text.trim();
        if (literal.startsWith("[") && literal.endsWith("]")) {
            literal = literal.substring(1, literal.length() - 1);
        }
        if (literal.isEmpty() || literal.length() > 45) {
            return null;
        }
        boolean colon = false;
        int dots = 0;
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (c == ':') {
                colon = true;
            } else if (c == '.') {
                dots++;
            } else if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
                return null;
            }
        }
        if (!colon) {
            if (dots != 3) {
                return null;
            }
            for (int i = 0; i < literal.length(); i++) {
                char c = literal.charAt(i);
                if (c != '.' && (c < '0' || c > '9')) {
                    return null;
                }
            }
        }
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    /**
     * Returns the address as text: IPv4 dotted, IPv6 in the RFC 5952 form ({@code 2001:db8::1}: lower case,
     * the longest run of zero groups compressed), without brackets or scope.
     */
    public static String format(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        byte[] bytes = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;          // RFC 5952 4.2.2: a single zero group is not compressed
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    /** Returns true for an IPv6 address that is not an IPv4-mapped one. */
    public static boolean isIpv6(InetAddress address) {
        return address instanceof Inet6Address;
    }
}
