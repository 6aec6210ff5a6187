package dev.gatehouse.proxy.core.internal.headers;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.junit.jupiter.api.Test;

class FieldFactsTest {

    @Test
    void gathersTheFramingConnectionAndRoutingFieldsWhateverTheirCase() {
        BasicHttpRequest request = new BasicHttpRequest("POST", "/");
        request.addHeader("host", "a.example");
        request.addHeader("CONTENT-LENGTH", "5");
        request.addHeader("Content-Length", "6");
        request.addHeader("transfer-encoding", "chunked");
        request.addHeader("Transfer-Encoding", "gzip");
        request.addHeader("Expect", "100-continue");
        request.addHeader("expect", "other");
        request.addHeader("X-Other", "close");

        FieldFacts facts = FieldFacts.of(request);

        assertThat(facts.hosts()).isEqualTo(1);
        assertThat(facts.host()).isEqualTo("a.example");
        assertThat(facts.contentLengths()).isEqualTo(2);
        assertThat(facts.contentLength()).isEqualTo("5");
        assertThat(facts.transferEncodings()).isEqualTo(2);
        assertThat(facts.transferEncoding()).isEqualTo("chunked");
        assertThat(facts.expects()).isEqualTo(2);
        assertThat(facts.expect()).isEqualTo("100-continue");
        assertThat(facts.connection()).isNull();
        assertThat(facts.proxyConnection()).isNull();
        assertThat(facts.keepAlive()).isNull();
    }

    @Test
    void joinsTheValuesOfListFieldsWithCommasAndKeepsTheLastHost() {
        BasicHttpResponse response = new BasicHttpResponse(200);
        response.addHeader("Connection", "keep-alive");
        response.addHeader("connection", "X-Drop");
        response.addHeader("Proxy-Connection", "close");
        response.addHeader("Keep-Alive", "max=5");
        response.addHeader("KEEP-ALIVE", "timeout=3");
        response.addHeader("Host", "first");
        response.addHeader("Host", "second");

        FieldFacts facts = FieldFacts.of(response);

        assertThat(facts.connection()).isEqualTo("keep-alive,X-Drop");
        assertThat(facts.proxyConnection()).isEqualTo("close");
        assertThat(facts.keepAlive()).isEqualTo("max=5,timeout=3");
        assertThat(facts.hosts()).isEqualTo(2);
        assertThat(facts.host()).isEqualTo("second");
    }

    @Test
    void aHeadOfTheProxysIsAskedInsteadOfWalked() {
        HeadRequest head = new HeadRequest("GET", "/");
        head.addField("Connection", "close");
        FieldFacts noted = head.fieldFacts();

        assertThat(FieldFacts.of(head)).isSameAs(noted);
        BasicHttpRequest plain = new BasicHttpRequest("GET", "/");
        plain.addHeader("Connection", "close");
        assertThat(FieldFacts.of(plain)).isNotSameAs(noted);
        assertThat(FieldFacts.of(plain).connection()).isEqualTo("close");
    }
}
