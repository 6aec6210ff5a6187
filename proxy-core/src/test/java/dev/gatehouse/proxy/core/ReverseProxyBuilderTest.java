package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReverseProxyBuilderTest {

    private static final Route ROUTE = Route.builder("api").upstreams(Upstream.of("127.0.0.1", 8080)).build();

    @Test
    void failsAtBuildWithAPreciseMessage() {
        assertThatThrownBy(() -> ReverseProxy.builder().route(ROUTE).build())
                .isInstanceOf(IllegalStateException.class).hasMessage("no listener (expected: at least one listen(...))");
        assertThatThrownBy(() -> ReverseProxy.builder().listen("127.0.0.1", 0).route(ROUTE).route(ROUTE).build())
                .hasMessage("route name 'api' is used twice (expected: unique names)");
    }

    @Test
    void refusesBadValuesAndSecondSettings() {
        assertThatThrownBy(() -> ReverseProxy.builder().connectTimeout(Duration.ofSeconds(1)).connectTimeout(Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class).hasMessage("connectTimeout was already set: PT1S");
        assertThatThrownBy(() -> ReverseProxy.builder().ioThreads(0)).hasMessage("ioThreads: 0 (expected: 1 to 1024)");
        assertThatThrownBy(() -> ReverseProxy.builder().idleTimeout(Duration.ofSeconds(-1)))
                .hasMessage("idleTimeout: PT-1S (expected: > 0)");
        assertThatThrownBy(() -> ReverseProxy.builder().trustedProxies("10.0.0.0/8", "nope"))
                .hasMessageContaining("trusted proxy: \"nope\"");
        assertThatThrownBy(() -> ReverseProxy.builder().viaName("two words")).hasMessageContaining("without spaces");
        assertThatThrownBy(() -> ReverseProxy.builder().listen("127.0.0.1", 70000)).hasMessage("port: 70000 (expected: 0 to 65535)");
    }

    @Test
    void buildsAnUnstartedProxyAndCanBeReused() throws Exception {
        ReverseProxyBuilder builder = ReverseProxy.builder().listen("127.0.0.1", 0).ioThreads(1).route(ROUTE);
        try (ReverseProxy first = builder.build(); ReverseProxy second = builder.build()) {
            assertThat(first.addresses()).isEmpty();
            assertThatThrownBy(first::address).hasMessage("the proxy is not started");
            first.start();
            second.start();
            assertThat(first.address().getPort()).isNotEqualTo(second.address().getPort());
            assertThatThrownBy(first::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");
        }
    }

    @Test
    void reportsABindFailureFromStart() throws Exception {
        try (ReverseProxy first = ReverseProxy.builder().listen("127.0.0.1", 0).ioThreads(1).route(ROUTE).build()) {
            first.start();
            ReverseProxy second = ReverseProxy.builder().listen(first.address()).ioThreads(1).route(ROUTE).build();
            assertThatThrownBy(second::start).isInstanceOf(java.io.IOException.class);
            second.close();
        }
    }
}
