package dev.gatehouse.proxy;

import java.nio.ByteBuffer;

/** A body held in memory. Immutable: the array is a private copy and only read-only views leave. */
final class BufferedBody implements Body {

    static final BufferedBody EMPTY = new BufferedBody(new byte[0]);

    private final byte[] bytes;

    BufferedBody(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public long length() {
        return bytes.length;
    }

    @Override
    public boolean isBuffered() {
        return true;
    }

    @Override
    public ByteBuffer content() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    @Override
    public String toString() {
        return "Body[" + bytes.length + " bytes]";
    }
}
