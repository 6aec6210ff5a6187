package dev.gatehouse.proxy.core.internal.headers;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.hc.core5.http.message.BasicHeader;
import org.junit.jupiter.api.Test;

/** The facts a head carries agree with its fields after any change, since body lengths are read from them. */
class HeadMessageFactsTest {

    @Test
    void aResponseKeepsItsFactsTrueWhenFieldsAreAddedReplacedOrRemoved() {
        HeadResponse response = new HeadResponse(200, "OK");
        response.addField("Content-Length", "5");
        response.addHeader("Connection", "keep-alive");          // HttpCore's own way in is noted too
        assertThat(response.fieldFacts().contentLength()).isEqualTo("5");
        assertThat(response.fieldFacts().connection()).isEqualTo("keep-alive");

        response.setHeader("Content-Length", "7");
        assertThat(response.fieldFacts().contentLengths()).isEqualTo(1);
        assertThat(response.fieldFacts().contentLength()).isEqualTo("7");

        response.removeHeaders("Content-Length");
        response.addField("Transfer-Encoding", "chunked");
        assertThat(response.fieldFacts().contentLengths()).isZero();
        assertThat(response.fieldFacts().transferEncoding()).isEqualTo("chunked");
        assertThat(FieldFacts.of(response).connection()).isEqualTo("keep-alive");
    }

    @Test
    void aRequestKeepsItsFactsTrueWhenFieldsAreReplacedOrRemoved() {
        HeadRequest request = new HeadRequest("POST", "/");
        request.addField("Host", "a.example");
        request.addField("Transfer-Encoding", "chunked");
        assertThat(request.fieldFacts().transferEncodings()).isEqualTo(1);

        BasicHeader chunked = new BasicHeader("Transfer-Encoding", "chunked");
        request.removeHeader(chunked);
        assertThat(request.fieldFacts().transferEncodings()).isZero();
        assertThat(request.fieldFacts().host()).isEqualTo("a.example");

        request.setHeaders(new BasicHeader("Host", "b.example"), new BasicHeader("Content-Length", "3"));
        assertThat(request.fieldFacts().host()).isEqualTo("b.example");
        assertThat(request.fieldFacts().hosts()).isEqualTo(1);
        assertThat(request.fieldFacts().contentLength()).isEqualTo("3");

        request.clear();
        assertThat(request.fieldFacts().hosts()).isZero();
        assertThat(request.fieldFacts().contentLength()).isNull();
    }

    @Test
    void aRemovalThatFindsNothingKeepsTheFactsAsNoted() {
        // The upstream request goes through a framing step that removes any length fields before adding its own.
        HeadRequest request = new HeadRequest("GET", "/");
        request.addField("Host", "a.example");
        FieldFacts noted = request.fieldFacts();
        request.removeHeaders("Content-Length");
        request.removeHeader(new BasicHeader("Transfer-Encoding", "chunked"));
        request.removeHeader(new BasicHeader("Host", "b.example"));
        assertThat(request.fieldFacts()).isSameAs(noted);

        request.addHeader("Content-Length", "0");
        assertThat(request.fieldFacts()).isSameAs(noted);
        assertThat(noted.contentLength()).isEqualTo("0");
    }
}
