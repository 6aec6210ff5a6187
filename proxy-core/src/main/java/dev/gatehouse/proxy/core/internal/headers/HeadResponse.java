package dev.gatehouse.proxy.core.internal.headers;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.message.BasicHttpResponse;

/**
 * A response head that carries the {@link FieldFacts} of its fields: the head the upstream's parser reads,
 * and the head the proxy writes to its client.
 *
 * <p>Adding a field notes it; replacing or removing fields drops the facts (a removal that finds nothing
 * changes nothing), and the next question walks the fields once. The facts decide framing (the duplexers read
 * body lengths from them through {@code FieldLength}), so they must never disagree with the fields, whoever
 * changes them. A field removed through a header iterator is not seen: nothing does that but HttpCore's
 * {@code removeHeaders}, which is overridden here.
 */
public final class HeadResponse extends BasicHttpResponse implements FieldFacts.Carrier {

    /** What the fields say; null after a field was replaced or removed, until asked again. */
    private FieldFacts facts = new FieldFacts();

    public HeadResponse(int code, String reason) {
        super(code, reason);
    }

    /** Adds a field and notes what it says. */
    public void addField(String name, String value) {
        addHeader(new BasicHeader(name, value));
    }

    @Override
    public void addHeader(Header header) {
        super.addHeader(header);
        if (facts != null) {
            facts.add(header.getName(), header.getValue());
        }
    }

    @Override
    public void setHeader(Header header) {
        super.setHeader(header);
        facts = null;
    }

    @Override
    public void setHeaders(Header... headers) {
        super.setHeaders(headers);
        facts = null;
    }

    @Override
    public boolean removeHeader(Header header) {
        return dropFactsIf(super.removeHeader(header));
    }

    @Override
    public boolean removeHeaders(Header header) {
        return dropFactsIf(super.removeHeaders(header));
    }

    @Override
    public boolean removeHeaders(String name) {
        return dropFactsIf(super.removeHeaders(name));
    }

    /** Drops the facts when a removal removed something; one that found nothing changed nothing. */
    private boolean dropFactsIf(boolean removed) {
        if (removed) {
            facts = null;
        }
        return removed;
    }

    @Override
    public void clear() {
        super.clear();
        facts = null;
    }

    @Override
    public FieldFacts fieldFacts() {
        if (facts == null) {
            facts = FieldFacts.walk(this);
        }
        return facts;
    }
}
