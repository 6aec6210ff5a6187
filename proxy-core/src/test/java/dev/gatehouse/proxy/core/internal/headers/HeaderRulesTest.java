package dev.gatehouse.proxy.core.internal.headers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.proxy.Headers;
import java.net.InetAddress;
import java.util.List;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.junit.jupiter.api.Test;

class HeaderRulesTest {

    private static final HeaderRules UNTRUSTING = new HeaderRules(TrustedProxies.none(), "gatehouse");
    private static final HeaderRules TRUSTING = new HeaderRules(TrustedProxies.parse(List.of("10.0.0.0/8")), "gh");

    private static BasicHttpRequest request(String... headers) {
        BasicHttpRequest request = new BasicHttpRequest("GET", null, null, "/");
        for (int i = 0; i < headers.length; i += 2) {
            request.addHeader(headers[i], headers[i + 1]);
        }
        return request;
    }

    private static InetAddress ip(String text) {
        return IpLiterals.parse(text);
    }

    @Test
    void dropsHopByHopHeadersAndTheOnesConnectionNames() {
        Headers out = UNTRUSTING.forwardRequest(request("Connection", "close, X-A", "X-A", "1", "x-b", "2",
                "Keep-Alive", "5", "TE", "gzip", "Upgrade", "h2c", "HTTP2-Settings", "x", "Host", "h",
                "Content-Length", "3", "Expect", "100-continue", "Proxy-Authorization", "p"),
                ip("192.0.2.1"), "http", "h", "1.1");
        assertThat(out.names()).containsExactly("x-b", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
                "Forwarded", "Via");
    }

    @Test
    void keepsTeTrailersAndIgnoresConnectionTokensForFramingHeaders() {
        Headers out = UNTRUSTING.forwardRequest(request("TE", "trailers;q=1, gzip", "Connection",
                "Content-Length, Transfer-Encoding, Host, close"), ip("192.0.2.1"), "http", "h", "1.1");
        assertThat(out.first("TE")).isEqualTo("trailers");
    }

    @Test
    void replacesForwardingHeadersFromAnUntrustedPeer() {
        Headers out = UNTRUSTING.forwardRequest(request("X-Forwarded-For", "1.1.1.1", "X-Forwarded-Proto", "https",
                "X-Forwarded-Host", "evil", "Forwarded", "for=1.1.1.1", "X-Real-IP", "1.1.1.1", "Via", "1.0 old"),
                ip("192.0.2.1"), "http", "shop.example:8080", "1.0");
        assertThat(out.all("X-Forwarded-For")).containsExactly("192.0.2.1");
        assertThat(out.first("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(out.first("X-Forwarded-Host")).isEqualTo("shop.example:8080");
        assertThat(out.all("Forwarded")).containsExactly("for=192.0.2.1;host=\"shop.example:8080\";proto=http");
        assertThat(out.first("X-Real-IP")).isNull();
        assertThat(out.all("Via")).containsExactly("1.0 old", "1.0 gatehouse");
    }

    @Test
    void appendsToForwardingHeadersFromATrustedPeer() {
        BasicHttpRequest request = request("X-Forwarded-For", "203.0.113.7", "X-Forwarded-For", "10.1.1.1",
                "X-Forwarded-Proto", "https", "Forwarded", "for=203.0.113.7");
        Headers out = TRUSTING.forwardRequest(request, ip("10.2.2.2"), "http", "h", "1.1");
        assertThat(out.first("X-Forwarded-For")).isEqualTo("203.0.113.7, 10.1.1.1, 10.2.2.2");
        assertThat(out.first("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(out.first("Forwarded")).isEqualTo("for=203.0.113.7, for=10.2.2.2;host=h;proto=http");
        assertThat(TRUSTING.clientAddress(request, ip("10.2.2.2"))).isEqualTo(ip("203.0.113.7"));
        assertThat(UNTRUSTING.clientAddress(request, ip("10.2.2.2"))).isEqualTo(ip("10.2.2.2"));
        assertThat(TRUSTING.clientAddress(request("X-Forwarded-For", "garbage, 10.1.1.1"), ip("10.2.2.2")))
                .isEqualTo(ip("10.1.1.1"));
    }

    @Test
    void quotesIpv6InForwarded() {
        assertThat(HeaderRules.forwardedElement(ip("2001:db8:0:0:0:0:0:17"), "h", "http"))
                .isEqualTo("for=\"[2001:db8::17]\";host=h;proto=http");
    }

    @Test
    void cleansResponsesAndKeepsRepeatedHeaders() {
        BasicHttpResponse response = new BasicHttpResponse(200);
        response.addHeader("Connection", "X-Secret");
        response.addHeader("X-Secret", "s");
        response.addHeader("Transfer-Encoding", "chunked");
        response.addHeader("Proxy-Authenticate", "Basic");
        response.addHeader("Set-Cookie", "a=1");
        response.addHeader("Set-Cookie", "b=2");
        response.addHeader("Content-Length", "5");
        Headers out = UNTRUSTING.forwardResponse(response, "1.1");
        assertThat(out.names()).containsExactly("Set-Cookie", "Content-Length", "Via");
        assertThat(out.all("Set-Cookie")).containsExactly("a=1", "b=2");
    }

    @Test
    void refusesHeadersThatCannotBeForwarded() {
        assertThatThrownBy(() -> UNTRUSTING.forwardRequest(request("Bad Name", "x"), ip("192.0.2.1"), "http", "h", "1.1"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reservesWhatTheProxyWritesItself() {
        for (String name : new String[] {"Host", "Content-Length", "Transfer-Encoding", "Connection", "Expect",
                "Upgrade", "Keep-Alive"}) {
            assertThat(HeaderRules.isReservedOnForwarding(name, "x")).as(name).isTrue();
        }
        assertThat(HeaderRules.isReservedOnForwarding("TE", "trailers")).isFalse();
        assertThat(HeaderRules.isReservedOnForwarding("TE", "gzip")).isTrue();
        assertThat(HeaderRules.isReservedOnForwarding("X-Forwarded-For", "x")).isFalse();
    }

    @Test
    void findsTokensInLists() {
        assertThat(HeaderRules.hasToken("close", "close")).isTrue();
        assertThat(HeaderRules.hasToken(" a ,\tClose\t, b", "close")).isTrue();
        assertThat(HeaderRules.hasToken("gzip, trailers;q=0.5", "trailers")).isTrue();
        assertThat(HeaderRules.hasToken("closed, x-close", "close")).isFalse();
        assertThat(HeaderRules.hasToken("", "close")).isFalse();
        assertThat(HeaderRules.hasToken(",,,", "close")).isFalse();
    }
}
