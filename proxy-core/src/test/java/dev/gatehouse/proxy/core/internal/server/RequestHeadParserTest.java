package dev.gatehouse.proxy.core.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.junit.jupiter.api.Test;

class RequestHeadParserTest {

    private static RequestHead parse(String method, String target, String... headers) {
        return parse(HttpVersion.HTTP_1_1, false, method, target, headers);
    }

    private static RequestHead parse(HttpVersion version, boolean body, String method, String target, String... headers) {
        BasicHttpRequest request = new BasicHttpRequest(method, null, null, target);
        request.setVersion(version);
        for (int i = 0; i < headers.length; i += 2) {
            request.addHeader(headers[i], headers[i + 1]);
        }
        return RequestHeadParser.parse(request, body, "http", "127.0.0.1:8080");
    }

    @Test
    void splitsAnOriginFormTarget() {
        RequestHead head = parse("GET", "/a/b?x=1&y=%2F", "Host", "Example.COM:80");
        assertThat(head.isRejected()).isFalse();
        assertThat(head.path()).isEqualTo("/a/b");
        assertThat(head.query()).isEqualTo("x=1&y=%2F");
        assertThat(head.authority()).isEqualTo("example.com");
        assertThat(head.host()).isEqualTo("example.com");
    }

    @Test
    void routesAnAbsoluteFormTargetByItsAuthority() {
        RequestHead head = parse("GET", "http://API.example.com:8080?q", "Host", "other.example");
        assertThat(head.authority()).isEqualTo("api.example.com:8080");
        assertThat(head.path()).isEqualTo("/");
        assertThat(head.query()).isEqualTo("q");
        assertThat(parse("GET", "http://user@evil/x", "Host", "a").rejectStatus()).isEqualTo(400);
    }

    @Test
    void normalisesHosts() {
        assertThat(parse("GET", "/", "Host", "[::1]:8080").authority()).isEqualTo("[::1]:8080");
        assertThat(parse("GET", "/", "Host", "[::1]:8080").host()).isEqualTo("::1");
        assertThat(parse("GET", "/", "Host", "example.com.").authority()).isEqualTo("example.com");
        assertThat(parse("GET", "/", "Host", "example.com:").authority()).isEqualTo("example.com");
        assertThat(parse("GET", "/", "Host", "example.com:08080").authority()).isEqualTo("example.com:8080");
    }

    @Test
    void rejectsBadHosts() {
        for (String bad : new String[] {"", "a b", "a@b", "a/b", "h\"com", "example.com:99999", "example.com:-1",
                "[::1", "[xyz]", ":80"}) {
            assertThat(parse("GET", "/", "Host", bad).rejectStatus()).as(bad).isEqualTo(400);
        }
        assertThat(parse("GET", "/").rejectStatus()).isEqualTo(400);
        assertThat(parse("GET", "/", "Host", "a", "Host", "b").rejectStatus()).isEqualTo(400);
        assertThat(parse(HttpVersion.HTTP_1_0, false, "GET", "/").authority()).isEqualTo("127.0.0.1:8080");
    }

    @Test
    void removesDotSegmentsAndRejectsClimbingAboveTheRoot() {
        assertThat(parse("GET", "/a/./b/../c", "Host", "h").path()).isEqualTo("/a/c");
        assertThat(parse("GET", "/a/b/..", "Host", "h").path()).isEqualTo("/a/");
        assertThat(parse("GET", "/.well-known/x", "Host", "h").path()).isEqualTo("/.well-known/x");
        assertThat(parse("GET", "/..", "Host", "h").rejectStatus()).isEqualTo(400);
        assertThat(parse("GET", "/a/../../etc/passwd", "Host", "h").rejectStatus()).isEqualTo(400);
        assertThat(RequestHeadParser.removeDotSegments("/public/..")).isEqualTo("/");
    }

    @Test
    void rejectsTargetsItCannotForwardFaithfully() {
        assertThat(parse("GET", "admin", "Host", "h").rejectStatus()).isEqualTo(400);
        assertThat(parse("GET", "*", "Host", "h").rejectStatus()).isEqualTo(400);
        assertThat(parse("OPTIONS", "*", "Host", "h").isRejected()).isFalse();
        assertThat(parse("GET", "/a\\b", "Host", "h").rejectStatus()).isEqualTo(400);
        assertThat(parse("GET", "/a%zz", "Host", "h").rejectStatus()).isEqualTo(400);
        assertThat(parse("GET", "/a%2", "Host", "h").rejectStatus()).isEqualTo(400);
        assertThat(parse("GET", "/a#frag", "Host", "h").rejectStatus()).isEqualTo(400);
        assertThat(parse("GET", "/\u00e9", "Host", "h").rejectStatus()).isEqualTo(400);
        assertThat(parse("G<E>T", "/", "Host", "h").rejectStatus()).isEqualTo(400);
        assertThat(parse("CONNECT", "/", "Host", "h").rejectStatus()).isEqualTo(405);
        assertThat(parse("TRACE", "/", "Host", "h").rejectStatus()).isEqualTo(405);
        assertThat(parse(new HttpVersion(2, 0), false, "GET", "/", "Host", "h").rejectStatus()).isEqualTo(505);
    }

