package dev.gatehouse.proxy.core.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.Headers;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RouteTableTest {

    private static final Upstream UPSTREAM = Upstream.of("127.0.0.1", 8080);

    private static Route.Builder route(String name) {
        return Route.builder(name).upstreams(UPSTREAM);
    }

    private static String match(RouteTable<String> table, String host, String method, String path, String query,
                                Headers headers) {
        RouteTable.Match<String> match = table.match(host, method, path, query, headers);
        return match == null ? null : match.route().name();
    }

    private static String match(RouteTable<String> table, String host, String path) {
        return match(table, host, "GET", path, null, Headers.empty());
    }

    private static RouteTable<String> table(Route... routes) {
        return RouteTable.build(List.of(routes), Route::name);
    }

    @Test
    void anExactHostBeatsAWildcardWhichBeatsNoHostWhateverThePath() {
        RouteTable<String> table = table(
                route("any-exact-path").path("/x").build(),
                route("short-wildcard").host("*.com").pathPrefix("/").build(),
                route("long-wildcard").host("*.example.com").build(),
                route("exact-host").host("api.example.com").build());

        assertThat(match(table, "api.example.com", "/x")).isEqualTo("exact-host");
        assertThat(match(table, "www.example.com", "/x")).isEqualTo("long-wildcard");
        assertThat(match(table, "www.other.com", "/x")).isEqualTo("short-wildcard");
        assertThat(match(table, "example.org", "/x")).isEqualTo("any-exact-path");
        assertThat(match(table, "example.org", "/y")).isNull();
    }

    @Test
    void anExactPathBeatsATemplateWhichBeatsAPrefixLongestFirst() {
        RouteTable<String> table = table(
                route("root").pathPrefix("/").build(),
                route("users").pathPrefix("/users").build(),
                route("users-admin").pathPrefix("/users/admin").build(),
                route("user").pathTemplate("/users/{id}").build(),
                route("me").path("/users/me").build());

        assertThat(match(table, "h", "/users/me")).isEqualTo("me");
        assertThat(match(table, "h", "/users/42")).isEqualTo("user");
        assertThat(match(table, "h", "/users/admin")).isEqualTo("user");      // a template beats a prefix
        assertThat(match(table, "h", "/users/admin/x")).isEqualTo("users-admin");
        assertThat(match(table, "h", "/users/42/x")).isEqualTo("users");
        assertThat(match(table, "h", "/other")).isEqualTo("root");
    }

    @Test
    void moreConditionsWinThenTheRouteAddedFirst() {
        RouteTable<String> table = table(
                route("plain").pathPrefix("/app").build(),
                route("get").pathPrefix("/app").methods("GET").build(),
                route("get-canary").pathPrefix("/app").methods("GET").header("X-Canary", "yes").build(),
                route("twin").pathPrefix("/app").methods("GET").build());

        assertThat(match(table, "h", "GET", "/app", null, Headers.of("X-Canary", "yes"))).isEqualTo("get-canary");
        assertThat(match(table, "h", "GET", "/app", null, Headers.empty())).isEqualTo("get");
        assertThat(match(table, "h", "POST", "/app", null, Headers.empty())).isEqualTo("plain");
    }

    @Test
    void matchesHeadersAndQueryParameters() {
        RouteTable<String> table = table(
                route("debug").queryPresent("debug").build(),
                route("v2").query("version", "2 beta").build(),
                route("tenant").headerPresent("X-Tenant").build());

        assertThat(match(table, "h", "GET", "/", "a=1&debug", Headers.empty())).isEqualTo("debug");
        assertThat(match(table, "h", "GET", "/", "version=2+beta", Headers.empty())).isEqualTo("v2");
        assertThat(match(table, "h", "GET", "/", "version=2%20beta", Headers.empty())).isEqualTo("v2");
        assertThat(match(table, "h", "GET", "/", "version=2", Headers.empty())).isNull();
        assertThat(match(table, "h", "GET", "/", null, Headers.of("x-tenant", "a"))).isEqualTo("tenant");
    }

    @Test
    void prefixesMatchOnSegmentBoundaries() {
        RouteTable<String> table = table(route("admin").pathPrefix("/admin").build());
        assertThat(match(table, "h", "/admin")).isEqualTo("admin");
        assertThat(match(table, "h", "/admin/")).isEqualTo("admin");
        assertThat(match(table, "h", "/admin/x")).isEqualTo("admin");
        assertThat(match(table, "h", "/administrator")).isNull();
        assertThat(match(table, "h", "/admin.json")).isNull();
        assertThat(match(table, "h", "/ADMIN")).isNull();                      // paths are case-sensitive
    }

    @Test
    void rewritesPathsAsTheRouteSays() {
        Function<Route, String> name = Route::name;
        RouteTable<String> table = RouteTable.build(List.of(
                route("strip").pathPrefix("/api").stripPrefix().build(),
                route("replace").pathPrefix("/old/").rewritePath("/new/").build(),
                route("to-root").pathPrefix("/root").rewritePath("/").build(),
                route("template").pathTemplate("/u/{id}/{*rest}").rewritePath("/users/{id}/{*rest}").build(),
                route("exact").path("/ping").rewritePath("/health").build()), name);

        assertThat(rewrite(table, "/api/users")).isEqualTo("/users");
        assertThat(rewrite(table, "/api")).isEqualTo("/");
        assertThat(rewrite(table, "/api/")).isEqualTo("/");
        assertThat(rewrite(table, "/old/a")).isEqualTo("/new/a");
        assertThat(rewrite(table, "/old")).isEqualTo("/new/");
        assertThat(rewrite(table, "/root/x")).isEqualTo("/x");
        assertThat(rewrite(table, "/root")).isEqualTo("/");
        assertThat(rewrite(table, "/u/7/a/b")).isEqualTo("/users/7/a/b");
        assertThat(rewrite(table, "/u/7")).isEqualTo("/users/7");
        assertThat(rewrite(table, "/ping")).isEqualTo("/health");
    }

    private static String rewrite(RouteTable<String> table, String path) {
        return table.match("h", "GET", path, null, Headers.empty()).rewrite(path);
    }
}
