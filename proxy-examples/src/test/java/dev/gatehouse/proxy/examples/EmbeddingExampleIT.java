package dev.gatehouse.proxy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.core.ReverseProxy;
import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.TestUpstream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The README's embedding example does what the README says. */
class EmbeddingExampleIT {

    @RegisterExtension
    static final TestUpstream api1 = new TestUpstream("api-1");
    @RegisterExtension
    static final TestUpstream api2 = new TestUpstream("api-2");
    @RegisterExtension
    static final TestUpstream assets = new TestUpstream("assets");

    @Test
    void theReadmeShowsExactlyTheCompiledExample() throws Exception {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
        String source = java.nio.file.Files.readString(java.nio.file.Path.of(
                "src/main/java/dev/gatehouse/proxy/examples/EmbeddingExample.java"));
        String shown = between(readme, "<!-- embedding-example: begin", "<!-- embedding-example: end");
        shown = shown.substring(shown.indexOf("```java") + 7, shown.lastIndexOf("```"));
        String compiled = between(source, "// README example: begin", "// README example: end");
        assertThat(dedent(shown)).isEqualTo(dedent(compiled));
    }

    private static String between(String text, String start, String end) {
        int from = text.indexOf(start);
        int to = text.indexOf(end);
        assertThat(from).as(start).isNotNegative();
        assertThat(to).as(end).isGreaterThan(from);
        return text.substring(text.indexOf('\n', from) + 1, to);
    }

    /** Drops blank edge lines and the indentation all lines share, so the README can show the code flush left. */
    private static String dedent(String code) {
        List<String> lines = new ArrayList<>(code.lines().toList());
        while (!lines.isEmpty() && lines.get(0).isBlank()) {
            lines.remove(0);
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
            lines.remove(lines.size() - 1);
        }
        int indent = lines.stream().filter(line -> !line.isBlank())
                .mapToInt(line -> line.length() - line.stripLeading().length()).min().orElse(0);
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            out.append(line.isBlank() ? "" : line.substring(indent).stripTrailing()).append('\n');
        }
        return out.toString();
    }

    @Test
    void servesTheApiWithAKeyAndEverythingElseFromAssets() throws Exception {
        try (ReverseProxy proxy = EmbeddingExample.build(new InetSocketAddress("127.0.0.1", 0),
                api1.upstream(), api2.upstream(), assets.upstream())) {
            proxy.start();
            try (RawHttp client = RawHttp.connect(proxy.address())) {
                client.send("GET /v1/users HTTP/1.1\r\nHost: api.example.com\r\nX-Api-Key: k-123\r\n\r\n");
                RawHttp.Response response = client.read();
                assertThat(response.status).isEqualTo(200);
                assertThat(response.text()).isIn("api-1", "api-2");
                assertThat(response.header("X-Served-By")).isEqualTo("gatehouse");
                TestUpstream served = response.text().equals("api-1") ? api1 : api2;
                assertThat(served.lastRequest().target).isEqualTo("/users");
                assertThat(served.lastRequest().header("X-Api-Key")).isNull();

                client.send("GET /v1/users HTTP/1.1\r\nHost: api.example.com\r\n\r\n");
                assertThat(client.read().status).isEqualTo(401);

                client.send("GET /logo.png HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
                assertThat(client.read().text()).isEqualTo("assets");
            }
        }
    }
}
