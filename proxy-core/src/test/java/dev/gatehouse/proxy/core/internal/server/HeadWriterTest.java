package dev.gatehouse.proxy.core.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import dev.gatehouse.proxy.core.internal.headers.HeadResponse;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.nio.SessionOutputBuffer;
import org.apache.hc.core5.util.CharArrayBuffer;
import org.junit.jupiter.api.Test;

class HeadWriterTest {

    /** Keeps what is written to it. */
    private static final class Captured implements SessionOutputBuffer {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void write(ByteBuffer src) {
            byte[] copy = new byte[src.remaining()];
            src.get(copy);
            bytes.writeBytes(copy);
        }

        @Override
        public void write(ReadableByteChannel src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void writeLine(CharArrayBuffer line) {
            throw new UnsupportedOperationException("the head writer writes bytes, not lines");
        }

        @Override
        public int flush(WritableByteChannel channel) {
            return 0;
        }

        @Override
        public boolean hasData() {
            return bytes.size() > 0;
        }

        @Override
        public int length() {
            return bytes.size();
        }

        @Override
        public int capacity() {
            return Integer.MAX_VALUE;
        }
    }

    @SuppressWarnings("unchecked")
    private static String written(HeadWriter<?> writer, Object message) throws Exception {
        Captured buffer = new Captured();
        if (message instanceof HttpResponse) {
            ((HeadWriter<HttpResponse>) writer).write((HttpResponse) message, buffer);
        } else {
            ((HeadWriter<HttpRequest>) writer).write((HttpRequest) message, buffer);
        }
        return buffer.bytes.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void writesAResponseHeadWithItsReasonOrTheStandardOne() throws Exception {
        BasicHttpResponse response = new BasicHttpResponse(200, "OK");
        response.addHeader("Content-Length", "2");
        response.addHeader("Set-Cookie", "a=1");
        response.addHeader("Set-Cookie", "b=2");
        assertThat(written(new HeadWriter<>(), response))
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n");
        assertThat(written(new HeadWriter<>(), new BasicHttpResponse(404))).isEqualTo("HTTP/1.1 404 Not Found\r\n\r\n");
    }

    @Test
    void writesARequestLineAndNeverABreakingByte() throws Exception {
        BasicHttpRequest request = new BasicHttpRequest("GET", null, null, "/a?b=c");
        request.addHeader("Host", "example.com");
        request.addHeader("X-Bad", "a\r\nInjected: 1\u0000\u00e9\u0100\t\u007fz\u0085");
        assertThat(written(new HeadWriter<>(), request))
                .isEqualTo("GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Bad: a  Injected: 1 \u00e9 \t z\u0085\r\n\r\n");
    }

    @Test
    void copiesCheckedFieldsAsTheyAreAndStillGuardsTheOthers() throws Exception {
        HeadResponse response = new HeadResponse(200, "OK");
        StringBuilder latin1 = new StringBuilder("\t");
        for (char c = 0x20; c <= 0xff; c++) {
            if (c != 0x7f) {
                latin1.append(c);
            }
        }
        response.addChecked("X-All", latin1.toString());
        response.addField("X-Bad", "a\rb\u0100");
        response.addChecked("Date", "Tue, 24 Nov 2026 14:00:00 GMT");
        response.addChecked("X-Big", "w".repeat(3000));
        assertThat(written(new HeadWriter<>(), response)).isEqualTo("HTTP/1.1 200 OK\r\nX-All: " + latin1
                + "\r\nX-Bad: a b \r\nDate: Tue, 24 Nov 2026 14:00:00 GMT\r\nX-Big: " + "w".repeat(3000) + "\r\n\r\n");

        // The mark is trusted, not checked again: that is why Headers refuses what one byte cannot carry.
        HeadResponse trusted = new HeadResponse(200, "OK");
        trusted.addChecked("X-Broken", "\u0141");
        assertThat(written(new HeadWriter<>(), trusted)).isEqualTo("HTTP/1.1 200 OK\r\nX-Broken: A\r\n\r\n");
    }

    @Test
    void growsForLargeHeads() throws Exception {
        BasicHttpResponse response = new BasicHttpResponse(200, "OK");
        response.addHeader("X-Big", "v".repeat(5000));
        assertThat(written(new HeadWriter<>(), response)).hasSize(17 + 7 + 5000 + 2 + 2).endsWith("v\r\n\r\n");
    }
}
