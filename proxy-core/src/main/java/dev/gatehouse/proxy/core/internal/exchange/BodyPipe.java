package dev.gatehouse.proxy.core.internal.exchange;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.hc.core5.http.nio.DataStreamChannel;

/**
 * The bytes of one body direction that arrived but could not be written on yet. Flow control keeps it
 * small (HttpCore's input window plus one read buffer); it is only allocated when a write falls short,
 * and it refuses to grow past {@link #LIMIT}, which would mean flow control is broken. Not thread-safe:
 * the exchange's lock guards it.
 */
final class BodyPipe {

    /** Far above what flow control lets in (64 KiB window + 8 KiB read buffer); a guard, not a budget. */
    static final int LIMIT = 1 << 20;
    private static final int INITIAL = 16 * 1024;

    private ByteBuffer buffer;   // write mode

    int size() {
        return buffer == null ? 0 : buffer.position();
    }

    boolean isEmpty() {
        return buffer == null || buffer.position() == 0;
    }

    /** Appends all of {@code src}. */
    void put(ByteBuffer src) throws IOException {
        buffer = append(buffer, src, LIMIT, INITIAL);
    }

    /**
     * Appends all of {@code src} to {@code buffer} (in write mode; null for none yet) and returns the buffer
     * that holds the result: the same one, or a larger copy.
     *
     * @throws IOException if the result would be larger than {@code limit}: flow control was not respected
     */
    static ByteBuffer append(ByteBuffer buffer, ByteBuffer src, int limit, int initial) throws IOException {
        int needed = (buffer == null ? 0 : buffer.position()) + src.remaining();
        if (needed > limit) {
            throw new IOException("body buffer would exceed " + limit + " bytes: flow control was not respected");
        }
        ByteBuffer target = buffer;
        if (target == null) {
            target = ByteBuffer.allocate(Math.max(initial, src.remaining()));
        } else if (target.remaining() < src.remaining()) {
            target = ByteBuffer.allocate(Math.max(needed, buffer.capacity() * 2));
            buffer.flip();
            target.put(buffer);
        }
        target.put(src);
        return target;
    }

    /** Writes as much as {@code channel} takes; returns the number of bytes written. */
    int writeTo(DataStreamChannel channel) throws IOException {
        if (isEmpty()) {
            return 0;
        }
        buffer.flip();
        int written;
        try {
            written = channel.write(buffer);
        } finally {
            buffer.compact();
        }
        return written;
    }

    /** Appends what is buffered to {@code replay} and frees the memory. */
    void moveTo(ReplayBuffer replay) throws IOException {
        if (!isEmpty()) {
            buffer.flip();
            replay.append(buffer);
        }
        buffer = null;
    }

    /** Drops what is buffered and frees the memory. */
    void clear() {
        buffer = null;
    }
}
