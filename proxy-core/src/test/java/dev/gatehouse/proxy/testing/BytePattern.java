package dev.gatehouse.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A deterministic byte sequence that does not repeat in any short period, so a body that was truncated,
 * duplicated or reordered anywhere is caught by comparing it with the pattern, without holding it in memory.
 */
public final class BytePattern {

    private BytePattern() {
    }

    /** Returns the byte at {@code position}. */
    public static byte at(long position) {
        long x = position * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        x ^= x >>> 29;
        x *= 0xBF58476D1CE4E5B9L;
        return (byte) (x >>> 56);
    }

    /** Fills {@code buffer[0..length)} with the bytes from {@code position}. */
    public static void fill(byte[] buffer, int length, long position) {
        for (int i = 0; i < length; i++) {
            buffer[i] = at(position + i);
        }
    }

    /** Writes {@code length} bytes of the pattern. */
    public static void write(OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long position = 0;
        while (position < length) {
            int chunk = (int) Math.min(buffer.length, length - position);
            fill(buffer, chunk, position);
            out.write(buffer, 0, chunk);
            position += chunk;
        }
    }

    /** Returns an input stream of {@code length} bytes of the pattern. */
    public static InputStream stream(long length) {
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                return position < length ? at(position++) & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (position >= length) {
                    return -1;
                }
                int n = (int) Math.min(len, length - position);
                for (int i = 0; i < n; i++) {
                    b[off + i] = at(position + i);
                }
                position += n;
                return n;
            }
        };
    }

    /**
     * Reads {@code in} to its end and returns the number of bytes, failing at the first byte that differs
     * from the pattern.
     *
     * @throws AssertionError naming the offset of the first difference
     */
    public static long verify(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long position = 0;
        int read;
        while ((read = in.read(buffer)) >= 0) {
            for (int i = 0; i < read; i++) {
                if (buffer[i] != at(position + i)) {
                    throw new AssertionError("body differs from the pattern at byte " + (position + i));
                }
            }
            position += read;
        }
        return position;
    }

    /** Returns a sink that checks every byte written to it against the pattern, counting from 0. */
    public static Verifier verifier() {
        return new Verifier();
    }

    /** Checks bytes against the pattern as they are written. */
    public static final class Verifier extends OutputStream {
        private long position;

        @Override
        public void write(int b) {
            if ((byte) b != at(position)) {
                throw new AssertionError("body differs from the pattern at byte " + position);
            }
            position++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = 0; i < len; i++) {
                if (b[off + i] != at(position + i)) {
                    throw new AssertionError("body differs from the pattern at byte " + (position + i));
                }
            }
            position += len;
        }

        /** Returns how many bytes were checked. */
        public long count() {
            return position;
        }
    }

    /** Writes {@code length} pattern bytes as a chunked body, chunks of at most 32 KiB, then the last chunk. */
    public static void writeChunked(OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[32 * 1024];
        long position = 0;
        while (position < length) {
            int chunk = (int) Math.min(buffer.length, length - position);
            fill(buffer, chunk, position);
            out.write((Integer.toHexString(chunk) + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(buffer, 0, chunk);
            out.write(new byte[] {'\r', '\n'});
            position += chunk;
        }
        out.write("0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.flush();
    }
}
