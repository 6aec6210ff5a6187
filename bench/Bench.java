import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The end-to-end benchmark: an nginx origin on loopback, and in turn Gatehouse's CLI, nginx, HAProxy and
 * Undertow in front of it (plus the origin alone). For each proxy and response size it measures saturation
 * throughput (wrk, 64 keep-alive connections), the proxy's CPU time per proxied request (user + sys from
 * /proc over the requests wrk counted), latency percentiles at a fixed rate (h2load's per-request log), and
 * resident memory idle and under load. It writes a markdown table, a CSV and an SVG chart to bench/results.
 *
 * <p>Run by {@code bench/run}, which installs the tools and builds the jars. Every process it starts is
 * stopped by its PID; every load loop is bounded in time. Arguments: {@code [--quick]}.
 */
public final class Bench {

    record Size(String name, String path, int fixedRate) {}

    record Row(String proxy, String mode, String size, double rps, double cpuMicros, double p50, double p99,
               double p999, long rssIdleMib, long rssLoadMib, long errors) {}

    static final Path WORK = Path.of(System.getProperty("bench.work", "/tmp/gatehouse-bench"));
    static final List<Process> started = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        int warm = quick ? 3 : 20;
        int saturate = quick ? 4 : 10;
        int fixed = quick ? 4 : 10;
        List<Size> sizes = quick
                ? List.of(new Size("small", "/small", 2000), new Size("1MiB", "/1m", 50))
                : List.of(new Size("small", "/small", 2000), new Size("64KiB", "/64k", 500), new Size("1MiB", "/1m", 50));
        Runtime.getRuntime().addShutdownHook(new Thread(Bench::stopAll));
        Files.createDirectories(WORK);
        // nginx's workers run as an unprivileged user when started by root: they must read the origin's files.
        WORK.toFile().setReadable(true, false);
        WORK.toFile().setExecutable(true, false);
        Path results = Path.of("bench/results");
        Files.createDirectories(results);
        int cpus = Runtime.getRuntime().availableProcessors();

        int origin = 18_400;
        Process originProcess = startNginxOrigin(origin, cpus > 1 ? "1" : null);
        awaitPort(origin);

        Map<String, ProxyStart> proxies = new LinkedHashMap<>();
        proxies.put("direct", null);
        proxies.put("Gatehouse", (port, cpu) -> start(pinned(cpu, List.of("java", "-Xmx48m", "-XX:+UseSerialGC",
                "-XX:TrimNativeHeapInterval=2000", "-XX:CompileCommand=quiet",
                "-XX:CompileCommand=dontinline,java.util.regex.Pattern*::match",
                "-jar", "proxy-examples/target/gatehouse.jar",
                "--listen", "127.0.0.1:" + port, "--to", "http://127.0.0.1:" + origin)), "gatehouse"));
        proxies.put("nginx", (port, cpu) -> startNginxProxy(port, origin, cpu));
        proxies.put("HAProxy", (port, cpu) -> startHaproxy(port, origin, cpu));
        proxies.put("Undertow", (port, cpu) -> start(pinned(cpu, List.of("java", "-Xmx48m", "-XX:+UseSerialGC",
                "-XX:TrimNativeHeapInterval=2000",
                "-jar", "bench/undertow-proxy/target/undertow-proxy.jar", String.valueOf(port),
                String.valueOf(origin))), "undertow"));

        List<Row> rows = new ArrayList<>();
        int port = 18_500;
        for (Map.Entry<String, ProxyStart> proxy : proxies.entrySet()) {
            for (String mode : cpus > 1 ? List.of("shared", "pinned") : List.of("shared")) {
                if (proxy.getValue() == null && mode.equals("pinned")) {
                    continue;
                }
                port++;
                Process process = proxy.getValue() == null ? null
                        : proxy.getValue().start(port, mode.equals("pinned") ? "0" : null);
                int target = process == null ? origin : port;
                awaitPort(target);
                long rssIdle = process == null ? 0 : rssMib(process);
                boolean java = isJvm(proxy.getKey());
                if (java) {
                    warmSaturated(target, "/small", warm);
                    if (mode.equals("shared")) {
                        warmFixedRate(target, Math.max(3, fixed * 4 / 5));
                    }
                }
                // Pinned mode measures small responses only: the per-CPU ceiling.
                for (Size size : mode.equals("pinned") ? sizes.subList(0, 1) : sizes) {
                    String url = "http://127.0.0.1:" + target + size.path();
                    if (java && !size.name().equals("small")) {
                        warmSaturated(target, size.path(), Math.max(2, warm / 2));
                    }
                    long cpuBefore = process == null ? 0 : cpuTicks(process);
                    long[] rssPeak = {0};
                    double[] wrk = wrk(target, size.path(), saturate, process == null ? null : () -> {
                        rssPeak[0] = Math.max(rssPeak[0], rssMib(process));
                    });
                    long cpuAfter = process == null ? 0 : cpuTicks(process);
                    double cpuMicros = process == null || wrk[1] == 0 ? 0
                            : (cpuAfter - cpuBefore) * (1_000_000.0 / ticksPerSecond()) / wrk[1];
                    double[] latency = mode.equals("pinned") ? new double[] {0, 0, 0}
                            : fixedRate(url, size.fixedRate(), fixed);
                    Row row = new Row(proxy.getKey(), mode, size.name(), wrk[0], cpuMicros, latency[0], latency[1],
                            latency[2], rssIdle, rssPeak[0], (long) wrk[2]);
                    rows.add(row);
                    if (row.errors() > 0) {
                        System.out.println("warning: " + row.errors() + " failed requests in the saturation run");
                    }
                    System.out.printf(Locale.ROOT, "%-9s %-6s %-5s %9.0f req/s %7.1f us CPU/req  p50 %6.2f p99 %6.2f p99.9 %6.2f ms  RSS %d/%d MiB%n",
                            row.proxy(), row.mode(), row.size(), row.rps(), row.cpuMicros(), row.p50(), row.p99(),
                            row.p999(), row.rssIdleMib(), row.rssLoadMib());
                }
                if (process != null) {
                    stop(process);
                }
            }
        }
        if (!quick) {
            for (String mode : cpus > 1 ? List.of("shared", "pinned") : List.of("shared")) {
                interleavedSmall(rows, proxies, mode, Math.max(3, warm * 3 / 4), Math.max(4, saturate * 3 / 5),
                        mode.equals("shared") ? Math.max(4, fixed * 3 / 5) : 0, 3);
            }
        }
        stop(originProcess);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
        String machine = machine();
        Files.writeString(results.resolve("results.csv"), csv(rows));
        Files.writeString(results.resolve("results.md"), markdown(rows, stamp, machine, quick));
        Files.writeString(results.resolve("chart.svg"), svg(rows));
        System.out.println("Wrote bench/results/results.md, results.csv and chart.svg");
    }

    /**
     * Measures small responses again with every proxy running at once, in rounds that visit each in turn,
     * and puts the median of the rounds (requests/s, CPU per request and, in shared mode, the latency at the
     * fixed rate) in place of the sequential figure. The
     * speed of a shared machine drifts over the minutes of a run; interleaved, the drift tilts no proxy's
     * figure against another's, and the targets' ratios compare like with like.
     */
    static void interleavedSmall(List<Row> rows, Map<String, ProxyStart> proxies, String mode, int warm,
                                 int seconds, int latencySeconds, int rounds) throws Exception {
        Map<String, Process> running = new LinkedHashMap<>();
        Map<String, Integer> ports = new LinkedHashMap<>();
        int port = mode.equals("pinned") ? 18_620 : 18_600;
        try {
            for (Map.Entry<String, ProxyStart> proxy : proxies.entrySet()) {
                if (proxy.getValue() != null) {
                    port++;
                    running.put(proxy.getKey(), proxy.getValue().start(port, mode.equals("pinned") ? "0" : null));
                    ports.put(proxy.getKey(), port);
                }
            }
            for (String proxy : running.keySet()) {
                awaitPort(ports.get(proxy));
                if (isJvm(proxy)) {
                    warmSaturated(ports.get(proxy), "/small", warm);
                    if (latencySeconds > 0) {
                        warmFixedRate(ports.get(proxy), latencySeconds);
                    }
                }
            }
            Map<String, List<double[]>> samples = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                for (Map.Entry<String, Process> proxy : running.entrySet()) {
                    long before = cpuTicks(proxy.getValue());
                    double[] result = wrk(ports.get(proxy.getKey()), "/small", seconds, null);
                    long after = cpuTicks(proxy.getValue());
                    double cpu = result[1] == 0 ? 0 : (after - before) * (1_000_000.0 / ticksPerSecond()) / result[1];
                    samples.computeIfAbsent(proxy.getKey(), k -> new ArrayList<>()).add(new double[] {result[0], cpu});
                }
            }
            // Latency at the fixed rate too, in rounds of its own: a p99 is as sensitive to the drift as CPU.
            Map<String, List<double[]>> latencies = new LinkedHashMap<>();
            for (int round = 0; round < rounds && latencySeconds > 0; round++) {
                for (String proxy : running.keySet()) {
                    latencies.computeIfAbsent(proxy, k -> new ArrayList<>()).add(
                            fixedRate("http://127.0.0.1:" + ports.get(proxy) + "/small", 2000, latencySeconds));
                }
            }
            for (Map.Entry<String, List<double[]>> sample : samples.entrySet()) {
                Row old = find(rows, sample.getKey(), mode, "small");
                if (old == null) {
                    continue;
                }
                double rps = median(sample.getValue().stream().mapToDouble(s -> s[0]).toArray());
                double cpu = median(sample.getValue().stream().mapToDouble(s -> s[1]).toArray());
                List<double[]> latency = latencies.get(sample.getKey());
                double p50 = latency == null ? old.p50() : median(latency.stream().mapToDouble(l -> l[0]).toArray());
                double p99 = latency == null ? old.p99() : median(latency.stream().mapToDouble(l -> l[1]).toArray());
                double p999 = latency == null ? old.p999() : median(latency.stream().mapToDouble(l -> l[2]).toArray());
                rows.set(rows.indexOf(old), new Row(old.proxy(), old.mode(), old.size(), rps, cpu, p50, p99, p999,
                        old.rssIdleMib(), old.rssLoadMib(), old.errors()));
                System.out.printf(Locale.ROOT, "%-9s %-6s small, median of %d interleaved rounds: %9.0f req/s %7.1f us CPU/req"
                        + "  p50 %6.2f p99 %6.2f p99.9 %6.2f ms%n", sample.getKey(), mode, rounds, rps, cpu, p50, p99, p999);
            }
        } finally {
            for (Process process : running.values()) {
                stop(process);
            }
        }
    }

    /** The proxies that run on the JVM and get a warm-up before they are measured. */
    static boolean isJvm(String proxy) {
        return proxy.equals("Gatehouse") || proxy.equals("Undertow");
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    interface ProxyStart {
        Process start(int port, String cpu) throws Exception;
    }

    static List<String> pinned(String cpu, List<String> command) {
        if (cpu == null) {
            return command;
        }
        List<String> pinned = new ArrayList<>(List.of("taskset", "-c", cpu));
        pinned.addAll(command);
        return pinned;
    }

    static Process start(List<String> command, String name) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(WORK.resolve(name + ".log").toFile()).start();
        started.add(process);
        return process;
    }

    static Process startNginxOrigin(int port, String cpu) throws IOException {
        Path root = WORK.resolve("origin");
        Files.createDirectories(root.resolve("www"));
        Files.createDirectories(root.resolve("logs"));
        byte[] k64 = new byte[64 * 1024];
        Arrays.fill(k64, (byte) 'a');
        Files.write(root.resolve("www/64k"), k64);
        byte[] m1 = new byte[1024 * 1024];
        Arrays.fill(m1, (byte) 'b');
        Files.write(root.resolve("www/1m"), m1);
        for (Path path : List.of(root, root.resolve("www"), root.resolve("www/64k"), root.resolve("www/1m"))) {
            path.toFile().setReadable(true, false);
            path.toFile().setExecutable(true, false);
        }
        Files.writeString(root.resolve("nginx.conf"), """
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/logs/error.log warn;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  keepalive_requests 1000000;
                  sendfile on;
                  server {
                    listen 127.0.0.1:%2$d;
                    root %1$s/www;
                    location = /small { default_type text/plain; return 200 "hello world\\n"; }
                  }
                }
                """.formatted(root, port));
        return start(pinned(cpu, List.of("nginx", "-p", root.toString(), "-c", root.resolve("nginx.conf").toString(),
                "-g", "daemon off;")), "origin");
    }

    static Process startNginxProxy(int port, int origin, String cpu) throws IOException {
        Path root = WORK.resolve("nginx-proxy");
        Files.createDirectories(root.resolve("logs"));
        Files.writeString(root.resolve("nginx.conf"), """
                worker_processes %3$s;
                pid %1$s/nginx.pid;
                error_log %1$s/logs/error.log warn;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  keepalive_requests 1000000;
                  upstream origin { server 127.0.0.1:%4$d; keepalive 128; }
                  server {
                    listen 127.0.0.1:%2$d;
                    location / {
                      proxy_pass http://origin;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                    }
                  }
                }
                """.formatted(root, port, cpu != null ? "1" : "auto", origin));
        return start(pinned(cpu, List.of("nginx", "-p", root.toString(), "-c", root.resolve("nginx.conf").toString(),
                "-g", "daemon off;")), "nginx-proxy");
    }

    static Process startHaproxy(int port, int origin, String cpu) throws IOException {
        Path config = WORK.resolve("haproxy.cfg");
        Files.writeString(config, """
                global
                  nbthread %3$d
                  maxconn 4000
                defaults
                  mode http
                  timeout connect 5s
                  timeout client 30s
                  timeout server 30s
                  http-reuse always
                frontend proxy
                  bind 127.0.0.1:%1$d
                  default_backend origin
                backend origin
                  server one 127.0.0.1:%2$d
                """.formatted(port, origin, cpu != null ? 1 : Runtime.getRuntime().availableProcessors()));
        return start(pinned(cpu, List.of("haproxy", "-f", config.toString(), "-db")), "haproxy");
    }

    /** Runs wrk; returns {requests per second, requests}. Calls {@code sample} every half second meanwhile. */
    static double[] wrk(int port, String path, int seconds, Runnable sample) throws Exception {
        List<String> command = new ArrayList<>(List.of("wrk", "-t2", "-c64", "-d" + seconds + "s",
                "http://127.0.0.1:" + port + path));
        if (Runtime.getRuntime().availableProcessors() > 1) {
            command.addAll(0, List.of("taskset", "-c", "1"));
        }
        Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
        started.add(wrk);
        while (!wrk.waitFor(500, TimeUnit.MILLISECONDS)) {
            if (sample != null) {
                sample.run();
            }
        }
        started.remove(wrk);
        String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Matcher rps = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
        Matcher count = Pattern.compile("([0-9]+) requests in").matcher(out);
        if (!rps.find() || !count.find()) {
            throw new IllegalStateException("unexpected wrk output: " + out);
        }
        Matcher errors = Pattern.compile("Non-2xx or 3xx responses: ([0-9]+)").matcher(out);
        double failed = errors.find() ? Double.parseDouble(errors.group(1)) : 0;
        Matcher socketErrors = Pattern.compile("Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)").matcher(out);
        if (socketErrors.find()) {
            for (int i = 1; i <= 4; i++) {
                failed += Double.parseDouble(socketErrors.group(i));
            }
        }
        return new double[] {Double.parseDouble(rps.group(1)), Double.parseDouble(count.group(1)), failed};
    }

    /**
     * Warms a JVM proxy with wrk in runs of at most 5 s rather than one long run. The JIT compiles the
     * reactor loop for what it has seen; code compiled while 64 connections stayed open had never seen
     * connections open and close, and was thrown away and compiled again when the next wrk connected. Measured
     * by hand (proxy pinned, per-thread CPU): after one 25 s run the C2 compiler thread used 0.9 s of CPU in
     * the first measured 10 s and the proxy's CPU per request was 10 % above its later figure; after five 5 s
     * runs, 0.03 s and no difference. The C proxies need no warm-up and get none.
     */
    static void warmSaturated(int port, String path, int seconds) throws Exception {
        for (int left = seconds; left > 0; left -= 5) {
            wrk(port, path, Math.min(5, left), null);
        }
    }

    /**
     * Warms a JVM proxy for the latency phase: h2load's pattern (20 new connections, then bursts of 20
     * requests every 10 ms) reaches code that wrk's 64 long-lived connections leave cold: accepting and
     * setting up connections, and the I/O thread waking for each burst. Measured by hand, a proxy warmed with
     * wrk only answered the first 3 s of its first fixed-rate run with 281 requests over 1.5 ms, later
     * runs with 60 to 70. The result is discarded; the C proxies need no warm-up and get none.
     */
    static void warmFixedRate(int port, int seconds) throws Exception {
        fixedRate("http://127.0.0.1:" + port + "/small", 2000, seconds);
    }

    /** Runs h2load at a fixed rate over HTTP/1.1; returns {p50, p99, p99.9} in milliseconds. */
    static double[] fixedRate(String url, int rate, int seconds) throws Exception {
        int clients = Math.min(20, rate);
        Path log = WORK.resolve("h2load.log");
        Files.deleteIfExists(log);
        List<String> command = new ArrayList<>(List.of("h2load", "--h1", "-c", String.valueOf(clients),
                "--rps=" + Math.max(1, rate / clients), "-D", String.valueOf(seconds), "--log-file=" + log, url));
        if (Runtime.getRuntime().availableProcessors() > 1) {
            command.addAll(0, List.of("taskset", "-c", "1"));
        }
        Process h2load = new ProcessBuilder(command).redirectErrorStream(true).start();
        started.add(h2load);
        String out = new String(h2load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        h2load.waitFor(seconds + 30L, TimeUnit.SECONDS);
        started.remove(h2load);
        List<Long> micros = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            String[] columns = line.split("\t");
            if (columns.length >= 3 && columns[1].startsWith("2")) {
                micros.add(Long.parseLong(columns[2].trim()));
            }
        }
        if (micros.isEmpty()) {
            System.out.println("warning: h2load logged no successful request: " + out.replace('\n', ' '));
            return new double[] {0, 0, 0};
        }
        micros.sort(Long::compare);
        return new double[] {percentile(micros, 0.50), percentile(micros, 0.99), percentile(micros, 0.999)};
    }

    static double percentile(List<Long> sorted, double q) {
        int index = (int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1);
        return sorted.get(Math.max(0, index)) / 1000.0;
    }

    /** Returns user + sys clock ticks of the process and its descendants (nginx's workers). */
    static long cpuTicks(Process process) {
        long total = cpuOf(process.pid());
        for (ProcessHandle child : process.descendants().toList()) {
            total += cpuOf(child.pid());
        }
        return total;
    }

    static long cpuOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);   // utime, stime
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static long rssMib(Process process) {
        long kib = rssOf(process.pid());
        for (ProcessHandle child : process.descendants().toList()) {
            kib += rssOf(child.pid());
        }
        return kib / 1024;
    }

    static long rssOf(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return 0;
    }

    static long ticksPerSecond() {
        return 100;   // USER_HZ on Linux
    }

    static void awaitPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("nothing listens on port " + port + "; see " + WORK + "/*.log");
    }

    static void stop(Process process) throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        children.forEach(ProcessHandle::destroy);
        started.remove(process);
    }

    static void stopAll() {
        for (Process process : List.copyOf(started)) {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
        }
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException e) {
            // keep the default
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, Java " + System.getProperty("java.version");
    }

    static String csv(List<Row> rows) {
        StringBuilder out = new StringBuilder("proxy,mode,size,requests_per_second,cpu_us_per_request,p50_ms,p99_ms,p999_ms,rss_idle_mib,rss_load_mib,errors\n");
        for (Row row : rows) {
            out.append(String.format(Locale.ROOT, "%s,%s,%s,%.0f,%.2f,%.3f,%.3f,%.3f,%d,%d,%d%n", row.proxy(), row.mode(),
                    row.size(), row.rps(), row.cpuMicros(), row.p50(), row.p99(), row.p999(), row.rssIdleMib(), row.rssLoadMib(),
                    row.errors()));
        }
        return out.toString();
    }

    static String markdown(List<Row> rows, String stamp, String machine, boolean quick) {
        StringBuilder out = new StringBuilder();
        out.append("Run ").append(stamp).append(quick ? " (quick)" : "").append(" on ").append(machine)
                .append(". Proxies in front of a one-worker nginx origin on loopback; wrk with 2 threads and 64 connections")
                .append(" for throughput and CPU per request; h2load over HTTP/1.1 at a fixed rate (small: 2,000/s, 64 KiB:")
                .append(" 500/s, 1 MiB: 50/s) for latency. \"pinned\": the proxy alone on CPU 0, the origin and the load")
                .append(" on CPU 1. JVM proxies are warmed with wrk in runs of 5 s and, before their latency is measured, one discarded"
                        + " run at the fixed rate.")
                .append(quick ? "" : " Small responses, requests/s, CPU per request and latency: the median of three rounds run"
                        + " with every proxy up at once, visiting each in turn, so the machine's drift tilts none against another.")
                .append("\n\n");
        out.append("| proxy | mode | size | requests/s | CPU us/request | p50 ms | p99 ms | p99.9 ms | RSS idle MiB | RSS load MiB |\n");
        out.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row row : rows) {
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f%s | %s | %s | %s | %s | %s | %s |%n", row.proxy(),
                    row.mode(), row.size(), row.rps(), row.errors() > 0 ? " (" + row.errors() + " errors)" : "", row.proxy().equals("direct") ? "-" : String.format(Locale.ROOT, "%.1f", row.cpuMicros()),
                    ms(row.p50()), ms(row.p99()), ms(row.p999()),
                    row.proxy().equals("direct") ? "-" : row.rssIdleMib(), row.proxy().equals("direct") ? "-" : row.rssLoadMib()));
        }
        out.append("\n").append(targets(rows));
        return out.toString();
    }

    static String ms(double value) {
        return value == 0 ? "-" : String.format(Locale.ROOT, "%.2f", value);
    }

    static Row find(List<Row> rows, String proxy, String mode, String size) {
        return rows.stream().filter(r -> r.proxy().equals(proxy) && r.mode().equals(mode) && r.size().equals(size))
                .findFirst().orElse(null);
    }

    /** The targets, as ratios from this run. */
    static String targets(List<Row> rows) {
        StringBuilder out = new StringBuilder("Targets (ratios from this run):\n\n| target | figure | met |\n|---|---|---|\n");
        Row g = find(rows, "Gatehouse", "shared", "small");
        Row h = find(rows, "HAProxy", "shared", "small");
        Row n = find(rows, "nginx", "shared", "small");
        Row u = find(rows, "Undertow", "shared", "small");
        if (g != null && h != null && u != null) {
            target(out, "CPU per small request <= 1.0 x HAProxy's", g.cpuMicros() / h.cpuMicros(), g.cpuMicros() <= h.cpuMicros());
            target(out, "CPU per small request below Undertow's", g.cpuMicros() / u.cpuMicros(), g.cpuMicros() < u.cpuMicros());
        }
        Row gp = find(rows, "Gatehouse", "pinned", "small");
        Row np = find(rows, "nginx", "pinned", "small");
        if (gp != null && np != null) {
            target(out, "pinned saturation >= nginx's", gp.rps() / np.rps(), gp.rps() >= np.rps());
        }
        if (g != null && n != null && n.p99() > 0) {
            target(out, "p99 at 2,000/s <= 1.2 x nginx's", g.p99() / n.p99(), g.p99() <= 1.2 * n.p99());
        }
        for (String size : List.of("64KiB", "1MiB")) {
            Row gs = find(rows, "Gatehouse", "shared", size);
            Row ns = find(rows, "nginx", "shared", size);
            if (gs != null && ns != null) {
                target(out, "CPU per " + size + " request <= 1.2 x nginx's", gs.cpuMicros() / ns.cpuMicros(),
                        gs.cpuMicros() <= 1.2 * ns.cpuMicros());
            }
        }
        if (g != null) {
            long peak = rows.stream().filter(r -> r.proxy().equals("Gatehouse")).mapToLong(Row::rssLoadMib).max().orElse(0);
            out.append(String.format(Locale.ROOT, "| RSS under the 64-connection load <= 128 MiB | %d MiB | %s |%n", peak,
                    peak <= 128 ? "yes" : "no"));
        }
        return out.toString();
    }

    static void target(StringBuilder out, String name, double ratio, boolean met) {
        out.append(String.format(Locale.ROOT, "| %s | %.2f x | %s |%n", name, ratio, met ? "yes" : "no"));
    }

    /** Two grouped bar charts: CPU per request and p99, per size, one bar per proxy. */
    static String svg(List<Row> rows) {
        List<String> proxies = List.of("Gatehouse", "nginx", "HAProxy", "Undertow");
        String[] colours = {"#2b6cb0", "#2f855a", "#c05621", "#6b46c1"};
        List<String> sizes = rows.stream().filter(r -> r.mode().equals("shared")).map(Row::size).distinct().toList();
        int width = 900;
        int height = 380;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", width, height * 2));
        String[] titles = {"CPU time per proxied request (us, lower is better)", "p99 latency at a fixed rate (ms, lower is better)"};
        for (int chart = 0; chart < 2; chart++) {
            int top = chart * height;
            svg.append(String.format(Locale.ROOT, "<text x=\"20\" y=\"%d\" font-size=\"15\">%s</text>%n", top + 25, titles[chart]));
            double max = 0;
            for (Row row : rows) {
                if (row.mode().equals("shared") && proxies.contains(row.proxy())) {
                    max = Math.max(max, chart == 0 ? row.cpuMicros() : row.p99());
                }
            }
            max = max == 0 ? 1 : max;
            int plotTop = top + 45;
            int plotHeight = height - 100;
            int groupWidth = (width - 80) / Math.max(1, sizes.size());
            for (int s = 0; s < sizes.size(); s++) {
                int groupLeft = 60 + s * groupWidth;
                svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", groupLeft + groupWidth / 2 - 20,
                        plotTop + plotHeight + 20, sizes.get(s)));
                for (int p = 0; p < proxies.size(); p++) {
                    Row row = find(rows, proxies.get(p), "shared", sizes.get(s));
                    if (row == null) {
                        continue;
                    }
                    double value = chart == 0 ? row.cpuMicros() : row.p99();
                    int barHeight = (int) Math.round(plotHeight * value / max);
                    int barWidth = groupWidth / (proxies.size() + 1);
                    int x = groupLeft + p * barWidth + barWidth / 2;
                    int y = plotTop + plotHeight - barHeight;
                    svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
                            x, y, barWidth - 4, barHeight, colours[p]));
                    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\">%.1f</text>%n", x, y - 3, value));
                }
            }
            for (int p = 0; p < proxies.size(); p++) {
                svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
                        width - 420 + p * 100, top + 15, colours[p], width - 404 + p * 100, top + 26, proxies.get(p)));
            }
        }
        svg.append("</svg>\n");
        return svg.toString();
    }
}
