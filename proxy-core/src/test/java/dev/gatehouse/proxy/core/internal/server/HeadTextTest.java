package dev.gatehouse.proxy.core.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.hc.core5.util.CharArrayBuffer;
import org.junit.jupiter.api.Test;

class HeadTextTest {

    private static CharArrayBuffer line(String text) {
        CharArrayBuffer buffer = new CharArrayBuffer(8);
        buffer.append(text);
        return buffer;
    }

    @Test
    void aKnownNameSpelledAsUsualIsTheSharedConstant() {
        assertThat(HeadText.fieldName(line("Content-Length: 12"), 14)).isSameAs("Content-Length");
        assertThat(HeadText.fieldName(line("Host: a"), 4)).isSameAs("Host");
        assertThat(HeadText.fieldName(line("TE: trailers"), 2)).isSameAs("TE");
    }

    @Test
    void anyOtherSpellingOrNameIsReadAsItCame() {
        String lower = HeadText.fieldName(line("content-length: 12"), 14);
        assertThat(lower).isEqualTo("content-length").isNotSameAs("content-length");
        assertThat(HeadText.fieldName(line("Hast: a"), 4)).isEqualTo("Hast");
        assertThat(HeadText.fieldName(line("Content-Lengthy: 1"), 15)).isEqualTo("Content-Lengthy");
        assertThat(HeadText.fieldName(line("X-A-Name-Longer-Than-Any-Known-One: 1"), 34))
                .isEqualTo("X-A-Name-Longer-Than-Any-Known-One");
        assertThat(HeadText.fieldName(line("Content-Length: 12"), 7)).isEqualTo("Content");
    }

    @Test
    void aCommonMethodIsTheSharedConstantAndAnyOtherIsReadAsItCame() {
        assertThat(HeadText.method(line("GET / HTTP/1.1"), 3)).isSameAs("GET");
        assertThat(HeadText.method(line("OPTIONS * HTTP/1.1"), 7)).isSameAs("OPTIONS");
        String lower = HeadText.method(line("get / HTTP/1.1"), 3);
        assertThat(lower).isEqualTo("get").isNotSameAs("get");
        assertThat(HeadText.method(line("PROPFIND / HTTP/1.1"), 8)).isEqualTo("PROPFIND");
    }

    @Test
    void allDigitsMeansOneOrMoreDigitsAndNothingElse() {
        assertThat(HeadText.allDigits("0123")).isTrue();
        assertThat(HeadText.allDigits("")).isFalse();
        assertThat(HeadText.allDigits("12a")).isFalse();
        assertThat(HeadText.allDigits("+1")).isFalse();
    }
}
