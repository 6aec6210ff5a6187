package dev.gatehouse.proxy.testing;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.proxy.Upstream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real HTTP/1.1 upstream on {@code 127.0.0.1}, on a free port, for integration tests: it serves scripted
 * responses, records the requests it gets, and can be stopped and started again on the same port. Register
 * it as a static {@code @RegisterExtension} field; it starts before the class's tests, forgets its
 * recordings and custom handlers before each test, and stops after the class.
 *
 * <p>Built-in paths:
 * <ul>
 *   <li>{@code /whoami}: the upstream's name;</li>
 *   <li>{@code /echo}: the request body, streamed back ({@code ?chunked} for a chunked response);</li>
 *   <li>{@code /bytes?n=N}: N bytes of {@link BytePattern} ({@code &chunked} for a chunked response);</li>
 *   <li>{@code /slow?n=N&ms=M}: N pattern bytes spread over M milliseconds;</li>
 *   <li>{@code /delay?ms=M}: waits M milliseconds, then answers its name;</li>
 *   <li>{@code /status?code=C}: an empty response with status C;</li>
 *   <li>{@code /headers}: the request headers it received, one {@code name: value} per line;</li>
 *   <li>anything else: its name.</li>
 * </ul>
 */
public final class TestUpstream implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

    private final String name;
    private final Map<String, HttpHandler> handlers = new ConcurrentHashMap<>();
    private final List<Recorded> requests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger connections = new AtomicInteger();
    private volatile HttpServer server;
    private volatile ExecutorService executor;
    private volatile int port;

    /** Creates an upstream whose {@code /whoami} answers {@code name}. */
    public TestUpstream(String name) {
        this.name = name;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        start();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        handlers.clear();
        requests.clear();
        if (server == null) {
            start();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    /** Starts serving, on the same port as before if it ran already. */
    public synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        HttpServer created = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        executor = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "upstream-" + name);
            thread.setDaemon(true);
            return thread;
        });
        created.setExecutor(executor);
        created.createContext("/", this::dispatch);
        created.start();
        port = created.getAddress().getPort();
        server = created;
    }

    /** Stops serving: connections are closed and new ones refused. */
    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
        }
    }

    /** Returns the port. */
    public int port() {
        return port;
    }

    /** Returns this upstream as a Gatehouse {@link Upstream}. */
    public Upstream upstream() {
        return Upstream.of("127.0.0.1", port);
    }

    /** Returns the name. */
    public String name() {
        return name;
    }

    /** Serves requests whose path starts with {@code prefix} with {@code handler} until the next test. */
    public void handle(String prefix, HttpHandler handler) {
        handlers.put(prefix, handler);
    }

    /** Returns the requests received since the test started, in order. */
    public List<Recorded> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Returns the last request received. */
    public Recorded lastRequest() {
        synchronized (requests) {
            if (requests.isEmpty()) {
                throw new AssertionError("upstream " + name + " received no request");
            }
            return requests.get(requests.size() - 1);
        }
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        try {
            URI uri = exchange.getRequestURI();
            requests.add(new Recorded(exchange.getRequestMethod(), uri.getRawPath()
                    + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : ""), exchange.getRequestHeaders()));
            String path = uri.getPath();
            for (Map.Entry<String, HttpHandler> handler : handlers.entrySet()) {
                if (path.startsWith(handler.getKey())) {
                    handler.getValue().handle(exchange);
                    return;
                }
            }
            Map<String, String> query = query(uri.getRawQuery());
            switch (path) {
                case "/echo":
                    echo(exchange, query.containsKey("chunked"));
                    break;
                case "/bytes":
                    bytes(exchange, Long.parseLong(query.getOrDefault("n", "0")), query.containsKey("chunked"), 0);
                    break;
                case "/slow":
                    bytes(exchange, Long.parseLong(query.getOrDefault("n", "1000")), false,
                            Long.parseLong(query.getOrDefault("ms", "1000")));
                    break;
                case "/delay":
                    sleep(Long.parseLong(query.getOrDefault("ms", "1000")));
                    text(exchange, 200, name);
                    break;
                case "/status":
                    drain(exchange);
                    exchange.sendResponseHeaders(Integer.parseInt(query.getOrDefault("code", "200")), -1);
                    break;
                case "/headers":
                    StringBuilder listing = new StringBuilder();
                    exchange.getRequestHeaders().forEach((header, values) ->
                            values.forEach(value -> listing.append(header).append(": ").append(value).append('\n')));
                    text(exchange, 200, listing.toString());
                    break;
                default:
                    text(exchange, 200, name);
                    break;
            }
        } catch (IOException | RuntimeException e) {
            exchange.close();
        } finally {
            exchange.close();
        }
    }

    private static void echo(HttpExchange exchange, boolean chunked) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        long size = !chunked && length != null ? Long.parseLong(length) : 0;
        exchange.sendResponseHeaders(200, size == 0 && !chunked && length != null ? -1 : size);
        try (InputStream in = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
            in.transferTo(out);
        }
    }

    private static void bytes(HttpExchange exchange, long count, boolean chunked, long spreadMillis) throws IOException {
        drain(exchange);
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(200, head ? -1 : chunked ? 0 : count == 0 ? -1 : count);
        if (head) {
            return;
        }
        try (OutputStream out = exchange.getResponseBody()) {
            byte[] buffer = new byte[spreadMillis > 0 ? (int) Math.max(1, Math.min(8192, count / 20)) : 64 * 1024];
            long position = 0;
            long steps = spreadMillis > 0 ? Math.max(1, count / buffer.length) : 1;
            while (position < count) {
                int chunk = (int) Math.min(buffer.length, count - position);
                BytePattern.fill(buffer, chunk, position);
                out.write(buffer, 0, chunk);
                out.flush();
                position += chunk;
                if (spreadMillis > 0) {
                    sleep(spreadMillis / steps);
                }
            }
        }
    }

    /** Answers {@code status} with {@code body} as UTF-8 text. */
    public static void text(HttpExchange exchange, int status, String body) throws IOException {
        drain(exchange);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head || bytes.length == 0 ? -1 : bytes.length);
        if (!head && bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static void drain(HttpExchange exchange) {
        try (InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // Already read (and closed) by the handler: nothing left to drain.
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> values = new LinkedHashMap<>();
        if (raw == null) {
            return values;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            values.put(equals < 0 ? pair : pair.substring(0, equals), equals < 0 ? "" : pair.substring(equals + 1));
        }
        return values;
    }

    /** A request as the upstream received it. */
    public static final class Recorded {
        public final String method;
        public final String target;
        private final Map<String, List<String>> headers = new LinkedHashMap<>();

        Recorded(String method, String target, Headers received) {
            this.method = method;
            this.target = target;
            received.forEach((header, values) -> headers.put(header.toLowerCase(java.util.Locale.ROOT), List.copyOf(values)));
        }

        /** Returns the first value of {@code name}, or null. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** Returns every value of {@code name}. */
        public List<String> headers(String name) {
            return headers.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), List.of());
        }

        @Override
        public String toString() {
            return method + " " + target + " " + headers;
        }
    }
}
