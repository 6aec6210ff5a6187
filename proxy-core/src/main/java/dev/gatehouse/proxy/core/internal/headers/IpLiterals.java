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

    /** Returns the address as text: IPv4 dotted, IPv6 compressed-free JDK form without brackets or scope. */
    public static String format(InetAddress address) {
        String text = address.getHostAddress();
        int scope = text.indexOf('%');
        return scope < 0 ? text : text.substring(0, scope);
    }

    /** Returns true for an IPv6 address that is not an IPv4-mapped one. */
    public static boolean isIpv6(InetAddress address) {
        return address instanceof Inet6Address;
    }
}
