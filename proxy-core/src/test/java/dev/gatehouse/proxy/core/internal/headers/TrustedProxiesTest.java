package dev.gatehouse.proxy.core.internal.headers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

    @Test
    void matchesAddressesAndBlocks() {
        TrustedProxies trusted = TrustedProxies.parse(List.of("10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "172.16.0.0/12"));
        assertThat(trusted.contains(IpLiterals.parse("10.255.0.1"))).isTrue();
        assertThat(trusted.contains(IpLiterals.parse("11.0.0.1"))).isFalse();
        assertThat(trusted.contains(IpLiterals.parse("192.168.1.7"))).isTrue();
        assertThat(trusted.contains(IpLiterals.parse("192.168.1.8"))).isFalse();
        assertThat(trusted.contains(IpLiterals.parse("172.31.255.255"))).isTrue();
        assertThat(trusted.contains(IpLiterals.parse("172.32.0.0"))).isFalse();
        assertThat(trusted.contains(IpLiterals.parse("2001:db8:ffff::1"))).isTrue();
        assertThat(trusted.contains(IpLiterals.parse("2001:db9::1"))).isFalse();
        assertThat(trusted.contains(IpLiterals.parse("::ffff:10.0.0.1"))).isTrue();
        assertThat(TrustedProxies.none().contains(IpLiterals.parse("10.0.0.1"))).isFalse();
    }

    @Test
    void rejectsEntriesThatAreNotAddressesOrBlocks() {
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("proxy.example.com")))
                .hasMessageContaining("expected: an IP address or a CIDR block");
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/33"))).hasMessageContaining("expected: 0 to 32");
    }

    @Test
    void parsesLiteralsWithoutDnsAndFormatsIpv6Compressed() {
        assertThat(IpLiterals.parse("example.com")).isNull();
        assertThat(IpLiterals.parse("1.2.3")).isNull();
        assertThat(IpLiterals.parse("[::1]")).isNotNull();
        assertThat(IpLiterals.format(IpLiterals.parse("0:0:0:0:0:0:0:1"))).isEqualTo("::1");
        assertThat(IpLiterals.format(IpLiterals.parse("2001:DB8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(IpLiterals.format(IpLiterals.parse("2001:db8:0:1:1:1:1:1"))).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(IpLiterals.format(IpLiterals.parse("192.0.2.1"))).isEqualTo("192.0.2.1");
    }
}
