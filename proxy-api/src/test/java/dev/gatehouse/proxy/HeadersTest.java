package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HeadersTest {

    @Test
    void looksUpNamesIgnoringCaseAndKeepsRepeatedLinesApart() {
        Headers headers = Headers.of("Set-Cookie", "a=1", "Content-Type", "text/plain", "set-cookie", "b=2");

        assertThat(headers.first("SET-COOKIE")).isEqualTo("a=1");
        assertThat(headers.all("set-cookie")).containsExactly("a=1", "b=2");
        assertThat(headers.count("Set-Cookie")).isEqualTo(2);
        assertThat(headers.contains("content-type")).isTrue();
        assertThat(headers.first("X-Missing")).isNull();
        assertThat(headers.names()).containsExactly("Set-Cookie", "Content-Type");
    }

    @Test
    void derivesCopiesWithoutChangingTheOriginal() {
        Headers original = Headers.of("A", "1", "B", "2", "a", "3");

        Headers replaced = original.with("a", "9");
        Headers added = original.withAdded("C", "4");
        Headers removed = original.without("A");

        assertThat(replaced.all("A")).containsExactly("9");
        assertThat(replaced.name(0)).isEqualTo("a");                 // where the first one stood
        assertThat(added.size()).isEqualTo(4);
        assertThat(removed.all("a")).isEmpty();
        assertThat(removed.first("B")).isEqualTo("2");
        assertThat(original.all("A")).containsExactly("1", "3");
        assertThat(original.without("X-None")).isSameAs(original);
    }

    @Test
    void rejectsNamesThatAreNotTokensAndValuesWithControlCharacters() {
        assertThatThrownBy(() -> Headers.of("Bad Name", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RFC 9110 token");
        assertThatThrownBy(() -> Headers.of("", "x")).hasMessageContaining("header name is empty");
        assertThatThrownBy(() -> Headers.of("X", "a\r\nInjected: 1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control character 0xd");
        assertThatThrownBy(() -> Headers.of("X", "a\u0000b")).hasMessageContaining("0x0");
        assertThatThrownBy(() -> Headers.of("X")).hasMessageContaining("expected: an even count");
        assertThat(Headers.of("X", "tab\there").first("x")).isEqualTo("tab\there");
    }

    @Test
    void acceptsEveryIso88591CharacterButControlsAndRefusesWiderOnes() {
        StringBuilder all = new StringBuilder("\t");
        for (char c = 0x20; c <= 0xff; c++) {
            if (c != 0x7f) {
                all.append(c);
            }
        }
        assertThat(Headers.of("X", all.toString()).first("X")).isEqualTo(all.toString());
        // One byte per character on the wire: U+010A would be sent as its low byte, a line feed, were it let through.
        for (String wide : new String[] {"caf\u0100", "\u010A", "\u20ac5", "\ud83d\ude00"}) {
            assertThatThrownBy(() -> Headers.of("X", wide)).as(wide)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ISO-8859-1 only");
            assertThatThrownBy(() -> Headers.empty().with("X", wide)).hasMessageContaining("ISO-8859-1 only");
            assertThatThrownBy(() -> Headers.empty().withAdded("X", wide)).hasMessageContaining("ISO-8859-1 only");
            assertThatThrownBy(() -> Headers.builder().set("X", wide)).hasMessageContaining("ISO-8859-1 only");
        }
        assertThatThrownBy(() -> Headers.of("X", "a\u20acb")).hasMessageContaining("U+20AC at index 1");
    }

    @Test
    void isEqualWhenNamesMatchIgnoringCaseAndValuesExactly() {
        assertThat(Headers.of("Accept", "a")).isEqualTo(Headers.of("accept", "a"))
                .hasSameHashCodeAs(Headers.of("ACCEPT", "a"));
        assertThat(Headers.of("Accept", "a")).isNotEqualTo(Headers.of("Accept", "A"));
    }

    @Test
    void masksCredentialsWhenPrinted() {
        String text = Headers.of("Authorization", "Bearer secret", "Cookie", "s=1", "X-Id", "7").toString();
        assertThat(text).doesNotContain("secret").doesNotContain("s=1").contains("X-Id: 7");
    }

    @Test
    void buildsWithABuilderThatCanBeReused() {
        Headers.Builder builder = Headers.builder().add("A", "1").add("B", "2").set("a", "3");
        Headers first = builder.build();
        builder.remove("B");
        assertThat(first.size()).isEqualTo(2);
        assertThat(first.first("a")).isEqualTo("3");
        assertThat(builder.build().size()).isEqualTo(1);
    }

    @Test
    void aBuilderChangedAfterBuildLeavesWhatItBuiltAlone() {
        Headers.Builder builder = Headers.builder().add("A", "1").add("B", "2");
        Headers first = builder.build();
        builder.add("C", "3");
        Headers second = builder.build();
        builder.remove("a").set("B", "9");
        Headers third = builder.build();
        builder.remove("nothing").add("D", "4");

        assertThat(first).isEqualTo(Headers.of("A", "1", "B", "2"));
        assertThat(second).isEqualTo(Headers.of("A", "1", "B", "2", "C", "3"));
        assertThat(third).isEqualTo(Headers.of("C", "3", "B", "9"));
        assertThat(builder.build()).isEqualTo(Headers.of("C", "3", "B", "9", "D", "4"));
    }

    @Test
    void tokenCharactersAreTheOnesOfRfc9110() {
        for (char c : "azAZ09!#$%&'*+-.^_`|~".toCharArray()) {
            assertThat(Headers.isTokenChar(c)).as("'%s'", c).isTrue();
        }
        for (char c : " \t\u0000\u007f():;<=>?@[]{}\\\"/,\u00e9\u0100".toCharArray()) {
            assertThat(Headers.isTokenChar(c)).as("0x%x", (int) c).isFalse();
        }
    }
}
