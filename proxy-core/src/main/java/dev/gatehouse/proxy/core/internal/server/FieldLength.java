package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.core.internal.headers.FieldFacts;
import dev.gatehouse.proxy.core.internal.headers.HeadMessage;
import org.apache.hc.core5.http.ContentLengthStrategy;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.impl.DefaultContentLengthStrategy;

/**
 * HttpCore's {@code DefaultContentLengthStrategy}, answered from the {@link FieldFacts} a head carries when
 * they settle the question (no {@code Transfer-Encoding}, at most one {@code Content-Length}), with the same
 * results and the same errors; the default looks the fields up again, up to three walks over the message.
 * Anything else (a coding, several lengths, a head without facts) goes to the default. Stateless.
 */
final class FieldLength implements ContentLengthStrategy {

    static final FieldLength INSTANCE = new FieldLength();

    private FieldLength() {
    }

    @Override
    public long determineLength(HttpMessage message) throws HttpException {
        if (message instanceof HeadMessage) {
            FieldFacts fields = ((HeadMessage) message).fieldFacts();
            if (fields.transferEncodings() == 0 && fields.contentLengths() <= 1) {
                String value = fields.contentLength();
                if (value == null) {
                    return UNDEFINED;
                }
                long length;
                try {
                    length = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new ProtocolException("Invalid content length: " + value);
                }
                if (length < 0) {
                    throw new ProtocolException("Negative content length: " + value);
                }
                return length;
            }
        }
        return DefaultContentLengthStrategy.INSTANCE.determineLength(message);
    }
}
