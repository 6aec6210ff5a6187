package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.core.internal.headers.HeaderRules;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.MalformedChunkCodingException;
import org.apache.hc.core5.http.impl.BasicHttpTransportMetrics;
import org.apache.hc.core5.http.impl.nio.AbstractContentDecoder;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.nio.SessionInputBuffer;
import org.apache.hc.core5.util.CharArrayBuffer;

/**
 * Decodes a chunked request body exactly, in place of HttpCore's decoder, which accepts sizes such as
 * {@code +5} and {@code " 5"} and silently skips a size line of {@code -1}. A chunk size is 1 to 15 hex
 * digits, optionally followed by extensions (whitespace only before a {@code ;}, no control bytes, the whole
 * line at most 4 KiB); each chunk's data ends with CRLF (or LF); trailers are checked like header fields,
 * count against the same limits, and those that must not be trailers (framing, routing, authentication and
 * hop-by-hop fields) are dropped. Anything else throws {@link MalformedChunkCodingException}: the exchange
 * then answers 400 if it can and the connection is closed, so nothing after the bad chunk is read. The
 * proxy writes its own chunk framing upstream.
 */
final class StrictChunkDecoder extends AbstractContentDecoder {

    private static final int MAX_SIZE_LINE = 4096;
    /** Fields a sender must not put in trailers (RFC 9110 6.5.1), or that would steer the proxy or upstream. */
    private static final Set<String> NOT_TRAILERS = Set.of("content-length", "transfer-encoding", "host",
            "authorization", "proxy-authorization", "cookie", "set-cookie", "content-type", "content-encoding",
            "content-range", "trailer", "te", "connection", "keep-alive", "upgrade", "expect", "max-forwards",
            "proxy-connection", "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "via",
            "cache-control", "range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since");

    private enum State { SIZE, DATA, DATA_END, TRAILERS, DONE }

    private final ClientLimits limits;
    private final CharArrayBuffer line = new CharArrayBuffer(32);
    private final List<Header> trailers = new ArrayList<>(0);
    private State state = State.SIZE;
    private long remaining;
    private int trailerBytes;
    private int trailerCount;

    StrictChunkDecoder(ReadableByteChannel channel, SessionInputBuffer buffer, BasicHttpTransportMetrics metrics,
                       ClientLimits limits) {
        super(channel, buffer, metrics);
        this.limits = limits;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (state == State.DONE) {
            return -1;
        }
        int total = 0;
        while (state != State.DONE) {
            if (state == State.DATA) {
                if (!buffer().hasData() && fill() <= 0) {
                    return total;
                }
                int read = buffer().read(dst, (int) Math.min(remaining, Integer.MAX_VALUE));
                remaining -= read;
                total += read;
                if (remaining == 0) {
                    state = State.DATA_END;
                } else if (!dst.hasRemaining() || read == 0) {
                    return total;
                }
                continue;
            }
            line.clear();
            if (!buffer().readLine(line, false)) {
                int budget = state == State.TRAILERS ? limits.maxHeaderBytes() - trailerBytes : MAX_SIZE_LINE;
                if (buffer().length() > budget) {
                    throw new MalformedChunkCodingException("a chunk-size or trailer line that is too long");
                }
                if (fill() <= 0) {
                    return total;
                }
                continue;
            }
            switch (state) {
                case DATA_END:
                    if (!line.isEmpty()) {
                        throw new MalformedChunkCodingException("chunk data not followed by CRLF");
                    }
                    state = State.SIZE;
                    break;
                case SIZE:
                    remaining = chunkSize(line);
                    state = remaining == 0 ? State.TRAILERS : State.DATA;
                    break;
                default:
                    if (line.isEmpty()) {
                        state = State.DONE;
                        setCompleted();
                    } else {
                        trailer(line);
                    }
                    break;
            }
        }
        return total;
    }

    /** Reads more from the socket; -1 at the end of the stream, which mid-body is the client's failure. */
    private int fill() throws IOException {
        int read = fillBufferFromChannel();
        if (read < 0) {
            throw new ConnectionClosedException("the client closed its connection in the middle of a chunked body");
        }
        return read;
    }

    /** Parses {@code 1*15HEXDIG [ BWS ";" extensions ]}. */
    static long chunkSize(CharArrayBuffer text) throws MalformedChunkCodingException {
        if (text.length() > MAX_SIZE_LINE) {
            throw new MalformedChunkCodingException("a chunk-size line that is too long");
        }
        int digits = 0;
        long size = 0;
        while (digits < text.length() && Character.digit(text.charAt(digits), 16) >= 0 && isHexAscii(text.charAt(digits))) {
            size = size * 16 + Character.digit(text.charAt(digits), 16);
            digits++;
        }
        if (digits == 0 || digits > 15) {
            throw new MalformedChunkCodingException("a chunk size that is not 1 to 15 hex digits");
        }
        int i = digits;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        if (i < text.length() && text.charAt(i) != ';' || i == text.length() && i > digits) {
            throw new MalformedChunkCodingException("a chunk size followed by something else than extensions");
        }
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw new MalformedChunkCodingException("a control byte in a chunk extension");
            }
        }
        return size;
    }

    private static boolean isHexAscii(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    private void trailer(CharArrayBuffer text) throws MalformedChunkCodingException {
        trailerBytes += text.length() + 2;
        if (trailerBytes > limits.maxHeaderBytes() || ++trailerCount > limits.maxHeaders()) {
            throw new MalformedChunkCodingException("trailers over the header limits");
        }
        char first = text.charAt(0);
        int colon = text.indexOf(':');
        if (first == ' ' || first == '\t' || colon <= 0) {
            throw new MalformedChunkCodingException("a malformed trailer line");
        }
        for (int i = 0; i < colon; i++) {
            if (!HeaderRules.isTokenChar(text.charAt(i))) {
                throw new MalformedChunkCodingException("a trailer name that is not a token");
            }
        }
        String name = text.substring(0, colon);
        String value = text.substringTrimmed(colon + 1, text.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw new MalformedChunkCodingException("a control byte in a trailer value");
            }
        }
        if (!NOT_TRAILERS.contains(name.toLowerCase(Locale.ROOT))) {
            trailers.add(new BasicHeader(name, value));
        }
    }

    @Override
    public List<? extends Header> getTrailers() {
        return trailers.isEmpty() ? null : new ArrayList<>(trailers);
    }

    @Override
    public String toString() {
        return "[strictly chunk-coded; " + state + "]";
    }
}
