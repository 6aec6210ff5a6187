package dev.gatehouse.proxy.core.internal.headers;

import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.message.BasicHttpRequest;

/**
 * A request head that notes the {@link FieldFacts} of its fields as they are added: the head the client's
 * parser reads. Fields go in through {@link #addField} only, and none changes afterwards.
 */
public final class HeadRequest extends BasicHttpRequest implements FieldFacts.Carrier {

    private final FieldFacts facts = new FieldFacts();

    public HeadRequest(String method, String target) {
        super(method, null, null, target);
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
