package dev.gatehouse.proxy.core.internal.exchange;

import dev.gatehouse.proxy.Body;
import dev.gatehouse.proxy.Headers;
import dev.gatehouse.proxy.ProxyResponse;
import org.apache.hc.core5.http.impl.EnglishReasonPhraseCatalog;

/**
 * The short plain-text responses the proxy sends when it answers on its own: the status line's words and
 * nothing else, so no detail of the failure (let alone a stack trace) reaches the client.
 */
public final class ErrorResponses {

    private static final Headers TEXT = Headers.of("Content-Type", "text/plain; charset=utf-8");

    private ErrorResponses() {
    }

    /** Returns the response for {@code status}: {@code "502 Bad Gateway\n"} and its length. */
    public static ProxyResponse of(int status) {
        return ProxyResponse.of(status, TEXT, Body.of(status + " " + reason(status) + "\n"));
    }

    /** Returns the standard reason phrase of {@code status}. */
    public static String reason(int status) {
        String reason = EnglishReasonPhraseCatalog.INSTANCE.getReason(status, null);
        if (reason != null) {
            return reason;
        }
        switch (status) {
            case 421:
                return "Misdirected Request";
            case 425:
                return "Too Early";
            case 431:
                return "Request Header Fields Too Large";
            default:
                return "Status " + status;
        }
    }
}
