package dev.gatehouse.proxy.core.internal.server;

import static dev.gatehouse.proxy.core.internal.headers.HeaderRules.hasToken;

import dev.gatehouse.proxy.core.internal.headers.FieldFacts;
import org.apache.hc.core5.http.ConnectionReuseStrategy;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Whether a connection may carry another message after this exchange: the decision of HttpCore's
 * {@code DefaultConnectionReuseStrategy}, made from each message's {@link FieldFacts} (gathered by the
 * parser for a parsed head, in one walk otherwise) with no token iterators (HttpCore's walks the fields up to
 * seven times per exchange and allocates for each walk). A
 * connection is not reused when the request says {@code Connection: close} or carries both framing
 * fields; when a response that can have a body has no {@code Transfer-Encoding} and not exactly one
 * {@code Content-Length}; when an HTTP/1.0 response has a {@code Transfer-Encoding}; when a 204 has a body's
 * framing; when the response says {@code close} (HTTP/1.1) or not {@code keep-alive} (HTTP/1.0), in
 * {@code Connection} or, without it, in {@code Proxy-Connection}.
 */
final class KeepAliveRules implements ConnectionReuseStrategy {

    static final KeepAliveRules INSTANCE = new KeepAliveRules();

    private KeepAliveRules() {
    }

    @Override
    public boolean keepAlive(HttpRequest request, HttpResponse response, HttpContext context) {
        String method = null;
        if (request != null) {
            method = request.getMethod();
            FieldFacts fields = FieldFacts.of(request);
            if (fields.connection() != null && hasToken(fields.connection(), "close")
                    || fields.contentLengths() > 0 && fields.transferEncodings() > 0) {
                return false;
            }
        }
        FieldFacts fields = FieldFacts.of(response);
        boolean coding = fields.transferEncodings() > 0;
        int lengths = fields.contentLengths();
        String firstLength = fields.contentLength();
        // Proxy-Connection counts only when there is no Connection.
        String connection = fields.connection() != null ? fields.connection() : fields.proxyConnection();
        int status = response.getCode();
        if (!coding && canHaveBody(method, status) && lengths != 1) {
            return false;
        }
        ProtocolVersion version = response.getVersion() != null ? response.getVersion() : context.getProtocolVersion();
        boolean http11 = version.getMajor() > 1 || version.getMajor() == 1 && version.getMinor() >= 1;
        if (!http11 && coding) {
            return false;
        }
        if (status == 204) {
            if (firstLength != null) {
                try {
                    if (Long.parseLong(firstLength) > 0) {
                        return false;
                    }
                } catch (NumberFormatException e) {
                    // As HttpCore: a length that is no number does not decide here.
                }
            }
            if (coding) {
                return false;
            }
        }
        if (connection != null) {
            return http11 ? !hasToken(connection, "close") : hasToken(connection, "keep-alive");
        }
        return http11;
    }

    private static boolean canHaveBody(String method, int status) {
        if ("HEAD".equalsIgnoreCase(method)) {
            return false;
        }
        if ("CONNECT".equalsIgnoreCase(method) && status == 200) {
            return false;
        }
        return status >= 200 && status != 204 && status != 304;
    }
}
