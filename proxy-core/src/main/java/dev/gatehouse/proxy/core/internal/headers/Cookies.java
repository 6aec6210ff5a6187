package dev.gatehouse.proxy.core.internal.headers;

import dev.gatehouse.proxy.ProxyRequest;
import java.util.List;

/** Reads cookies from a request's {@code Cookie} headers. */
public final class Cookies {

    private Cookies() {
    }

    /** Returns the value of cookie {@code name}, without quotes, or null. */
    public static String value(ProxyRequest request, String name) {
        List<String> lines = request.headers().all("Cookie");
        for (String line : lines) {
            for (String pair : line.split(";")) {
                int equals = pair.indexOf('=');
                if (equals > 0 && pair.substring(0, equals).trim().equals(name)) {
                    String value = pair.substring(equals + 1).trim();
                    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                        value = value.substring(1, value.length() - 1);
                    }
                    return value;
                }
            }
        }
        return null;
    }
}
