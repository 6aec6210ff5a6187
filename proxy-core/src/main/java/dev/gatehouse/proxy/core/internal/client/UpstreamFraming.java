package dev.gatehouse.proxy.core.internal.client;

import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.protocol.HttpProcessor;

/**
 * The only header work HttpCore does on requests the proxy sends upstream: the framing. Everything else
 * (Host, forwarding headers, hop-by-hop removal) was decided before the request head was handed over, so
 * this processor writes exactly one length mechanism and nothing else.
 */
public final class UpstreamFraming implements HttpProcessor {

    /** The shared instance; stateless. */
    public static final UpstreamFraming INSTANCE = new UpstreamFraming();

    private UpstreamFraming() {
    }

    @Override
    public void process(HttpRequest request, EntityDetails entity, HttpContext context) {
        request.removeHeaders(HttpHeaders.CONTENT_LENGTH);
        request.removeHeaders(HttpHeaders.TRANSFER_ENCODING);
        if (entity != null) {
            long length = entity.getContentLength();
            if (length >= 0 && !entity.isChunked()) {
                request.addHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(length));
            } else {
                request.addHeader(HttpHeaders.TRANSFER_ENCODING, "chunked");
            }
        } else if (enclosesContent(request.getMethod())) {
            // RFC 9110 8.6: send a length for methods that define content, even when there is none.
            request.addHeader(HttpHeaders.CONTENT_LENGTH, "0");
        }
    }

    @Override
    public void process(HttpResponse response, EntityDetails entity, HttpContext context) {
        // Responses from upstreams are checked and rewritten by the exchange, not here.
    }

    private static boolean enclosesContent(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }
}
