package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.core.internal.headers.HeadMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.impl.EnglishReasonPhraseCatalog;
import org.apache.hc.core5.http.nio.NHttpMessageWriter;
import org.apache.hc.core5.http.nio.SessionOutputBuffer;

/**
 * Writes a request or response head in one pass, straight to bytes, in place of HttpCore's writer, which
 * formats each header into a character buffer one character at a time and then encodes it again; it was a
 * fifth of the proxy's CPU time on small responses. Always {@code HTTP/1.1}, as HttpCore writes. A byte that
 * would end or corrupt a line (a control byte other than a tab, or anything beyond ISO-8859-1) is written as
 * a space, so nothing reaching here can split a header (HttpCore's own writer lets NUL through). A field its
 * head marks checked ({@link HeadMessage#isChecked}: it came from a {@code Headers} list, which admits only
 * token names and values of ISO-8859-1 characters without control characters but tab) is copied out of its
 * strings in one step each, since nothing in it needs replacing. One instance per connection, on its I/O
 * thread; public for the {@code jmh} module's benchmark.
 */
public final class HeadWriter<T extends HttpMessage> implements NHttpMessageWriter<T> {

    private static final byte[] VERSION = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};

    private byte[] bytes = new byte[1024];
    /** A view of {@link #bytes}, kept so that writing a head wraps nothing anew. */
    private ByteBuffer view = ByteBuffer.wrap(bytes);
    private char[] chars = new char[256];
    private int length;

    @Override
    public void reset() {
        length = 0;
    }

    @Override
    public void write(T message, SessionOutputBuffer buffer) throws IOException {
        length = 0;
        if (message instanceof HttpResponse) {
            HttpResponse response = (HttpResponse) message;
            int code = response.getCode();
            String reason = response.getReasonPhrase();
            if (reason == null) {
                reason = EnglishReasonPhraseCatalog.INSTANCE.getReason(code, Locale.ENGLISH);
            }
            append(VERSION);
            appendByte(' ');
            appendByte('0' + code / 100 % 10);
            appendByte('0' + code / 10 % 10);
            appendByte('0' + code % 10);
            appendByte(' ');
            if (reason != null) {
                append(reason);
            }
        } else {
            HttpRequest request = (HttpRequest) message;
            append(request.getMethod());
            appendByte(' ');
            append(request.getRequestUri());
            appendByte(' ');
            append(VERSION);
        }
        crlf();
        HeadMessage fields = HeadMessage.fieldsOf(message);
        for (int i = 0, n = fields.fieldCount(); i < n; i++) {
            boolean checked = fields.isChecked(i);
            String name = fields.fieldName(i);
            if (checked) {
                appendVerbatim(name);
            } else {
                append(name);
            }
            appendByte(':');
            appendByte(' ');
            String value = fields.fieldValue(i);
            if (checked) {
                appendVerbatim(value);
            } else if (value != null) {
                append(value);
            }
            crlf();
        }
        crlf();
        view.clear().limit(length);
        buffer.write(view);              // copied out in full: the view is free again on return
    }

    private void append(String text) {
        int size = text.length();
        ensure(size);
        if (chars.length < size) {
            chars = new char[Math.max(size, chars.length * 2)];
        }
        // One bulk copy out of the string, then a loop over a plain array: with a charAt per character (a
        // bounds and an encoding check each) this method was 6 % of the I/O thread's user time on small
        // responses.
        char[] in = chars;
        text.getChars(0, size, in, 0);
        byte[] out = bytes;
        int at = length;
        for (int i = 0; i < size; i++) {
            char c = in[i];
            // Printable ASCII passes as is; anything else is judged one character at a time.
            out[at + i] = c >= 0x20 && c < 0x7f ? (byte) c : safe(c);
        }
        length = at + size;
    }

    /**
     * Appends the low byte of each character, unchecked, in one copy for a string of ISO-8859-1 characters:
     * only for a field its head marks checked, whose characters were checked on the way in.
     */
    @SuppressWarnings("deprecation")
    private void appendVerbatim(String text) {
        int size = text.length();
        ensure(size);
        text.getBytes(0, size, bytes, length);
        length += size;
    }

    /** Keeps tab and ISO-8859-1 beyond ASCII; a control byte or a wider character becomes a space. */
    private static byte safe(char c) {
        return c >= 0x80 && c <= 0xff || c == '\t' ? (byte) c : (byte) ' ';
    }

    private void append(byte[] raw) {
        ensure(raw.length);
        System.arraycopy(raw, 0, bytes, length, raw.length);
        length += raw.length;
    }

    private void appendByte(int b) {
        ensure(1);
        bytes[length++] = (byte) b;
    }

    private void crlf() {
        ensure(2);
        bytes[length++] = '\r';
        bytes[length++] = '\n';
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            view = ByteBuffer.wrap(bytes);
        }
    }
}
