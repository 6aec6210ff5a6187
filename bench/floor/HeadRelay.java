import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * Not a proxy: the second floor for the benchmark, above {@code RawRelay}. One thread, one selector, each
 * client connection paired with an upstream connection of its own, as there; but here every message head is
 * parsed and written anew, the way an HTTP/1.1 codec of the proxy's own would do it on the channels: the
 * request and status lines and each field read into strings (what routes and filters see), names checked as
 * tokens and values for control bytes, the hop-by-hop fields dropped, {@code X-Forwarded-For} added, bodies
 * framed by {@code Content-Length} (a response to {@code HEAD}, 1xx, 204 and 304 have none). What it does not
 * do: chunked bodies, routing, filters, balancing, pooling, timeouts, errors beyond closing the connection.
 * What it costs per request over {@code RawRelay} bounds from below what such a codec would cost; see the
 * site's Performance page. Run it pinned like the proxies: {@code taskset -c 0 java bench/floor/HeadRelay.java
 * PORT ORIGIN_PORT}. Loopback only; stop it by its PID.
 */
public final class HeadRelay {

    private static final int BUFFER = 16 * 1024;
    private static final int MAX_FIELDS = 100;
    private static final byte[] VERSION = "HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FORWARDED_FOR = "X-Forwarded-For: ".getBytes(StandardCharsets.US_ASCII);
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    /** One direction of a connection pair: requests (client to upstream) or responses (back). */
    private static final class Direction {
        final boolean requests;
        final SocketChannel from;
        final SocketChannel to;
        final byte[] in = new byte[BUFFER];
        final ByteBuffer inView = ByteBuffer.wrap(in);
        /** Room for a head read whole from {@link #in} after half a buffer of output already waiting. */
        final byte[] out = new byte[2 * BUFFER];
        final ByteBuffer outView = ByteBuffer.wrap(out);
        final String[] names = new String[MAX_FIELDS];
        final String[] values = new String[MAX_FIELDS];
        char[] chars = new char[256];
        int outLength;
        int fieldCount;
        /** Body bytes still to pass on; -1 while a head is awaited. */
        long body = -1;
        SelectionKey fromKey;
        SelectionKey toKey;
        boolean blocked;
        Direction other;
        /** Requests only: the methods of requests sent and not yet answered, oldest first (HEAD matters). */
        final String[] methods = new String[64];
        int methodsHead;
        int methodsTail;
        String forwardedFor;

        Direction(boolean requests, SocketChannel from, SocketChannel to) {
            this.requests = requests;
            this.from = from;
            this.to = to;
        }
    }

