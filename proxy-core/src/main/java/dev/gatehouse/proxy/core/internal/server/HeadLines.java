package dev.gatehouse.proxy.core.internal.server;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import org.apache.hc.core5.http.impl.nio.ExpandableBuffer;
import org.apache.hc.core5.http.nio.SessionInputBuffer;
import org.apache.hc.core5.util.CharArrayBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the head parsers their lines as bytes, read in place from the connection's input buffer. HttpCore's
 * {@code readLine} copies each line's bytes into a character buffer one at a time, and a parser then made its
 * strings from those characters; both parsers together were about 14 % of the I/O thread's user time on small
 * requests, a third of it in {@code readLine}. Here a line is the bytes between the buffer's position and the
 * next LF (a CR before the LF dropped, as HttpCore drops it), and reading it moves the position past the LF,
 * as {@code readLine} does; the strings are made from the bytes in one copy each.
 *
 * <p>HttpCore's session input buffer is an {@link ExpandableBuffer} whose byte buffer and read mode are
 * protected; they are reached by reflection once, at class load. Should an HttpCore upgrade move them (a unit
 * test fails then), lines come through {@code readLine} and are copied to bytes, as before but for the copy.
 * A line is valid until the next call, and only while the parser has not returned to HttpCore.
 */
final class HeadLines {

    private static final Logger logger = LoggerFactory.getLogger(HeadLines.class);
    private static final MethodHandle SET_OUTPUT_MODE;
    private static final MethodHandle BUFFER;

    static {
        MethodHandle outputMode = null;
        MethodHandle buffer = null;
        try {
            Method mode = ExpandableBuffer.class.getDeclaredMethod("setOutputMode");
            Method bytes = ExpandableBuffer.class.getDeclaredMethod("buffer");
            mode.setAccessible(true);
            bytes.setAccessible(true);
            outputMode = MethodHandles.lookup().unreflect(mode);
            buffer = MethodHandles.lookup().unreflect(bytes);
        } catch (ReflectiveOperationException | RuntimeException e) {
            logger.debug("HttpCore's input buffer is not readable in place; head lines are copied", e);
            outputMode = null;
            buffer = null;
        }
        SET_OUTPUT_MODE = outputMode;
        BUFFER = buffer;
    }

    /** The bytes of the line last read, {@code bytes[start, end)}, without its line end. */
    byte[] bytes;
    int start;
    int end;

    /** For lines through {@code readLine} only; made on first use, so the in-place path allocates nothing. */
    private CharArrayBuffer chars;
    private byte[] copy;

    /** Returns true when lines are read in place, false when they come through HttpCore's {@code readLine}. */
    static boolean inPlace() {
        return SET_OUTPUT_MODE != null;
    }

    /**
     * Reads the next complete line from {@code in} into {@link #bytes}, {@link #start} and {@link #end}.
     *
     * @return false when no complete line has arrived yet; nothing is consumed then
     */
    boolean next(SessionInputBuffer in) throws IOException {
        ByteBuffer buffer = readable(in);
        if (buffer == null) {
            return nextThroughHttpCore(in);
        }
        byte[] array = buffer.array();
        int base = buffer.arrayOffset();
        int from = base + buffer.position();
        int lineFeed = HeadText.indexOf(array, '\n', from, base + buffer.limit());
        if (lineFeed < 0) {
            return false;
        }
        bytes = array;
        start = from;
        end = lineFeed > from && array[lineFeed - 1] == '\r' ? lineFeed - 1 : lineFeed;
        buffer.position(lineFeed + 1 - base);
        return true;
    }

    /** Returns the buffer's bytes with the unread ones between position and limit, or null if out of reach. */
    private static ByteBuffer readable(SessionInputBuffer in) {
        if (SET_OUTPUT_MODE == null || !(in instanceof ExpandableBuffer)) {
            return null;
        }
        try {
            ExpandableBuffer expandable = (ExpandableBuffer) in;
            SET_OUTPUT_MODE.invokeExact(expandable);
            ByteBuffer buffer = (ByteBuffer) BUFFER.invokeExact(expandable);
            return buffer.hasArray() ? buffer : null;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean nextThroughHttpCore(SessionInputBuffer in) throws IOException {
        if (chars == null) {
            chars = new CharArrayBuffer(128);
            copy = new byte[128];
        }
        chars.clear();
        if (!in.readLine(chars, false)) {
            return false;
        }
        int length = chars.length();
        if (copy.length < length) {
            copy = new byte[Math.max(length, copy.length * 2)];
        }
        char[] text = chars.array();
        for (int i = 0; i < length; i++) {
            copy[i] = (byte) text[i];       // without a decoder HttpCore gives each byte as one character
        }
        bytes = copy;
        start = 0;
        end = length;
        return true;
    }
}
