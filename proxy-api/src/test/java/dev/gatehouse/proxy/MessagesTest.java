package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessagesTest {

    private static ProxyRequest request() {
        return ProxyRequest.builder().method("GET").path("/a/b").query("x=1").authority("Example.COM:8080")
                .headers(Headers.of("Accept", "*/*")).build();
    }

    @Test
    void aRequestKnowsItsTargetAndHost() {
        ProxyRequest request = request();
        assertThat(request.target()).isEqualTo("/a/b?x=1");
        assertThat(request.authority()).isEqualTo("example.com:8080");
        assertThat(request.host()).isEqualTo("example.com");
        assertThat(request.scheme()).isEqualTo("http");
        assertThat(request).hasToString("GET example.com:8080/a/b?x=1");
        assertThat(ProxyRequest.builder().method("GET").path("/").authority("[::1]:80").build().host()).isEqualTo("::1");
    }

    @Test
    void derivesRequestsWithoutChangingTheOriginal() {
        ProxyRequest original = request();
        ProxyRequest changed = original.withHeader("X-A", "1").withPath("/c").withQuery(null).withMethod("POST");
        assertThat(changed.target()).isEqualTo("/c");
        assertThat(changed.method()).isEqualTo("POST");
        assertThat(changed.header("x-a")).isEqualTo("1");
        assertThat(original.target()).isEqualTo("/a/b?x=1");
        assertThat(original.withoutHeader("X-None")).isSameAs(original);
    }

    @Test
    void aRequestRejectsWhatCannotBeForwarded() {
        assertThatThrownBy(() -> request().withPath("a")).hasMessageContaining("expected: a path that starts with /");
        assertThatThrownBy(() -> request().withPath("/a b")).hasMessageContaining("invalid character 0x20");
        assertThatThrownBy(() -> request().withPath("/a?b")).hasMessageContaining("invalid character 0x3f");
        assertThatThrownBy(() -> request().withQuery("a#b")).hasMessageContaining("invalid character 0x23");
        assertThatThrownBy(() -> request().withMethod("G E T")).hasMessageContaining("an RFC 9110 token");
        assertThatThrownBy(() -> ProxyRequest.builder().method("GET").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("must be set");
    }

    @Test
    void aResponseCarriesAFinalStatusAndABody() {
        ProxyResponse response = ProxyResponse.of(429).withHeader("Retry-After", "1").withBody(Body.of("slow down"));
        assertThat(response.status()).isEqualTo(429);
        assertThat(response.header("retry-after")).isEqualTo("1");
        assertThat(response.body().length()).isEqualTo(9);
        assertThat(StandardCharsets.UTF_8.decode(response.body().content()).toString()).isEqualTo("slow down");
        assertThatThrownBy(() -> ProxyResponse.of(103)).hasMessage("status: 103 (expected: 200 to 599)");
        assertThatThrownBy(() -> response.withStatus(600)).hasMessage("status: 600 (expected: 200 to 599)");
    }

    @Test
    void aBufferedBodyIsACopyAndReadOnly() {
        byte[] bytes = {1, 2, 3};
        Body body = Body.of(bytes);
        bytes[0] = 9;
        assertThat(body.content().get(0)).isEqualTo((byte) 1);
        assertThat(body.content().isReadOnly()).isTrue();
        assertThat(Body.of("")).isSameAs(Body.empty());
        Body streamed = () -> -1;
        assertThat(streamed.isBuffered()).isFalse();
        assertThatThrownBy(streamed::content).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void proxyExceptionsCarryTheirStatusAndNoStackTrace() {
        assertThat(new NoRouteException("x").status()).isEqualTo(404);
        assertThat(new UpstreamUnavailableException("x").status()).isEqualTo(502);
        assertThat(new NoHealthyUpstreamException("x").status()).isEqualTo(503);
        assertThat(new UpstreamTimeoutException("x").status()).isEqualTo(504);
        assertThat(new UpstreamTimeoutException("x").getStackTrace()).isEmpty();
    }
}
