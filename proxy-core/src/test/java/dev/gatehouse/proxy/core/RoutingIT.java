package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.TestProxies;
import dev.gatehouse.proxy.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Requests reach the route their host, path, method, headers and query select, rewritten as the route says. */
class RoutingIT {

    @RegisterExtension
    static final TestUpstream api = new TestUpstream("api");
    @RegisterExtension
    static final TestUpstream wildcard = new TestUpstream("wildcard");
    @RegisterExtension
    static final TestUpstream fallback = new TestUpstream("fallback");
    @RegisterExtension
    static final TestUpstream users = new TestUpstream("users");
    @RegisterExtension
    static final TestUpstream canary = new TestUpstream("canary");

    private static ReverseProxy proxy;

    @BeforeAll
    static void startProxy() {
        proxy = TestProxies.start(TestProxies.builder()
                .route(Route.builder("api-host").host("api.example.com").upstreams(api.upstream()).build())
                .route(Route.builder("wildcard-host").host("*.example.com").upstreams(wildcard.upstream()).build())
                .route(Route.builder("users").pathTemplate("/users/{id}/orders/{order}")
                        .rewritePath("/v2/orders/{order}")
                        .upstreams(users.upstream()).build())
                .route(Route.builder("strip").pathPrefix("/svc").stripPrefix().upstreams(api.upstream()).build())
                .route(Route.builder("replace").pathPrefix("/old/").rewritePath("/new").upstreams(api.upstream()).build())
                .route(Route.builder("canary-header").pathPrefix("/app").header("X-Canary", "yes")
                        .upstreams(canary.upstream()).build())
                .route(Route.builder("canary-query").pathPrefix("/app").query("canary", "on")
                        .upstreams(canary.upstream()).build())
                .route(Route.builder("app").pathPrefix("/app").upstreams(fallback.upstream()).build())
                .route(Route.builder("exact-post").path("/submit").methods("POST").upstreams(users.upstream()).build())
                .route(Route.builder("upstream-host").pathPrefix("/own-host").rewriteHostToUpstream()
                        .upstreams(api.upstream()).build())
                .route(Route.builder("fixed-host").pathPrefix("/fixed-host").hostHeader("internal.local")
                        .upstreams(api.upstream()).build())
                .route(Route.builder("any").pathPrefix("/any").upstreams(fallback.upstream()).build()));
    }

    @AfterAll
    static void stopProxy() {
        proxy.close();
    }

