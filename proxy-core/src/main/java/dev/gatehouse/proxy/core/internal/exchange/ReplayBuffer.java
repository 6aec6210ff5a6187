package dev.gatehouse.proxy.core.internal.exchange;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.hc.core5.http.nio.DataStreamChannel;

/**
 * The first bytes of a request body, kept from its first byte so a retry can send them again. Each
 * attempt reads it from its own offset. The exchange stops keeping the body (and drops this buffer) before
 * an attempt would send more than the retry policy's limit, so it holds at most the limit plus what flow
 * control lets in (HttpCore's input window). Not thread-safe: the exchange's lock guards it.
 */
final class ReplayBuffer {

    private static final int INITIAL = 8 * 1024;

    private final int ceiling;
    private ByteBuffer buffer;   // [0, position) is the body so far
    private ByteBuffer view;     // a duplicate to write from, remade when the buffer grows

    /** Creates a buffer for a body kept up to {@code limit} bytes. */
    ReplayBuffer(int limit) {
        this.ceiling = limit + BodyPipe.LIMIT;
    }

    /** Returns the bytes kept, from the body's first. */
    int size() {
        return buffer == null ? 0 : buffer.position();
    }

    /** Appends all of {@code src}. */
    void append(ByteBuffer src) throws IOException {
        ByteBuffer grown = BodyPipe.append(buffer, src, ceiling, INITIAL);
        if (grown != buffer) {
            buffer = grown;
            view = null;
        }
    }

    /** Writes bytes {@code from} (inclusive) to {@code to} (exclusive) as far as {@code channel} takes them. */
    int writeTo(DataStreamChannel channel, long from, long to) throws IOException {
        if (from >= to) {
            return 0;
        }
        if (view == null) {
            view = buffer.duplicate();
        }
        view.limit((int) to).position((int) from);
        return channel.write(view);
    }

    /** Moves bytes from {@code from} to the end into {@code pipe}, for the attempt that goes on without a replay. */
    void moveTail(long from, BodyPipe pipe) throws IOException {
        if (from < size()) {
            ByteBuffer tail = buffer.duplicate();
            tail.limit(size()).position((int) from);
            pipe.put(tail);
        }
    }
}
