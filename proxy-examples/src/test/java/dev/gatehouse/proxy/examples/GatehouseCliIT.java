package dev.gatehouse.proxy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.TestUpstream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The standalone CLI: its options, its ready line, and the same bytes through it as from the upstream. */
class GatehouseCliIT {

    private static final Pattern READY = Pattern.compile("Gatehouse listening on http://([0-9.]+):(\\d+)");

    @RegisterExtension
    static final TestUpstream one = new TestUpstream("one");
    @RegisterExtension
    static final TestUpstream two = new TestUpstream("two");

    private static InetSocketAddress ready(String output) {
        Matcher matcher = READY.matcher(output);
        assertThat(matcher.find()).as("ready line in: " + output).isTrue();
        return new InetSocketAddress(matcher.group(1), Integer.parseInt(matcher.group(2)));
    }

    private static RawHttp.Response get(InetSocketAddress address, String path) throws Exception {
        try (RawHttp client = RawHttp.connect(address)) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
            return client.read();
        }
    }

    @Test
    void balancesRoundRobinOverTheUpstreamsItIsGiven() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AutoCloseable proxy = Gatehouse.launch(new String[] {"--listen", "127.0.0.1:0",
                "--to", "http://127.0.0.1:" + one.port(), "--to=127.0.0.1:" + two.port(), "--drain", "2s"},
                new PrintStream(out, true, StandardCharsets.UTF_8))) {
            InetSocketAddress address = ready(out.toString(StandardCharsets.UTF_8));
            assertThat(List.of(get(address, "/whoami").text(), get(address, "/whoami").text()))
                    .containsExactlyInAnyOrder("one", "two");
        }
    }

    @Test
    void printsHelpAndRefusesWhatItCannotRun() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(Gatehouse.launch(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8))).isNull();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--listen HOST:PORT", "--to URL");

        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://127.0.0.1:1", "--bogus"}, System.out))
                .isInstanceOf(CommandLine.UsageException.class).hasMessage("unknown option: --bogus");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--listen", "127.0.0.1:0"}, System.out))
                .hasMessageContaining("no upstream");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to"}, System.out)).hasMessage("--to needs a value");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "https://x:1"}, System.out))
                .hasMessageContaining("only plain http");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1", "--drain", "soon"}, System.out))
                .hasMessageContaining("expected: a duration such as 500ms, 2s, 1m");
    }

    @Test
    void theJarServesTheSameBytesAsTheUpstreamAndDrainsOnSigterm() throws Exception {
        Path jar = Path.of("target", "gatehouse.jar");
        assertThat(jar).exists();
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "--listen", "127.0.0.1:0", "--to", "http://127.0.0.1:" + one.port())
                .redirectErrorStream(true).start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            StringBuilder seen = new StringBuilder();
            InetSocketAddress address = null;
            String line;
            while (address == null && (line = lines.readLine()) != null) {
                seen.append(line).append('\n');
                if (READY.matcher(line).find()) {
                    address = ready(line);
                }
            }
            assertThat(address).as("ready line in: " + seen).isNotNull();

            RawHttp.Response proxied = get(address, "/bytes?n=1000000");
            RawHttp.Response direct = get(new InetSocketAddress("127.0.0.1", one.port()), "/bytes?n=1000000");
            assertThat(proxied.status).isEqualTo(200);
            assertThat(proxied.body).isEqualTo(direct.body);

            process.toHandle().destroy();           // SIGTERM, leaving the output pipe readable
            String rest = lines.lines().collect(java.util.stream.Collectors.joining("\n"));
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(rest).contains("Gatehouse drained").contains("Gatehouse stopped");
        } finally {
            process.destroyForcibly();
        }
        assertThat(Files.size(jar)).isPositive();
    }
}
