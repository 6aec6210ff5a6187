package dev.gatehouse.proxy.core.internal.headers;

import java.util.Locale;
import org.apache.hc.core5.http.HttpResponse;

/**
 * A response head: the head the upstream's parser reads, and the head the proxy writes to its client. Its
 * fields and their {@link FieldFacts} are kept by {@link HeadMessage}. A null reason phrase leaves the
 * writer to choose the standard one.
 */
public final class HeadResponse extends HeadMessage implements HttpResponse {

    private int code;
    private String reason;
    private Locale locale = Locale.ENGLISH;

    public HeadResponse(int code, String reason) {
        setCode(code);
        this.reason = reason;
    }

    @Override
    public int getCode() {
        return code;
    }

    @Override
    public void setCode(int code) {
        if (code < 0) {
            throw new IllegalArgumentException("status code: " + code + " (expected zero or more)");
        }
        this.code = code;
    }

    @Override
    public String getReasonPhrase() {
        return reason;
    }

    @Override
    public void setReasonPhrase(String reason) {
        this.reason = reason;
    }

    @Override
    public Locale getLocale() {
        return locale;
    }

    @Override
    public void setLocale(Locale locale) {
        this.locale = locale != null ? locale : Locale.ENGLISH;
    }

    @Override
    public String toString() {
        return appendFields(new StringBuilder().append(code).append(' ').append(reason)).toString();
    }
}
