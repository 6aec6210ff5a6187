package dev.gatehouse.proxy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The quick-start demo starts its upstreams and proxy, prints what to try, and the routes it prints work. */
class QuickStartIT {

    private static RawHttp.Response get(InetSocketAddress address, String path) throws Exception {
        try (RawHttp client = RawHttp.connect(address)) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
            return client.read();
        }
    }

    @Test
    void servesBothRoutesItPrints() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (QuickStart demo = QuickStart.start(0, new PrintStream(out, true, StandardCharsets.UTF_8))) {
            String printed = out.toString(StandardCharsets.UTF_8);
            assertThat(printed).contains("Gatehouse listening on http://127.0.0.1:" + demo.address().getPort())
                    .contains("curl -i");

            String first = get(demo.address(), "/api/hello").text();
            String second = get(demo.address(), "/api/hello").text();
            assertThat(List.of(first, second)).anySatisfy(body -> assertThat(body).contains("\"upstream\": \"api-1\""))
                    .anySatisfy(body -> assertThat(body).contains("\"upstream\": \"api-2\""))
                    .allSatisfy(body -> assertThat(body).contains("\"path\": \"/hello\""));

            RawHttp.Response site = get(demo.address(), "/index.html");
            assertThat(site.text()).contains("\"upstream\": \"site\"").contains("\"via\": \"1.1 gatehouse\"");
            assertThat(site.header("X-Proxied-By")).isEqualTo("gatehouse");
            assertThat(get(demo.address(), "/api/bytes?n=100000").body).hasSize(100_000);
        }
    }
}
