package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.core.internal.headers.FieldFacts;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.message.BasicHttpResponse;

/** An upstream's response head as {@link UpstreamResponseParser} read it, with the facts of its fields. */
final class ParsedResponse extends BasicHttpResponse implements FieldFacts.Carrier {

    private final FieldFacts facts = new FieldFacts();

    ParsedResponse(int code, String reason) {
        super(code, reason);
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
