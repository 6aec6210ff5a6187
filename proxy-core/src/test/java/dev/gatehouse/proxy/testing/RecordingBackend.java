package dev.gatehouse.proxy.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP/1.1 backend on {@code 127.0.0.1} that records, for every request it reads, the exact bytes of its
 * head and its decoded body, and answers {@code 200 ok} with keep-alive. It reads bodies by
 * {@code Content-Length} or chunked coding, strictly enough to tell one request from two: what a proxy
 * forwarded is what it recorded. Each connection is served on its own thread.
 */
public final class RecordingBackend implements Closeable {

    /** One request as the backend received it. */
    public record Request(int connection, String head, byte[] body, List<String> trailers) {
        /** Returns the request line. */
        public String requestLine() {
            int end = head.indexOf("\r\n");
            return end < 0 ? head : head.substring(0, end);
        }

        /** Returns the values of header {@code name}, in order. */
        public List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            String[] lines = head.split("\r\n");
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0 && lines[i].substring(0, colon).equalsIgnoreCase(name)) {
                    values.add(lines[i].substring(colon + 1).trim());
                }
            }
            return values;
        }

        /** Returns the body as ISO-8859-1 text. */
        public String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    private final ServerSocket server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile int connections;
    private volatile boolean closed;

    /** Listens on a free loopback port. */
    public RecordingBackend() throws IOException {
        this(0);
    }

    /** Listens on {@code port} of the loopback address (0 for a free one). */
    public RecordingBackend(int port) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        Thread acceptor = new Thread(this::accept, "recording-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Returns the port. */
    public int port() {
        return server.getLocalPort();
    }

    /** Returns the requests received since the last {@link #clear()}. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Forgets the requests received so far. */
    public void clear() {
        requests.clear();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                int index = ++connections;
                sockets.add(socket);
                Thread worker = new Thread(() -> serve(socket, index), "recording-backend-" + index);
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket, int index) {
        try (socket) {
            socket.setSoTimeout(30_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            String head;
            while ((head = readHead(in)) != null) {
                List<String> trailers = new ArrayList<>();
                byte[] body = readBody(in, head, trailers);
                requests.add(new Request(index, head, body, List.copyOf(trailers)));
                out.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // The peer went away or sent something this backend will not read: the connection ends.
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            matched = c == '\r' && (matched == 0 || matched == 2) || c == '\n' && (matched == 1 || matched == 3)
                    ? matched + 1 : c == '\r' ? 1 : 0;
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
            if (head.size() > 1 << 20) {
                throw new IOException("head too large");
            }
        }
        return null;
    }

    private static byte[] readBody(InputStream in, String head, List<String> trailers) throws IOException {
        String lower = head.toLowerCase(Locale.ROOT);
        if (lower.contains("\r\ntransfer-encoding:")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (;;) {
                String size = readLine(in);
                int semicolon = size.indexOf(';');
                int length = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                if (length == 0) {
                    String trailer;
                    while (!(trailer = readLine(in)).isEmpty()) {
                        trailers.add(trailer);
                    }
                    return body.toByteArray();
                }
                body.write(in.readNBytes(length));
                readLine(in);
            }
        }
        int at = lower.indexOf("\r\ncontent-length:");
        if (at < 0) {
            return new byte[0];
        }
        int end = lower.indexOf("\r\n", at + 2);
        int length = Integer.parseInt(head.substring(at + 17, end).trim());
        return in.readNBytes(length);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        if (c < 0) {
            throw new IOException("end of stream in a chunked body");
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