    private static RawHttp.Response get(String host, String target) throws Exception {
        return send("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    }

    private static RawHttp.Response send(String request) throws Exception {
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            client.send(request);
            return client.read(request.startsWith("HEAD"));
        }
    }

    @Test
    void routesAnExactHostBeforeAWildcardBeforeAnyHost() throws Exception {
        assertThat(get("api.example.com", "/any").text()).isEqualTo("api");
        assertThat(get("API.Example.COM:80", "/any").text()).isEqualTo("api");
        assertThat(get("www.example.com", "/any").text()).isEqualTo("wildcard");
        assertThat(get("a.b.example.com", "/any").text()).isEqualTo("wildcard");
        assertThat(get("example.org", "/any").text()).isEqualTo("fallback");
        // *.example.com does not cover example.com itself.
        assertThat(get("example.com", "/any").text()).isEqualTo("fallback");
    }

    @Test
    void proxiesANameAnIpv4AndAnIpv6HostPreservingIt() throws Exception {
        int port = proxy.address().getPort();
        assertThat(get("api.example.com", "/any").status).isEqualTo(200);
        assertThat(api.lastRequest().header("Host")).isEqualTo("api.example.com");

        assertThat(get("127.0.0.1:" + port, "/any").status).isEqualTo(200);
        assertThat(fallback.lastRequest().header("Host")).isEqualTo("127.0.0.1:" + port);

        assertThat(get("[::1]:" + port, "/any").status).isEqualTo(200);
        assertThat(fallback.lastRequest().header("Host")).isEqualTo("[::1]:" + port);
        assertThat(fallback.lastRequest().header("Forwarded")).contains("host=\"[::1]:" + port + "\"");
    }

    @Test
    void answers404WithAShortBodyWhenNoRouteMatches() throws Exception {
        RawHttp.Response response = get("example.org", "/nowhere");
        assertThat(response.status).isEqualTo(404);
        assertThat(response.text()).isEqualTo("404 Not Found\n");
        assertThat(response.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
    }

    @Test
    void matchesPrefixesOnSegmentBoundariesOnly() throws Exception {
        assertThat(get("example.org", "/svc/a").text()).isEqualTo("api");
        assertThat(get("example.org", "/svc").text()).isEqualTo("api");
        assertThat(get("example.org", "/svcx").status).isEqualTo(404);
    }

    @Test
    void stripsThePrefixAndKeepsTheQuery() throws Exception {
        get("example.org", "/svc/users/7?x=%2F..&y=1");
        assertThat(api.lastRequest().target).isEqualTo("/users/7?x=%2F..&y=1");
        get("example.org", "/svc");
        assertThat(api.lastRequest().target).isEqualTo("/");
    }

    @Test
    void replacesAPrefix() throws Exception {
        get("example.org", "/old/a/b");
        assertThat(api.lastRequest().target).isEqualTo("/new/a/b");
        get("example.org", "/old");
        assertThat(api.lastRequest().target).isEqualTo("/new");
    }

    @Test
    void rewritesATemplateWithItsCaptures() throws Exception {
        get("example.org", "/users/42/orders/9");
        assertThat(users.lastRequest().target).isEqualTo("/v2/orders/9");
        assertThat(get("example.org", "/users/42/orders").status).isEqualTo(404);
    }

    @Test
    void routesOnHeadersAndQueryBeforeTheSamePrefixWithoutConditions() throws Exception {
        assertThat(send("GET /app/x HTTP/1.1\r\nHost: example.org\r\nX-Canary: yes\r\n\r\n").text()).isEqualTo("canary");
        assertThat(get("example.org", "/app/x?canary=on").text()).isEqualTo("canary");
        assertThat(get("example.org", "/app/x?canary=off").text()).isEqualTo("fallback");
        assertThat(get("example.org", "/app/x").text()).isEqualTo("fallback");
    }

    @Test
    void routesOnTheMethod() throws Exception {
        assertThat(send("POST /submit HTTP/1.1\r\nHost: example.org\r\nContent-Length: 2\r\n\r\nhi").text())
                .isEqualTo("users");
        assertThat(get("example.org", "/submit").status).isEqualTo(404);
    }

    @Test
    void rewritesTheHostHeaderWhenTheRouteSaysSo() throws Exception {
        get("example.org", "/own-host/x");
        assertThat(api.lastRequest().header("Host")).isEqualTo("127.0.0.1:" + api.port());
        assertThat(api.lastRequest().header("X-Forwarded-Host")).isEqualTo("example.org");
        get("example.org", "/fixed-host/x");
        assertThat(api.lastRequest().header("Host")).isEqualTo("internal.local");
    }

    @Test
    void routesAnAbsoluteFormTargetByItsAuthorityOnly() throws Exception {
        RawHttp.Response response = send("GET http://api.example.com/any HTTP/1.1\r\nHost: example.org\r\n\r\n");
        assertThat(response.text()).isEqualTo("api");
        assertThat(api.lastRequest().target).isEqualTo("/any");
        assertThat(api.lastRequest().header("Host")).isEqualTo("api.example.com");
    }

    @Test
    void removesDotSegmentsBeforeRoutingAndForwarding() throws Exception {
        assertThat(get("example.org", "/app/../svc/x").text()).isEqualTo("api");
        assertThat(api.lastRequest().target).isEqualTo("/x");
        assertThat(get("example.org", "/../svc").status).isEqualTo(400);
    }

    @Test
    void routesEachRequestOnAKeepAliveConnectionOnItsOwn() throws Exception {
        try (RawHttp client = RawHttp.connect(proxy.address())) {
            client.send("GET /any HTTP/1.1\r\nHost: api.example.com\r\n\r\n");
            assertThat(client.read().text()).isEqualTo("api");
            client.send("GET /any HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
            assertThat(client.read().text()).isEqualTo("wildcard");
            client.send("GET /any HTTP/1.1\r\nHost: example.org\r\n\r\n");
            assertThat(client.read().text()).isEqualTo("fallback");
        }
    }

    @Test
    void rejectsAMissingOrDuplicateHostWith400() throws Exception {
        assertThat(send("GET /any HTTP/1.1\r\n\r\n").status).isEqualTo(400);
        assertThat(send("GET /any HTTP/1.1\r\nHost: a.example.org\r\nHost: b.example.org\r\n\r\n").status).isEqualTo(400);
        assertThat(send("GET /any HTTP/1.1\r\nHost: a b\r\n\r\n").status).isEqualTo(400);
        assertThat(send("GET /any HTTP/1.1\r\nHost: example.org:99999\r\n\r\n").status).isEqualTo(400);
    }
}
