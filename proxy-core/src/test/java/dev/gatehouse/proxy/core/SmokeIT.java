package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SmokeIT {

    @RegisterExtension
    static final TestUpstream one = new TestUpstream("one");

    @Test
    void proxiesAGet() throws Exception {
        try (ReverseProxy proxy = ReverseProxy.builder().listen("127.0.0.1", 0)
                .route(Route.builder("all").upstreams(one.upstream()).build()).build()) {
            proxy.start();
            try (RawHttp client = RawHttp.connect(proxy.address())) {
                client.send("GET /whoami HTTP/1.1\r\nHost: example.com\r\n\r\n");
                RawHttp.Response response = client.read();
                System.out.println(response + " " + response.headers.stream().map(h -> h[0] + "=" + h[1]).toList() + " " + response.text());
                assertThat(response.status).isEqualTo(200);
                assertThat(response.text()).isEqualTo("one");
                client.send("GET /whoami HTTP/1.1\r\nHost: example.com\r\n\r\n");
                assertThat(client.read().text()).isEqualTo("one");
            }
            System.out.println(one.requests());
        }
    }
}
