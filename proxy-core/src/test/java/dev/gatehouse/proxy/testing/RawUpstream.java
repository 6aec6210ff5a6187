package dev.gatehouse.proxy.testing;

import dev.gatehouse.proxy.Upstream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream on {@code 127.0.0.1} that does exactly what its script says with each connection: answer
 * garbage, reset half-way, answer before reading the body. For the faults a well-behaved server never
 * produces. Each connection is served on its own thread; {@link #close()} stops everything.
 */
public final class RawUpstream implements Closeable {

    /** What to do with one accepted connection. */
    @FunctionalInterface
    public interface Script {
        void serve(Connection connection) throws Exception;
    }

    private final ServerSocket server;
    private final Script script;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<String> heads = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /** Starts listening with the given script. */
    public RawUpstream(Script script) throws IOException {
        this.script = script;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "raw-upstream-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                accepted.incrementAndGet();
                Thread worker = new Thread(() -> {
                    try (socket) {
                        socket.setSoTimeout(15_000);
                        script.serve(new Connection(socket, heads));
                    } catch (Exception e) {
                        // The script decides what happens; a failure just ends the connection.
                    }
                }, "raw-upstream");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Returns the port. */
    public int port() {
        return server.getLocalPort();
    }

    /** Returns this server as a Gatehouse upstream. */
    public Upstream upstream() {
        return Upstream.of("127.0.0.1", port());
    }

    /** Returns how many connections were accepted. */
    public int connections() {
        return accepted.get();
    }

    /** Returns the request heads read so far, in order. */
    public List<String> heads() {
        return List.copyOf(heads);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    /** One accepted connection, as the script sees it. */
    public static final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final List<String> heads;

        Connection(Socket socket, List<String> heads) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
            this.heads = heads;
        }

        /** Reads up to and including the blank line; returns the head, or null at end of stream. */
        public String readHead() throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            int c;
            while ((c = in.read()) >= 0) {
                head.write(c);
                matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                        ? matched + 1 : (c == '\r' ? 1 : 0);
                if (matched == 4) {
                    String text = head.toString(StandardCharsets.ISO_8859_1);
                    heads.add(text);
                    return text;
                }
            }
            return null;
        }

        /** Reads one line, without its CRLF; null at end of stream. */
        public String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    String text = line.toString(StandardCharsets.ISO_8859_1);
                    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
                }
                line.write(c);
            }
            return null;
        }

        /** Reads exactly {@code count} body bytes. */
        public byte[] readBody(int count) throws IOException {
            return in.readNBytes(count);
        }

        /** Writes {@code text} exactly, as ISO-8859-1. */
        public Connection write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        }

        /** Writes {@code bytes} exactly. */
        public Connection write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
            return this;
        }

        /** Closes with a reset (SO_LINGER 0). */
        public void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /** Closes normally (FIN). */
        public void close() throws IOException {
            socket.close();
        }

        /** Waits until the peer closes or {@code millis} pass. */
        public void awaitClose(int millis) throws IOException {
            socket.setSoTimeout(millis);
            try {
                while (in.read() >= 0) {
                    // discard
                }
            } catch (IOException e) {
                // timeout or reset: either way, done waiting
            }
        }

        /** Returns the value of header {@code name} in {@code head}, or null. */
        public static String header(String head, String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }
}
