package dev.gatehouse.proxy.core.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.impl.DefaultConnectionReuseStrategy;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.junit.jupiter.api.Test;

/** The one-pass keep-alive decision agrees with HttpCore's on every combination of the fields it reads. */
class KeepAliveRulesTest {

    private static final String[][] REQUEST_FIELDS = {
        {}, {"Connection", "close"}, {"Connection", "keep-alive, Close"}, {"Connection", "upgrade"},
        {"Content-Length", "3"}, {"Transfer-Encoding", "chunked"},
    };
    private static final String[][][] RESPONSE_FIELDS = {
        {}, {{"Content-Length", "2"}}, {{"Content-Length", "0"}}, {{"Content-Length", "2"}, {"Content-Length", "2"}},
        {{"Transfer-Encoding", "chunked"}}, {{"Content-Length", "2"}, {"Connection", "close"}},
        {{"Content-Length", "2"}, {"Connection", "Keep-Alive"}}, {{"Content-Length", "2"}, {"Connection", "foo, close "}},
        {{"Content-Length", "2"}, {"Proxy-Connection", "close"}}, {{"Content-Length", "2"}, {"Proxy-Connection", "keep-alive"}},
        {{"Content-Length", "2"}, {"Connection", "te"}, {"Proxy-Connection", "close"}},
        {{"Transfer-Encoding", "chunked"}, {"Connection", "keep-alive"}}, {{"Content-Length", "x"}},
        {{"Content-Length", "2"}, {"Connection", "closed"}}, {{"Content-Length", "2"}, {"Connection", "keep-alive,close"}},
    };

    @Test
    void agreesWithHttpCore() {
        int compared = 0;
        List<String> disagreements = new ArrayList<>();
        for (String method : new String[] {"GET", "HEAD", "POST", "CONNECT"}) {
            for (String[] requestField : REQUEST_FIELDS) {
                for (int status : new int[] {100, 200, 204, 304, 404, 500}) {
                    for (HttpVersion version : new HttpVersion[] {HttpVersion.HTTP_1_0, HttpVersion.HTTP_1_1}) {
                        for (String[][] responseFields : RESPONSE_FIELDS) {
                            BasicHttpRequest request = new BasicHttpRequest(method, "/");
                            if (requestField.length > 0) {
                                request.addHeader(requestField[0], requestField[1]);
                            }
                            BasicHttpResponse response = new BasicHttpResponse(status);
                            response.setVersion(version);
                            for (String[] field : responseFields) {
                                response.addHeader(field[0], field[1]);
                            }
                            HttpCoreContext context = HttpCoreContext.create();
                            boolean expected = DefaultConnectionReuseStrategy.INSTANCE.keepAlive(request, response, context);
                            boolean actual = KeepAliveRules.INSTANCE.keepAlive(request, response, context);
                            compared++;
                            if (expected != actual) {
                                disagreements.add(method + " " + String.join(": ", requestField) + " -> " + version + " "
                                        + status + " " + java.util.Arrays.deepToString(responseFields) + ": HttpCore "
                                        + expected);
                            }
                        }
                    }
                }
            }
        }
        assertThat(compared).isEqualTo(4 * REQUEST_FIELDS.length * 6 * 2 * RESPONSE_FIELDS.length);
        assertThat(disagreements).isEmpty();
    }
}
