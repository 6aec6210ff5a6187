package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RouteTest {

    private static final Upstream UPSTREAM = Upstream.of("127.0.0.1", 8080);

    @Test
    void keepsWhatItWasBuiltWith() {
        Route route = Route.builder("api").host("API.example.com", "*.api.example.com").pathPrefix("/v1/")
                .methods("GET", "HEAD").header("X-Env", "canary").queryPresent("debug").stripPrefix()
                .upstreams(UPSTREAM).connectTimeout(Duration.ofSeconds(1)).rewriteHostToUpstream().build();

        assertThat(route.name()).isEqualTo("api");
        assertThat(route.hosts()).containsExactly("api.example.com", "*.api.example.com");
        assertThat(route.pathKind()).isEqualTo(Route.PathKind.PREFIX);
        assertThat(route.path()).isEqualTo("/v1");
        assertThat(route.methods()).containsExactly("GET", "HEAD");
        assertThat(route.headerConditions()).containsExactly(new Route.Condition("X-Env", "canary"));
        assertThat(route.queryConditions()).containsExactly(new Route.Condition("debug", null));
        assertThat(route.stripsPrefix()).isTrue();
        assertThat(route.hostHeader()).isEqualTo(Route.HostHeader.UPSTREAM);
        assertThat(route.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(route.responseTimeout()).isNull();
        assertThat(route.toBuilder().build().upstreams()).containsExactly(UPSTREAM);
    }

    @Test
    void failsAtBuildWithAPreciseMessage() {
        assertThatThrownBy(() -> Route.builder("api").build())
                .isInstanceOf(IllegalStateException.class).hasMessage("route 'api' has no upstreams");
        assertThatThrownBy(() -> Route.builder("api").path("/x").stripPrefix().upstreams(UPSTREAM).build())
                .hasMessage("route 'api': stripPrefix needs a pathPrefix (path condition: exact)");
        assertThatThrownBy(() -> Route.builder("api").pathTemplate("/users/{id}").rewritePath("/u/{name}")
                .upstreams(UPSTREAM).build())
                .hasMessageContaining("rewritePath uses {name}, which the template /users/{id} does not capture");
        assertThatThrownBy(() -> Route.builder("api").rewritePath("/x").upstreams(UPSTREAM).build())
                .hasMessageContaining("rewritePath needs a path condition");
        assertThatThrownBy(() -> Route.builder("api").pathPrefix("/a").stripPrefix().rewritePath("/b")
                .upstreams(UPSTREAM).build()).hasMessageContaining("both rewrite the path");
    }

    @Test
    void refusesToSetASingleValuedPartTwice() {
        assertThatThrownBy(() -> Route.builder("api").pathPrefix("/a").path("/b"))
                .isInstanceOf(IllegalStateException.class).hasMessage("path condition was already set: prefix /a");
        assertThatThrownBy(() -> Route.builder("api").connectTimeout(Duration.ofSeconds(1))
                .connectTimeout(Duration.ofSeconds(2))).hasMessage("connectTimeout was already set: PT1S");
        assertThatThrownBy(() -> Route.builder("api").hostHeader("a").rewriteHostToUpstream())
                .hasMessage("hostHeader was already set: FIXED");
    }

    @Test
    void checksPathsTemplatesAndHosts() {
        assertThatThrownBy(() -> Route.builder("x").pathPrefix("api")).hasMessageContaining("expected: a path that starts with /");
        assertThatThrownBy(() -> Route.builder("x").pathTemplate("/users/x{id}"))
                .hasMessageContaining("to fill a whole segment");
        assertThatThrownBy(() -> Route.builder("x").pathTemplate("/{*rest}/x"))
                .hasMessageContaining("only as the last segment");
        assertThatThrownBy(() -> Route.builder("x").pathTemplate("/{a}/{a}")).hasMessageContaining("captures {a} twice");
        assertThatThrownBy(() -> Route.builder("x").host("api.example.com:8080")).hasMessageContaining("without a port");
        assertThat(Route.builder("x").host("[::1]").upstreams(UPSTREAM).build().hosts()).containsExactly("::1");
        assertThatThrownBy(() -> Route.builder("x").host("a b")).hasMessageContaining("invalid character ' '");
        assertThatThrownBy(() -> Route.builder("x").responseTimeout(Duration.ZERO)).hasMessage("responseTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> Route.builder(" ")).hasMessage("route name is blank");
        assertThat(Route.builder("x").pathPrefix("/").upstreams(UPSTREAM).build().path()).isEqualTo("/");
    }
}
