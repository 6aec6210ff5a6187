package dev.gatehouse.proxy.core.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.core.internal.headers.FieldFacts;
import dev.gatehouse.proxy.core.internal.headers.HeadMessage;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.nio.SessionInputBuffer;
import org.apache.hc.core5.util.CharArrayBuffer;
import org.junit.jupiter.api.Test;

class UpstreamResponseParserTest {

    /** The part of a session buffer the parser uses: lines, without their CRLF, out of a fixed text. */
    private static final class TextBuffer implements SessionInputBuffer {
        private final String text;
        private int position;

        TextBuffer(String text) {
            this.text = text;
        }

        @Override
        public boolean readLine(CharArrayBuffer line, boolean endOfStream) {
            int end = text.indexOf('\n', position);
            if (end < 0) {
                return false;
            }
            int stop = end > position && text.charAt(end - 1) == '\r' ? end - 1 : end;
            line.append(text.substring(position, stop));
            position = end + 1;
            return true;
        }

        @Override
        public int length() {
            return text.length() - position;
        }

        @Override
        public boolean hasData() {
            return length() > 0;
        }

        @Override
        public int fill(ReadableByteChannel channel) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(ByteBuffer dst, int maxLen) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(WritableByteChannel channel, int maxLen) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(WritableByteChannel channel) {
            throw new UnsupportedOperationException();
        }
    }

    private static HttpResponse parse(String head) throws Exception {
        return new UpstreamResponseParser().parse(new TextBuffer(head), false);
    }

    /** The facts a walk over a plain copy of the parsed fields finds. */
    private static FieldFacts walked(HttpResponse response) {
        BasicHttpResponse copy = new BasicHttpResponse(response.getCode());
        for (Header header : response.getHeaders()) {
            copy.addHeader(header.getName(), header.getValue());
        }
        return FieldFacts.of(copy);
    }

    @Test
    void aParsedHeadCarriesTheFactsOfItsFieldsAsAWalkWouldFindThem() throws Exception {
        HttpResponse response = parse("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nconnection:  X-Internal \r\n"
                + "Keep-Alive: timeout=5\r\nContent-Length: 3\r\nProxy-Connection: close\r\n"
                + "X-Folded: a\r\n b\r\nTransfer-Encoding: chunked\r\n\r\n");

        assertThat(response).isInstanceOf(HeadMessage.class);
        FieldFacts carried = ((HeadMessage) response).fieldFacts();
        assertThat(carried).usingRecursiveComparison().isEqualTo(walked(response));
        assertThat(carried.connection()).isEqualTo("keep-alive,X-Internal");
        assertThat(carried.keepAlive()).isEqualTo("timeout=5");
        assertThat(carried.contentLengths()).isEqualTo(1);
        assertThat(carried.transferEncodings()).isEqualTo(1);
        assertThat(carried.proxyConnection()).isEqualTo("close");
    }

    @Test
    void aUsualNameIsTheSharedConstantAndAnUnusualSpellingIsKept() throws Exception {
        HttpResponse response = parse("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\ncontent-type: a/b\r\n\r\n");

        assertThat(response.getHeaders()[0].getName()).isSameAs("Content-Length");
        assertThat(response.getHeaders()[1].getName()).isEqualTo("content-type");
    }
}
