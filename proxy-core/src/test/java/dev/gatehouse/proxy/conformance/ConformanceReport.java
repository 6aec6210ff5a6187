package dev.gatehouse.proxy.conformance;

import dev.gatehouse.proxy.RetryPolicy;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.core.ReverseProxy;
import dev.gatehouse.proxy.core.ReverseProxyBuilder;
import dev.gatehouse.proxy.testing.RecordingBackend;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the request catalogue against Gatehouse and any other proxies given on the command line, all in
 * front of one {@link RecordingBackend}, and writes a markdown table: case, expected, and what each proxy
 * did. Used by {@code conformance/run}, which starts nginx and HAProxy pointed at the backend's port.
 *
 * <p>Arguments: {@code BACKEND_PORT OUTPUT.md [NAME=HOST:PORT ...]}.
 */
public final class ConformanceReport {

    private ConformanceReport() {
    }

    /** Configures the proxy the catalogue expects: one catch-all route to the backend, no retries. */
    static ReverseProxyBuilder gatehouse(ReverseProxyBuilder builder, int backendPort) {
        return builder.route(Route.builder("all").upstreams(Upstream.of("127.0.0.1", backendPort))
                .retryPolicy(RetryPolicy.none()).build());
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ConformanceReport BACKEND_PORT OUTPUT.md [NAME=HOST:PORT ...]");
            System.exit(2);
        }
        int backendPort = Integer.parseInt(args[0]);
        Path output = Path.of(args[1]);
        Map<String, InetSocketAddress> others = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            String[] named = args[i].split("=", 2);
            int colon = named[1].lastIndexOf(':');
            others.put(named[0], new InetSocketAddress(named[1].substring(0, colon), Integer.parseInt(named[1].substring(colon + 1))));
        }
        try (RecordingBackend backend = new RecordingBackend(backendPort);
             ReverseProxy proxy = gatehouse(ReverseProxy.builder().listen("127.0.0.1", 0).ioThreads(2), backend.port()).build()) {
            proxy.start();
            Map<String, InetSocketAddress> targets = new LinkedHashMap<>();
            targets.put("Gatehouse", proxy.address());
            targets.putAll(others);
            List<String> rows = new ArrayList<>();
            Map<String, Integer> passed = new LinkedHashMap<>();
            int gatehouseBehind = 0;
            for (Conformance.Case test : Conformance.catalogue()) {
                StringBuilder row = new StringBuilder("| ").append(test.id()).append(" | ").append(escape(test.title()))
                        .append(" | ").append(test.expect()).append(" |");
                boolean gatehousePasses = false;
                boolean anotherPasses = false;
                for (Map.Entry<String, InetSocketAddress> target : targets.entrySet()) {
                    Conformance.Outcome outcome = Conformance.run(test, target.getValue(), backend, 400);
                    boolean pass = Conformance.passes(test, outcome);
                    passed.merge(target.getKey(), pass ? 1 : 0, Integer::sum);
                    if (target.getKey().equals("Gatehouse")) {
                        gatehousePasses = pass;
                    } else {
                        anotherPasses |= pass;
                    }
                    row.append(' ').append(pass ? "pass" : "**fail**").append(": ").append(outcome.describe()).append(" |");
                }
                if (anotherPasses && !gatehousePasses) {
                    gatehouseBehind++;
                }
                rows.add(row.toString());
            }
            int total = Conformance.catalogue().size();
            StringBuilder page = new StringBuilder();
            page.append("# Conformance report\n\n");
            page.append("The request catalogue of the reliability work (HTTP/1.1 framing and smuggling, header handling,\n")
                    .append("path normalisation) sent as raw bytes, one case per connection, through each proxy to one\n")
                    .append("backend that records exactly what it receives. A case passes when the proxy refuses it with an\n")
                    .append("expected status and the backend gets nothing, or forwards it once in the normalised form the\n")
                    .append("case names. Written by `conformance/run` on ").append(LocalDate.now()).append(".\n\n");
            page.append("| proxy | cases passed |\n|---|---|\n");
            for (Map.Entry<String, Integer> entry : passed.entrySet()) {
                page.append("| ").append(entry.getKey()).append(" | ").append(entry.getValue()).append(" of ").append(total).append(" |\n");
            }
            page.append("\nCases where another proxy passes and Gatehouse does not: ").append(gatehouseBehind).append(".\n\n");
            page.append("| case | payload | expected |");
            for (String name : targets.keySet()) {
                page.append(' ').append(name).append(" |");
            }
            page.append("\n|---|---|---|");
            page.append("---|".repeat(targets.size())).append('\n');
            rows.forEach(row -> page.append(row).append('\n'));
            Files.writeString(output, page.toString(), StandardCharsets.UTF_8);
            System.out.println("Wrote " + output + ": " + passed);
            if (gatehouseBehind > 0 || passed.get("Gatehouse") < total) {
                System.exit(1);
            }
        }
    }

    private static String escape(String text) {
        return text.replace("|", "\\|");
    }
}
