package dev.gatehouse.proxy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

    private static AutoCloseable launch(ByteArrayOutputStream out, String... args) throws Exception {
        return Gatehouse.launch(args, new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    private static RawHttp.Response get(InetSocketAddress address, String path, String header) throws Exception {
        try (RawHttp client = RawHttp.connect(address)) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + header + "\r\n\r\n");
            return client.read();
        }
    }

    @Test
    void weightsSplitRequestsInProportionUnderWeightedRoundRobin() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AutoCloseable proxy = launch(out, "--listen", "127.0.0.1:0", "--strategy", "weighted-round-robin",
                "--to", "http://127.0.0.1:" + one.port() + ",weight=3", "--to", "http://127.0.0.1:" + two.port())) {
            InetSocketAddress address = ready(out.toString(StandardCharsets.UTF_8));
            Map<String, Integer> counts = new TreeMap<>();
            for (int i = 0; i < 40; i++) {
                counts.merge(get(address, "/whoami").text(), 1, Integer::sum);
            }
            assertThat(counts).containsEntry("one", 30).containsEntry("two", 10);
        }
    }

    @Test
    void consistentHashSendsOneKeyToOneUpstream() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AutoCloseable proxy = launch(out, "--listen", "127.0.0.1:0", "--strategy", "consistent-hash",
                "--hash-key", "header:X-User", "--hash-balance-factor", "1.5",
                "--to", "http://127.0.0.1:" + one.port(), "--to", "http://127.0.0.1:" + two.port())) {
            InetSocketAddress address = ready(out.toString(StandardCharsets.UTF_8));
            Set<String> seen = new HashSet<>();
            for (int user = 0; user < 20; user++) {
                String first = get(address, "/whoami", "X-User: u" + user).text();
                for (int again = 0; again < 3; again++) {
                    assertThat(get(address, "/whoami", "X-User: u" + user).text()).as("user u" + user).isEqualTo(first);
                }
                seen.add(first);
            }
            assertThat(seen).as("20 keys spread over both upstreams").containsExactlyInAnyOrder("one", "two");
        }
    }

    @Test
    void stickySessionsPinAClientByTheCookieTheProxyIssues() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AutoCloseable proxy = launch(out, "--listen", "127.0.0.1:0", "--strategy", "sticky",
                "--to", "http://127.0.0.1:" + one.port(), "--to", "http://127.0.0.1:" + two.port())) {
            InetSocketAddress address = ready(out.toString(StandardCharsets.UTF_8));
            RawHttp.Response first = get(address, "/whoami");
            String cookie = first.header("Set-Cookie");
            assertThat(cookie).startsWith("GATEHOUSE_STICKY=");
            String pair = cookie.substring(0, cookie.indexOf(';'));
            for (int i = 0; i < 6; i++) {
                RawHttp.Response again = get(address, "/whoami", "Cookie: " + pair);
                assertThat(again.text()).isEqualTo(first.text());
                assertThat(again.header("Set-Cookie")).isNull();
            }
        }
    }

    @Test
    void healthChecksTakeAnUpstreamThatFailsThemOutOfTheRotation() throws Exception {
        // "two" serves traffic but fails its health check, so only the active check can take it out.
        two.handle("/healthz", exchange -> TestUpstream.text(exchange, 503, "sick"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AutoCloseable proxy = launch(out, "--listen", "127.0.0.1:0", "--health-path", "/healthz",
                "--health-interval", "100ms", "--slow-start", "1s",
                "--to", "http://127.0.0.1:" + one.port(), "--to", "http://127.0.0.1:" + two.port())) {
            InetSocketAddress address = ready(out.toString(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (int i = 0; i < 6; i++) {
                    assertThat(get(address, "/whoami").text()).isEqualTo("one");
                }
            });
            assertThat(two.requests()).anySatisfy(request -> assertThat(request.target).isEqualTo("/healthz"));
        }
    }

    @Test
    void retriesFailedAttemptsOnAnotherUpstreamAsItsFlagsSay() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AutoCloseable proxy = launch(out, "--listen", "127.0.0.1:0", "--retries", "2",
                "--retry-on", "connect-failure,reset", "--timeout", "2s", "--deadline", "5s", "--max-connections", "4",
                "--to", "http://127.0.0.1:" + closed, "--to", "http://127.0.0.1:" + two.port())) {
            InetSocketAddress address = ready(out.toString(StandardCharsets.UTF_8));
            for (int i = 0; i < 4; i++) {
                RawHttp.Response response = get(address, "/whoami");
                assertThat(response.status).isEqualTo(200);
                assertThat(response.text()).isEqualTo("two");
            }
        }
        AtomicInteger calls = new AtomicInteger();
        one.handle("/flaky", exchange -> TestUpstream.text(exchange, calls.incrementAndGet() % 2 == 1 ? 503 : 200, "one"));
        ByteArrayOutputStream statuses = new ByteArrayOutputStream();
        try (AutoCloseable proxy = launch(statuses, "--listen", "127.0.0.1:0", "--retry-on", "503",
                "--to", "http://127.0.0.1:" + one.port())) {
            InetSocketAddress address = ready(statuses.toString(StandardCharsets.UTF_8));
            for (int i = 0; i < 3; i++) {
                assertThat(get(address, "/flaky").status).isEqualTo(200);
            }
            assertThat(calls.get()).isEqualTo(6);
        }
        ByteArrayOutputStream quiet = new ByteArrayOutputStream();
        try (AutoCloseable proxy = launch(quiet, "--listen", "127.0.0.1:0", "--retries", "0",
                "--to", "http://127.0.0.1:" + closed, "--to", "http://127.0.0.1:" + one.port())) {
            InetSocketAddress address = ready(quiet.toString(StandardCharsets.UTF_8));
            assertThat(List.of(get(address, "/whoami").status, get(address, "/whoami").status)).contains(502);
        }
    }

    @Test
    void appliesTheClientLimitsItIsGiven() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AutoCloseable proxy = launch(out, "--listen", "127.0.0.1:0", "--max-body", "1k", "--max-headers", "4",
                "--encoded-slashes", "keep", "--head-timeout", "5s", "--body-timeout", "5s", "--max-client-connections",
                "100", "--max-pipelined", "8", "--max-request-line", "4k", "--max-header-bytes", "16k",
                "--to", "http://127.0.0.1:" + one.port())) {
            InetSocketAddress address = ready(out.toString(StandardCharsets.UTF_8));
            try (RawHttp client = RawHttp.connect(address)) {
                client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000\r\n\r\n");
                assertThat(client.read().status).isEqualTo(413);
            }
            assertThat(get(address, "/whoami", "A: 1\r\nB: 2\r\nC: 3\r\nD: 4").status).isEqualTo(431);
            assertThat(get(address, "/a%2Fb").status).isEqualTo(200);
            assertThat(one.lastRequest().target).isEqualTo("/a%2Fb");
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
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1", "--strategy", "fastest"}, System.out))
                .hasMessageStartingWith("--strategy: \"fastest\" (expected one of round-robin, ");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1,weight=heavy"}, System.out))
                .hasMessageContaining("has weight \"heavy\"");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1,weight=0"}, System.out))
                .hasMessageContaining("weight");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1", "--hash-key", "path"}, System.out))
                .hasMessage("--hash-key needs --strategy consistent-hash");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1", "--strategy", "consistent-hash",
                "--hash-key", "header:"}, System.out)).hasMessageContaining("expected: header:NAME");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1", "--strategy", "consistent-hash",
                "--hash-balance-factor", "0.9"}, System.out)).hasMessageContaining("a ratio above 1");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1", "--health-path", "health"}, System.out))
                .hasMessageContaining("a path that starts with /");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1", "--health-interval", "1s"}, System.out))
                .hasMessage("--health-interval needs --health-path");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1", "--retries", "11"}, System.out))
                .hasMessage("--retries: \"11\" (expected: a number from 0 to 10)");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1", "--retry-on", "reset,404"}, System.out))
                .hasMessageContaining("--retry-on: \"404\"");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1", "--max-connections", "0"}, System.out))
                .hasMessageContaining("--max-connections");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1", "--max-body", "lots"}, System.out))
                .hasMessage("--max-body: \"lots\" (expected: a size such as 512k or 10m)");
        assertThatThrownBy(() -> Gatehouse.launch(new String[] {"--to", "http://x:1", "--encoded-slashes", "decode"}, System.out))
                .hasMessageContaining("expected: reject or keep");
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
