package dev.gatehouse.proxy;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The content that follows a message head.
 *
 * <p>A body is either <em>buffered</em>: a few bytes held in memory, made with {@link #of(byte[])} or
 * {@link #of(String)}, typically for a response a filter answers on its own; or <em>streamed</em>: bytes
 * that flow through the proxy with back-pressure and are never held whole, such as the body of an
 * upstream response. A filter sees a streamed body only as this handle: it can keep it (the default),
 * or replace it with a buffered one.
 *
 * <p>Instances are immutable and thread-safe. Create them with the factories; the proxy creates the
 * streamed ones.
 */
public interface Body {

    /** Returns the length in bytes, or -1 when it is not known before the end of the stream. */
    long length();

    /** Returns true when the whole content is held in memory and {@link #content()} can return it. */
    default boolean isBuffered() {
        return false;
    }

    /**
     * Returns a read-only view of the content.
     *
     * @throws IllegalStateException if the body is streamed
     */
    default ByteBuffer content() {
        throw new IllegalStateException("the body is streamed; its content is not held in memory");
    }

    /** Returns the empty buffered body. */
    static Body empty() {
        return BufferedBody.EMPTY;
    }

    /** Returns a buffered body holding a copy of {@code bytes}. */
    static Body of(byte[] bytes) {
        requireNonNull(bytes, "bytes");
        return bytes.length == 0 ? BufferedBody.EMPTY : new BufferedBody(bytes.clone());
    }

    /** Returns a buffered body holding {@code text} encoded as UTF-8. */
    static Body of(String text) {
        requireNonNull(text, "text");
        return text.isEmpty() ? BufferedBody.EMPTY : new BufferedBody(text.getBytes(StandardCharsets.UTF_8));
    }
}