    /** The head could not be read or passed on: the pair is closed. */
    private static final class BadMessage extends IOException {
        BadMessage(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        InetSocketAddress origin = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]));
        Selector selector = Selector.open();
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", port), 1024);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        while (true) {
            selector.select();
            Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
            while (ready.hasNext()) {
                SelectionKey key = ready.next();
                ready.remove();
                if (!key.isValid()) {
                    continue;
                }
                if (key.isAcceptable()) {
                    accept(server, origin, selector);
                    continue;
                }
                Direction[] pair = (Direction[]) key.attachment();
                try {
                    if (key.isWritable()) {
                        // The socket this key belongs to drained: go on with what its inbound direction holds.
                        pump(pair[0].to == key.channel() ? pair[0] : pair[1]);
                    }
                    if (key.isValid() && key.isReadable()) {
                        Direction inbound = pair[0].from == key.channel() ? pair[0] : pair[1];
                        if (inbound.from.read(inbound.inView) < 0) {
                            close(pair);
                            continue;
                        }
                        pump(inbound);
                    }
                } catch (IOException e) {
                    close(pair);
                }
            }
        }
    }

    private static void accept(ServerSocketChannel server, InetSocketAddress origin, Selector selector)
            throws IOException {
        SocketChannel client = server.accept();
        if (client == null) {
            return;
        }
        // A blocking connect on the selector thread: loopback answers at once, and the floor measures
        // requests on connections that stay open, not connects.
        SocketChannel upstream = SocketChannel.open(origin);
        for (SocketChannel channel : new SocketChannel[] {client, upstream}) {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        Direction requests = new Direction(true, client, upstream);
        Direction responses = new Direction(false, upstream, client);
        requests.other = responses;
        responses.other = requests;
        requests.forwardedFor = ((InetSocketAddress) client.getRemoteAddress()).getAddress().getHostAddress();
        Direction[] pair = {requests, responses};
        SelectionKey clientKey = client.register(selector, SelectionKey.OP_READ, pair);
        SelectionKey upstreamKey = upstream.register(selector, SelectionKey.OP_READ, pair);
        requests.fromKey = clientKey;
        requests.toKey = upstreamKey;
        responses.fromKey = upstreamKey;
        responses.toKey = clientKey;
    }

    /**
     * Turns what the direction has read into what it writes: heads parsed and written anew, body bytes copied
     * as they are; then writes. Stops reading its source while the destination does not take everything.
     */
    private static void pump(Direction d) throws IOException {
        while (true) {
            int read = d.inView.position();
            int used = 0;
            while (used < read && d.outLength < BUFFER / 2) {
                if (d.body < 0) {
                    int end = headEnd(d.in, used, read);
                    if (end < 0) {
                        if (used == 0 && read == BUFFER) {
                            throw new BadMessage("head too large");
                        }
                        break;
                    }
                    d.body = d.requests ? request(d, used, end) : response(d, used, end);
                    used = end;
                } else {
                    int n = (int) Math.min(d.body, Math.min(read - used, d.out.length - d.outLength));
                    System.arraycopy(d.in, used, d.out, d.outLength, n);
                    d.outLength += n;
                    used += n;
                    d.body -= n;
                }
                if (d.body == 0) {
                    d.body = -1;
                }
            }
            if (used > 0) {
                System.arraycopy(d.in, used, d.in, 0, read - used);
                d.inView.position(read - used);
            }
            d.outView.limit(d.outLength).position(0);
            d.to.write(d.outView);
            int left = d.outView.remaining();
            if (left > 0) {
                System.arraycopy(d.out, d.outView.position(), d.out, 0, left);
            }
            d.outLength = left;
            boolean more = used > 0 && d.inView.position() > 0 && left == 0;
            interest(d, left > 0);
            if (!more) {
                return;
            }
        }
    }

    private static void interest(Direction d, boolean rest) {
        if (rest != d.blocked) {
            d.blocked = rest;
            int read = d.fromKey.interestOps();
            int write = d.toKey.interestOps();
            d.fromKey.interestOps(rest ? read & ~SelectionKey.OP_READ : read | SelectionKey.OP_READ);
            d.toKey.interestOps(rest ? write | SelectionKey.OP_WRITE : write & ~SelectionKey.OP_WRITE);
        }
    }

    /** Returns the index after the empty line that ends the head starting at {@code from}, or -1. */
    private static int headEnd(byte[] in, int from, int to) {
        for (int i = from + 3; i < to; i++) {
            if (in[i] == '\n' && in[i - 1] == '\r' && in[i - 2] == '\n' && in[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    /** Parses a request head, writes the upstream's, returns the body length. */
    private static long request(Direction d, int from, int end) throws IOException {
        byte[] in = d.in;
        int at = from;
        int sp = token(in, at, end, ' ');
        String method = new String(in, at, sp - at, StandardCharsets.ISO_8859_1);
        at = sp + 1;
        int target = at;
        while (at < end && in[at] > ' ' && in[at] < 0x7f) {
            at++;
        }
        if (at == target || in[at] != ' ') {
            throw new BadMessage("bad target");
        }
        String uri = new String(in, target, at - target, StandardCharsets.ISO_8859_1);
        at = version(in, at + 1);
        if (in[at] != '\r' || in[at + 1] != '\n') {
            throw new BadMessage("bad request line");
        }
        long length = fields(d, at + 2, end);
        int count = d.fieldCount;
        appendText(d, method);
        appendByte(d, ' ');
        appendText(d, uri);
        appendByte(d, ' ');
        append(d, VERSION);
        crlf(d);
        writeFields(d, count);
        append(d, FORWARDED_FOR);
        appendText(d, d.forwardedFor);
        crlf(d);
        crlf(d);
        d.methods[d.methodsTail++ & 63] = method;
        return length;
    }

    /** Parses a response head, writes the client's, returns the body length. */
    private static long response(Direction d, int from, int end) throws IOException {
        byte[] in = d.in;
        int at = version(in, from);
        if (in[at] != ' ' || !digit(in[at + 1]) || !digit(in[at + 2]) || !digit(in[at + 3]) || in[at + 4] != ' ') {
            throw new BadMessage("bad status line");
        }
        int code = (in[at + 1] - '0') * 100 + (in[at + 2] - '0') * 10 + in[at + 3] - '0';
        int reasonStart = at + 5;
        int lineEnd = reasonStart;
        while (in[lineEnd] != '\r') {
            lineEnd++;
        }
        String reason = new String(in, reasonStart, lineEnd - reasonStart, StandardCharsets.ISO_8859_1);
        long length = fields(d, lineEnd + 2, end);
        int count = d.fieldCount;
        append(d, VERSION);
        appendByte(d, ' ');
        appendByte(d, '0' + code / 100);
        appendByte(d, '0' + code / 10 % 10);
        appendByte(d, '0' + code % 10);
        appendByte(d, ' ');
        appendText(d, reason);
        crlf(d);
        writeFields(d, count);
        crlf(d);
        boolean interim = code < 200;
        String method = interim ? null : d.other.methods[d.other.methodsHead++ & 63];
        if (interim || code == 204 || code == 304 || "HEAD".equals(method)) {
            return 0;
        }
        if (length < 0) {
            throw new BadMessage("no Content-Length");
        }
        return length;
    }

    /** Checks {@code HTTP/1.1} or {@code HTTP/1.0} at {@code at}; returns the index after it. */
    private static int version(byte[] in, int at) throws BadMessage {
        for (int i = 0; i < 7; i++) {
            if (in[at + i] != VERSION[i]) {
                throw new BadMessage("bad version");
            }
        }
        byte minor = in[at + 7];
        if (minor != '1' && minor != '0') {
            throw new BadMessage("bad version");
        }
        return at + 8;
    }

    /** Reads the field lines into the direction's arrays; returns Content-Length, or -1 without one. */
    private static long fields(Direction d, int at, int end) throws IOException {
        byte[] in = d.in;
        int count = 0;
        long length = -1;
        while (!(in[at] == '\r' && in[at + 1] == '\n')) {
            int colon = token(in, at, end, ':');
            String name = new String(in, at, colon - at, StandardCharsets.ISO_8859_1);
            int v = colon + 1;
            while (in[v] == ' ' || in[v] == '\t') {
                v++;
            }
            int e = v;
            while (in[e] != '\r') {
                byte b = in[e];
                if (b < ' ' && b != '\t' || b == 0x7f) {
                    throw new BadMessage("control byte in a value");
                }
                e++;
            }
            if (in[e + 1] != '\n') {
                throw new BadMessage("bare CR");
            }
            int next = e + 2;
            while (e > v && (in[e - 1] == ' ' || in[e - 1] == '\t')) {
                e--;
            }
            String value = new String(in, v, e - v, StandardCharsets.ISO_8859_1);
            if (name.equalsIgnoreCase("Content-Length")) {
                if (length >= 0) {
                    throw new BadMessage("two Content-Length fields");
                }
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                throw new BadMessage("chunked is not in the floor");
            }
            if (count == MAX_FIELDS) {
                throw new BadMessage("too many fields");
            }
            d.names[count] = name;
            d.values[count] = value;
            count++;
            at = next;
        }
        d.fieldCount = count;
        return d.requests && length < 0 ? 0 : length;
    }

    /** Returns the index of {@code stop} after a non-empty token starting at {@code at}. */
    private static int token(byte[] in, int at, int end, char stop) throws BadMessage {
        int i = at;
        while (i < end && in[i] >= 0 && TOKEN[in[i]]) {
            i++;
        }
        if (i == at || i == end || in[i] != stop) {
            throw new BadMessage("bad token");
        }
        return i;
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** Writes the fields read, without the hop-by-hop ones. */
    private static void writeFields(Direction d, int count) {
        for (int i = 0; i < count; i++) {
            String name = d.names[i];
            if (hopByHop(name)) {
                continue;
            }
            appendText(d, name);
            appendByte(d, ':');
            appendByte(d, ' ');
            appendText(d, d.values[i]);
            crlf(d);
        }
    }

    private static boolean hopByHop(String name) {
        switch (name.length()) {
            case 2:
                return name.equalsIgnoreCase("TE");
            case 7:
                return name.equalsIgnoreCase("Upgrade") || name.equalsIgnoreCase("Trailer");
            case 10:
                return name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Keep-Alive");
            case 16:
                return name.equalsIgnoreCase("Proxy-Connection");
            default:
                return false;
        }
    }

    private static void appendText(Direction d, String text) {
        int size = text.length();
        if (d.chars.length < size) {
            d.chars = new char[size];
        }
        text.getChars(0, size, d.chars, 0);
        char[] chars = d.chars;
        byte[] out = d.out;
        int at = d.outLength;
        for (int i = 0; i < size; i++) {
            char c = chars[i];
            out[at + i] = c >= 0x20 && c < 0x7f || c == '\t' || c >= 0x80 && c <= 0xff ? (byte) c : (byte) ' ';
        }
        d.outLength = at + size;
    }

    private static void append(Direction d, byte[] raw) {
        System.arraycopy(raw, 0, d.out, d.outLength, raw.length);
        d.outLength += raw.length;
    }

    private static void appendByte(Direction d, int b) {
        d.out[d.outLength++] = (byte) b;
    }

    private static void crlf(Direction d) {
        d.out[d.outLength++] = '\r';
        d.out[d.outLength++] = '\n';
    }

    private static void close(Direction[] pair) {
        try {
            pair[0].from.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            pair[0].to.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
