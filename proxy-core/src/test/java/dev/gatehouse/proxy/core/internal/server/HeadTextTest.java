package dev.gatehouse.proxy.core.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeadTextTest {

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aKnownNameSpelledAsUsualIsTheSharedConstant() {
        assertThat(HeadText.fieldName(bytes("Content-Length: 12"), 0, 14)).isSameAs("Content-Length");
        assertThat(HeadText.fieldName(bytes("Host: a"), 0, 4)).isSameAs("Host");
        assertThat(HeadText.fieldName(bytes("TE: trailers"), 0, 2)).isSameAs("TE");
    }

    @Test
    void anyOtherSpellingOrNameIsReadAsItCame() {
        String lower = HeadText.fieldName(bytes("content-length: 12"), 0, 14);
        assertThat(lower).isEqualTo("content-length").isNotSameAs("content-length");
        assertThat(HeadText.fieldName(bytes("Hast: a"), 0, 4)).isEqualTo("Hast");
        assertThat(HeadText.fieldName(bytes("Content-Lengthy: 1"), 0, 15)).isEqualTo("Content-Lengthy");
        assertThat(HeadText.fieldName(bytes("X-A-Name-Longer-Than-Any-Known-One: 1"), 0, 34))
                .isEqualTo("X-A-Name-Longer-Than-Any-Known-One");
        assertThat(HeadText.fieldName(bytes("Content-Length: 12"), 0, 7)).isEqualTo("Content");
    }

    @Test
    void aCommonMethodIsTheSharedConstantAndAnyOtherIsReadAsItCame() {
        assertThat(HeadText.method(bytes("GET / HTTP/1.1"), 0, 3)).isSameAs("GET");
        assertThat(HeadText.method(bytes("OPTIONS * HTTP/1.1"), 0, 7)).isSameAs("OPTIONS");
        String lower = HeadText.method(bytes("get / HTTP/1.1"), 0, 3);
        assertThat(lower).isEqualTo("get").isNotSameAs("get");
        assertThat(HeadText.method(bytes("PROPFIND / HTTP/1.1"), 0, 8)).isEqualTo("PROPFIND");
    }

    @Test
    void allDigitsMeansOneOrMoreDigitsAndNothingElse() {
        assertThat(HeadText.allDigits("0123")).isTrue();
        assertThat(HeadText.allDigits("")).isFalse();
        assertThat(HeadText.allDigits("12a")).isFalse();
        assertThat(HeadText.allDigits("+1")).isFalse();
    }

    @Test
    void rangesNeedNotStartAtTheArraysStart() {
        byte[] text = bytes("xxHost: \t a b \t");
        assertThat(HeadText.fieldName(text, 2, 6)).isSameAs("Host");
        assertThat(HeadText.trimmed(text, 7, text.length)).isEqualTo("a b");
        assertThat(HeadText.trimmed(text, 7, 9)).isSameAs("");
        assertThat(HeadText.method(bytes("..GET"), 2, 5)).isSameAs("GET");
        assertThat(HeadText.text(bytes("a\u00e9b"), 1, 2)).isEqualTo("\u00e9");
        assertThat(HeadText.indexOf(text, ':', 0, text.length)).isEqualTo(6);
        assertThat(HeadText.indexOf(text, ':', 7, text.length)).isEqualTo(-1);
    }

    @Test
    void aTokenIsTokenCharactersOnlyWithinItsRange() {
        byte[] line = bytes(" X-Trace_id!:v");
        assertThat(HeadText.isToken(line, 1, 12)).isTrue();           // X-Trace_id!
        assertThat(HeadText.isToken(line, 0, 12)).isFalse();          // the space before it
        assertThat(HeadText.isToken(line, 1, 13)).isFalse();          // the colon after it
        assertThat(HeadText.isToken(bytes("caf\u00e9"), 0, 4)).isFalse();  // a byte above 0x7F
        assertThat(HeadText.isToken(bytes("a\u0000"), 0, 2)).isFalse();
    }
}
