import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * Not a proxy: a floor for the benchmark. One thread, one selector, and each client connection relayed byte
 * for byte to an upstream connection of its own, without looking at HTTP at all. What it costs per request
 * under wrk's load is what the JDK's NIO and the kernel cost a JVM proxy before any HTTP work; see the site's
 * Performance page. Run it pinned like the proxies: {@code taskset -c 0 java bench/floor/RawRelay.java PORT
 * ORIGIN_PORT}. Loopback only; stop it by its PID.
 */
public final class RawRelay {

    /** One direction of a relayed connection pair. */
    private static final class Direction {
        final SocketChannel from;
        final SocketChannel to;
        final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        SelectionKey fromKey;
        SelectionKey toKey;
        boolean blocked;

        Direction(SocketChannel from, SocketChannel to) {
            this.from = from;
            this.to = to;
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
                        // The socket this key belongs to drained: finish what its inbound direction holds.
                        Direction pending = pair[0].to == key.channel() ? pair[0] : pair[1];
                        flush(pending);
                    }
                    if (key.isValid() && key.isReadable()) {
                        Direction inbound = pair[0].from == key.channel() ? pair[0] : pair[1];
                        if (inbound.from.read(inbound.buffer) < 0) {
                            close(pair);
                            continue;
                        }
                        flush(inbound);
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
        Direction[] pair = {new Direction(client, upstream), new Direction(upstream, client)};
        SelectionKey clientKey = client.register(selector, SelectionKey.OP_READ, pair);
        SelectionKey upstreamKey = upstream.register(selector, SelectionKey.OP_READ, pair);
        pair[0].fromKey = clientKey;
        pair[0].toKey = upstreamKey;
        pair[1].fromKey = upstreamKey;
        pair[1].toKey = clientKey;
    }

    /** Writes what the direction holds; stops reading its source until the destination takes the rest. */
    private static void flush(Direction direction) throws IOException {
        direction.buffer.flip();
        direction.to.write(direction.buffer);
        boolean rest = direction.buffer.hasRemaining();
        direction.buffer.compact();
        if (rest != direction.blocked) {
            direction.blocked = rest;
            int read = direction.fromKey.interestOps();
            int write = direction.toKey.interestOps();
            direction.fromKey.interestOps(rest ? read & ~SelectionKey.OP_READ : read | SelectionKey.OP_READ);
            direction.toKey.interestOps(rest ? write | SelectionKey.OP_WRITE : write & ~SelectionKey.OP_WRITE);
        }
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
