package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.core.internal.headers.FieldFacts;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.message.BasicHttpRequest;

/** A client's request head as {@link StrictRequestParser} read it, with the facts of its fields. */
final class ParsedRequest extends BasicHttpRequest implements FieldFacts.Carrier {

    private final FieldFacts facts = new FieldFacts();

    ParsedRequest(String method, String target) {
        super(method, null, null, target);
    }

    /** Adds a field as parsed; the parser adds every field this way and none changes afterwards. */
    void addField(String name, String value) {
        addHeader(new BasicHeader(name, value));
        facts.add(name, value);
    }

    @Override
    public FieldFacts fieldFacts() {
        return facts;
    }
}
