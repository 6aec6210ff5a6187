package dev.gatehouse.proxy.core.internal.headers;

import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.message.BasicHttpResponse;

/**
 * A response head that notes the {@link FieldFacts} of its fields as they are added: the head the upstream's
 * parser reads, and the head the proxy writes to its client. Fields go in through {@link #addField} only, and
 * none changes afterwards.
 */
public final class HeadResponse extends BasicHttpResponse implements FieldFacts.Carrier {

    private final FieldFacts facts = new FieldFacts();

    public HeadResponse(int code, String reason) {
        super(code, reason);
    }

    /** Adds a field and notes what it says. */
    public void addField(String name, String value) {
        addHeader(new BasicHeader(name, value));
        facts.add(name, value);
    }

    @Override
    public FieldFacts fieldFacts() {
        return facts;
    }
}