    @Test
    void honoursOnly100ContinueAndOnlyForHttp11RequestsWithABody() {
        assertThat(parse(HttpVersion.HTTP_1_1, true, "PUT", "/", "Host", "h", "Expect", "100-Continue")
                .expectsContinue()).isTrue();
        assertThat(parse(HttpVersion.HTTP_1_1, false, "GET", "/", "Host", "h", "Expect", "100-continue")
                .expectsContinue()).isFalse();
        assertThat(parse(HttpVersion.HTTP_1_0, true, "PUT", "/", "Host", "h", "Expect", "100-continue")
                .expectsContinue()).isFalse();
        assertThat(parse(HttpVersion.HTTP_1_1, true, "PUT", "/", "Host", "h", "Expect", "100-continuex")
                .rejectStatus()).isEqualTo(417);
        assertThat(parse(HttpVersion.HTTP_1_1, true, "PUT", "/", "Host", "h", "Expect", "100-continue",
                "Expect", "100-continue").rejectStatus()).isEqualTo(417);
    }

    @Test
    void normalisesPercentEscapesSlashesAndDotSegmentsOnce() {
        assertThat(parse("GET", "/public/%2e%2E/admin", "Host", "h").path()).isEqualTo("/admin");
        assertThat(parse("GET", "/a%7eb/%41%3a%2f", "Host", "h").isRejected()).isTrue();
        assertThat(parse("GET", "/a%7eb/%41%3a", "Host", "h").path()).isEqualTo("/a~b/A%3A");
        assertThat(parse("GET", "/a%252e%252e/b", "Host", "h").path()).isEqualTo("/a%252e%252e/b");
        assertThat(parse("GET", "//admin///x/", "Host", "h").path()).isEqualTo("/admin/x/");
        assertThat(parse("GET", "/a%00b", "Host", "h").rejectStatus()).isEqualTo(400);
        assertThat(parse("GET", "/%c0%ae", "Host", "h").rejectStatus()).isEqualTo(400);
        assertThat(parse("GET", "/%e2%82%ac", "Host", "h").path()).isEqualTo("/%E2%82%AC");
        assertThat(parse("GET", "/public/..;/admin", "Host", "h").rejectStatus()).isEqualTo(400);
        assertThat(parse("GET", "/admin;jsessionid=1", "Host", "h").path()).isEqualTo("/admin;jsessionid=1");
        assertThat(RequestHeadParser.normalizePercent("/a%2Fb", false)).isEqualTo("/a%2Fb");
        assertThat(RequestHeadParser.normalizePercent("/a%5cb", true)).isNull();
    }

    @Test
    void theShortcutForNormalAuthoritiesAgreesWithTheFullNormalization() {
        String[] fixed = {"a", "a.b", "a.b.", ".", "-", "A.b", "a:", "a:0", "a:08080", "a:8080", "a:80", "a:443",
            "a:65535", "a:65536", "a:123456", "127.0.0.1:18500", "[::1]:8080", "a:b", ":80", "a_b~c:1", "a b"};
        for (String raw : fixed) {
            for (String scheme : new String[] {"http", "https"}) {
                assertThat(RequestHeadParser.normalizeAuthority(raw, scheme)).as(raw + " " + scheme)
                        .isEqualTo(RequestHeadParser.normalizeInFull(raw, scheme));
            }
        }
        java.util.Random random = new java.util.Random(7);
        String alphabet = "ab0189.:-_~A[]% ";
        for (int n = 0; n < 20000; n++) {
            StringBuilder raw = new StringBuilder();
            for (int i = random.nextInt(9); i > 0; i--) {
                raw.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String text = raw.toString();
            assertThat(RequestHeadParser.normalizeAuthority(text, "http")).as(text)
                    .isEqualTo(RequestHeadParser.normalizeInFull(text, "http"));
        }
    }
}
