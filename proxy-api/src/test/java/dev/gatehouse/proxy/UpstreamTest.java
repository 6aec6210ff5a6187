package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UpstreamTest {

    @Test
    void parsesTheFormsACommandLineUses() {
        assertThat(Upstream.parse("http://127.0.0.1:8081")).isEqualTo(Upstream.of("127.0.0.1", 8081));
        assertThat(Upstream.parse("http://Example.COM/")).isEqualTo(Upstream.of("example.com", 80));
        assertThat(Upstream.parse("localhost:9000")).isEqualTo(Upstream.of("localhost", 9000));
        assertThat(Upstream.parse("http://[::1]:8080").host()).isEqualTo("::1");
        assertThat(Upstream.parse("[2001:db8::1]:8080").authority()).isEqualTo("[2001:db8::1]:8080");
    }

    @Test
    void rejectsWhatItCannotConnectTo() {
        assertThatThrownBy(() -> Upstream.parse("https://example.com")).hasMessageContaining("only plain http");
        assertThatThrownBy(() -> Upstream.parse("example.com")).hasMessageContaining("has no port");
        assertThatThrownBy(() -> Upstream.parse("http://example.com/api")).hasMessageContaining("has a path");
        assertThatThrownBy(() -> Upstream.parse("::1:80")).hasMessageContaining("IPv6 literals in brackets");
        assertThatThrownBy(() -> Upstream.of("127.0.0.1", 0)).hasMessage("port: 0 (expected: 1 to 65535)");
        assertThatThrownBy(() -> Upstream.of("a b", 80)).hasMessageContaining("invalid character ' '");
        assertThatThrownBy(() -> Upstream.of("127.0.0.1", 80).withWeight(0))
                .hasMessage("weight: 0 (expected: 1 to 10000)");
    }

    @Test
    void isAValueOfHostPortAndWeight() {
        Upstream one = Upstream.of("10.0.0.1", 80);
        assertThat(one.withWeight(2)).isNotEqualTo(one).hasToString("10.0.0.1:80;weight=2");
        assertThat(one.withWeight(1)).isSameAs(one);
        assertThat(Upstream.of("10.0.0.1", 80)).isEqualTo(one).hasSameHashCodeAs(one).hasToString("10.0.0.1:80");
    }
}
