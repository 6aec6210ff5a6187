package dev.gatehouse.proxy.core.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.core.internal.headers.HeadResponse;
import org.apache.hc.core5.http.ContentLengthStrategy;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.impl.DefaultContentLengthStrategy;
import org.junit.jupiter.api.Test;

class FieldLengthTest {

    private static HeadResponse head(String... fields) {
        HeadResponse response = new HeadResponse(200, "OK");
        for (int i = 0; i < fields.length; i += 2) {
            response.addField(fields[i], fields[i + 1]);
        }
        return response;
    }

    /** The length, or the exception's class and message: what a caller of the strategy can see. */
    private static String outcome(ContentLengthStrategy strategy, HttpMessage message) {
        try {
            return Long.toString(strategy.determineLength(message));
        } catch (Exception e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    @Test
    void answersAsHttpCoresDefaultDoesForEveryKindOfFraming() {
        HeadResponse[] heads = {
            head(),
            head("Content-Length", "12"),
            head("content-length", "0"),
            head("Content-Length", "+5"),
            head("Content-Length", "-1"),
            head("Content-Length", "1x"),
            head("Content-Length", "99999999999999999999"),
            head("Content-Length", "3", "Content-Length", "3"),
            head("Transfer-Encoding", "chunked"),
            head("Transfer-Encoding", "gzip, chunked", "Content-Length", "3"),
            head("Transfer-Encoding", "gzip"),
            head("X-Other", "1"),
        };
        for (HeadResponse head : heads) {
            assertThat(outcome(FieldLength.INSTANCE, head))
                    .as("%s", java.util.Arrays.toString(head.getHeaders()))
                    .isEqualTo(outcome(DefaultContentLengthStrategy.INSTANCE, head));
        }
        assertThat(outcome(FieldLength.INSTANCE, head("Content-Length", "12"))).isEqualTo("12");
        assertThat(outcome(FieldLength.INSTANCE, head())).isEqualTo(Long.toString(ContentLengthStrategy.UNDEFINED));
    }
}
