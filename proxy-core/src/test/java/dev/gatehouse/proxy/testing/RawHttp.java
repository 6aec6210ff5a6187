package dev.gatehouse.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A raw HTTP/1.1 client for tests that need exact bytes on the wire: it writes what it is given and parses
 * what comes back, telling whether the connection was closed and whether a response was complete.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new java.io.BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code address} with a 10 s read timeout. */
    public static RawHttp connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 5_000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        return new RawHttp(socket);
    }

    /** Sets the read timeout. */
    public RawHttp timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    /** Writes {@code text} as ISO-8859-1 bytes, exactly. */
    public RawHttp send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** Writes {@code bytes}, exactly. */
    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Returns the socket's output stream, for streaming a body. */
    public OutputStream output() {
        return out;
    }

    /** Reads one response; for HEAD pass {@code headRequest} so no body is expected. */
    public Response read(boolean headRequest) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Response response = read(headRequest, body);
        response.body = body.toByteArray();
        return response;
    }

    /**
     * Reads one response, streaming its body into {@code sink} instead of keeping it; {@link Response#length}
     * tells how many body bytes came.
     */
    public Response read(boolean headRequest, OutputStream body) throws IOException {
        String statusLine = readLine();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        List<String[]> headers = new ArrayList<>();
        String line;
        while ((line = readLine()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            headers.add(new String[] {line.substring(0, colon), line.substring(colon + 1).trim()});
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Response response = new Response(statusLine, status, headers);
        if (status < 200 || headRequest || status == 204 || status == 304) {
            response.complete = true;
            return response;
        }
        String length = response.header("Content-Length");
        String coding = response.header("Transfer-Encoding");
        try {
            if (coding != null && coding.toLowerCase(Locale.ROOT).contains("chunked")) {
                while (true) {
                    String size = readLine();
                    if (size == null) {
                        break;
                    }
                    int semicolon = size.indexOf(';');
                    int chunk = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                    if (chunk == 0) {
                        String trailer;
                        while ((trailer = readLine()) != null && !trailer.isEmpty()) {
                            int colon = trailer.indexOf(':');
                            response.trailers.add(new String[] {trailer.substring(0, colon), trailer.substring(colon + 1).trim()});
                        }
                        response.complete = trailer != null;
                        break;
                    }
                    copy(body, chunk, response);
                    readLine();
                }
            } else if (length != null) {
                long expected = Long.parseLong(length);
                copy(body, expected, response);
                response.complete = true;
            } else {
                byte[] buffer = new byte[8192];
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    body.write(buffer, 0, read);
                    response.length += read;
                }
                response.complete = true;
                response.closed = true;
            }
        } catch (IOException e) {
            response.failure = e;
        }
        return response;
    }

    /** Reads one response to a request that is not HEAD. */
    public Response read() throws IOException {
        return read(false);
    }

    /** Returns true when the peer has closed the connection (reads end of stream within the timeout). */
    public boolean isClosedByPeer(int waitMillis) throws IOException {
        int previous = socket.getSoTimeout();
        socket.setSoTimeout(waitMillis);
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;      // reset
        } finally {
            socket.setSoTimeout(previous);
        }
    }

    private void copy(OutputStream body, long count, Response response) throws IOException {
        byte[] buffer = new byte[8192];
        long left = count;
        while (left > 0) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (read < 0) {
                throw new IOException("connection closed with " + left + " body bytes missing");
            }
            body.write(buffer, 0, read);
            response.length += read;
            left -= read;
        }
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            line.append((char) c);
        }
        return line.length() == 0 ? null : line.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A parsed response. */
    public static final class Response {
        public final String statusLine;
        public final int status;
        public final List<String[]> headers;
        public final List<String[]> trailers = new ArrayList<>();
        public byte[] body = new byte[0];
        /** The number of body bytes received. */
        public long length;
        /** True when the body ended as its framing said it would. */
        public boolean complete;
        /** True when the body was delimited by the connection closing. */
        public boolean closed;
        /** The failure that cut the body short, if any. */
        public IOException failure;

        Response(String statusLine, int status, List<String[]> headers) {
            this.statusLine = statusLine;
            this.status = status;
            this.headers = headers;
        }

        /** Returns the first value of {@code name}, or null. */
        public String header(String name) {
            for (String[] header : headers) {
                if (header[0].equalsIgnoreCase(name)) {
                    return header[1];
                }
            }
            return null;
        }

        /** Returns every value of {@code name}. */
        public List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            for (String[] header : headers) {
                if (header[0].equalsIgnoreCase(name)) {
                    values.add(header[1]);
                }
            }
            return values;
        }

        /** Returns the body as UTF-8 text. */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return statusLine + " " + headers.size() + " headers, " + body.length + " body bytes";
        }
    }
}
