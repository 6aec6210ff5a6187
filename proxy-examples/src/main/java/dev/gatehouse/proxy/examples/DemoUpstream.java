package dev.gatehouse.proxy.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A tiny upstream for the demo: it answers a short JSON description of the request it received, so you
 * can see which upstream served you and which headers the proxy added. {@code /bytes?n=N} answers N
 * bytes of a fixed pattern, for comparing bodies byte for byte.
 */
final class DemoUpstream implements AutoCloseable {

    private final String name;
    private final HttpServer server;
    private final ExecutorService executor;

    DemoUpstream(String name) throws IOException {
        this.name = name;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        this.executor = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "demo-" + name);
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    String name() {
        return name;
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            long received = body.transferTo(OutputStream.nullOutputStream());
            String query = exchange.getRequestURI().getRawQuery();
            if (exchange.getRequestURI().getPath().equals("/bytes")) {
                long count = query != null && query.startsWith("n=") ? Long.parseLong(query.substring(2)) : 1024;
                exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
                exchange.sendResponseHeaders(200, count == 0 ? -1 : count);
                try (OutputStream out = exchange.getResponseBody()) {
                    byte[] block = new byte[8192];
                    for (long sent = 0; sent < count; sent += block.length) {
                        int length = (int) Math.min(block.length, count - sent);
                        for (int i = 0; i < length; i++) {
                            block[i] = (byte) ((sent + i) * 31 % 251);
                        }
                        out.write(block, 0, length);
                    }
                }
                return;
            }
            StringBuilder json = new StringBuilder("{\n");
            json.append("  \"upstream\": \"").append(name).append("\",\n");
            json.append("  \"method\": \"").append(exchange.getRequestMethod()).append("\",\n");
            json.append("  \"path\": \"").append(escape(exchange.getRequestURI().getRawPath())).append("\",\n");
            if (query != null) {
                json.append("  \"query\": \"").append(escape(query)).append("\",\n");
            }
            json.append("  \"bodyBytes\": ").append(received).append(",\n");
            json.append("  \"headers\": {");
            String separator = "\n";
            for (var header : exchange.getRequestHeaders().entrySet()) {
                json.append(separator).append("    \"").append(header.getKey().toLowerCase(Locale.ROOT)).append("\": \"")
                        .append(escape(String.join(", ", header.getValue()))).append('"');
                separator = ",\n";
            }
            json.append("\n  }\n}\n");
            byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(200, head ? -1 : bytes.length);
            if (!head) {
                exchange.getResponseBody().write(bytes);
            }
        }
    }

    private static String escape(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
