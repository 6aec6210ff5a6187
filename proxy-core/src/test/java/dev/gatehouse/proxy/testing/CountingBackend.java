package dev.gatehouse.proxy.testing;

import dev.gatehouse.proxy.Upstream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A keep-alive HTTP/1.1 backend on {@code 127.0.0.1} that counts, by {@code X-Request-Id}, every request it
 * has read in full, and can be told to misbehave. Each response goes out in one write, so a kill never cuts
 * one in half: a request either got its whole answer or none. A GET is answered with the backend's name, a
 * request with a body with that body.
 */
public final class CountingBackend implements Closeable {

    /** What the backend does with a request once it has read it. */
    public enum Behaviour {
        /** Answers 200. */
        OK,
        /** Answers 503. */
        UNAVAILABLE,
        /** Closes the connection with a reset, answering nothing. */
        RESET
    }

    private final String name;
    private final RawUpstream server;
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Behaviour behaviour = Behaviour.OK;

    /** Starts a backend answering with {@code name}. */
    public CountingBackend(String name) throws IOException {
        this.name = name;
        this.server = new RawUpstream(this::serve);
    }

    private void serve(RawUpstream.Connection connection) throws IOException {
        String head;
        while ((head = connection.readHead()) != null) {
            String length = RawUpstream.Connection.header(head, "Content-Length");
            byte[] body = "chunked".equalsIgnoreCase(RawUpstream.Connection.header(head, "Transfer-Encoding"))
                    ? readChunked(connection)
                    : length == null ? new byte[0] : connection.readBody(Integer.parseInt(length));
            String id = RawUpstream.Connection.header(head, "X-Request-Id");
            if (id != null) {
                counts.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
            }
            requests.incrementAndGet();
            Behaviour now = behaviour;
            if (now == Behaviour.RESET) {
                connection.reset();
                return;
            }
            byte[] content = body.length > 0 ? body : name.getBytes(StandardCharsets.UTF_8);
            String status = now == Behaviour.OK ? "200 OK" : "503 Service Unavailable";
            byte[] start = ("HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " + content.length
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
            byte[] whole = new byte[start.length + content.length];
            System.arraycopy(start, 0, whole, 0, start.length);
            System.arraycopy(content, 0, whole, start.length, content.length);
            connection.write(whole);
        }
    }

    private static byte[] readChunked(RawUpstream.Connection connection) throws IOException {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        for (;;) {
            String line = connection.readLine();
            if (line == null) {
                throw new IOException("end of stream in a chunked body");
            }
            int size = Integer.parseInt(line.split(";")[0].trim(), 16);
            if (size == 0) {
                while (!connection.readLine().isEmpty()) {
                    // trailers
                }
                return body.toByteArray();
            }
            body.write(connection.readBody(size));
            connection.readLine();
        }
    }

    /** Changes what the backend does with the next requests. */
    public void behave(Behaviour next) {
        this.behaviour = next;
    }

    /** Returns how many times the request with {@code id} was read in full. */
    public int count(String id) {
        AtomicInteger count = counts.get(id);
        return count == null ? 0 : count.get();
    }

    /** Returns how many requests were read in full. */
    public int requests() {
        return requests.get();
    }

    /** Returns how many connections were accepted. */
    public int connections() {
        return server.connections();
    }

    /** Returns the backend as a Gatehouse upstream. */
    public Upstream upstream() {
        return server.upstream();
    }

    /** Stops at once, as a crash would: the listener and every connection close. */
    public void kill() throws IOException {
        server.close();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
