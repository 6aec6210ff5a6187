package dev.gatehouse.proxy.core.internal.server;

import static dev.gatehouse.proxy.core.internal.server.HeadText.isBlank;
import static dev.gatehouse.proxy.core.internal.server.HeadText.isDigit;
import static dev.gatehouse.proxy.core.internal.server.HeadText.trimmed;

import dev.gatehouse.proxy.core.internal.headers.HeadResponse;
import java.io.IOException;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.nio.NHttpMessageParser;
import org.apache.hc.core5.http.nio.SessionInputBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an upstream's response head into headers whose names and values are plain strings, in place of
 * HttpCore's parser, which keeps a fresh buffer per line and makes a new string each time a value is read
 * (the proxy reads most of them more than once). It is as lenient as HttpCore's where RFC 9112 lets a
 * recipient be: a few empty lines before the status line, white space before a header's colon (removed
 * before forwarding), obs-fold (replaced by one space), a missing reason phrase. It refuses, and the proxy
 * answers 502: a status line that is not {@code HTTP/1.d SP 3DIGIT [SP reason]}, a header line without a
 * name that is a token, a head over {@value #MAX_HEAD_BYTES} bytes or {@value #MAX_HEADERS} fields. One
 * instance per upstream connection, used by its I/O thread only.
 */
final class UpstreamResponseParser implements NHttpMessageParser<HttpResponse> {

    private static final Logger logger = LoggerFactory.getLogger(UpstreamResponseParser.class);
    static final int MAX_HEAD_BYTES = 64 * 1024;
    static final int MAX_HEADERS = 256;
    private static final int MAX_EMPTY_LINES = 8;

    private final HeadLines line = new HeadLines();
    private HeadResponse response;
    private String pendingName;
    private String pendingValue;
    private int emptyLines;
    private int headBytes;
    private int headers;

    @Override
    public void reset() {
        response = null;
        pendingName = null;
        pendingValue = null;
        emptyLines = 0;
        headBytes = 0;
        headers = 0;
    }

    @Override
    public HttpResponse parse(SessionInputBuffer buffer, boolean endOfStream) throws IOException, HttpException {
        for (;;) {
            if (!line.next(buffer)) {
                if (headBytes + buffer.length() > MAX_HEAD_BYTES) {
                    throw bad("a response head over " + MAX_HEAD_BYTES + " bytes");
                }
                // A head cut short by the upstream's close is no response: the connection's end fails the exchange.
                return null;
            }
            byte[] text = line.bytes;
            int from = line.start;
            int to = line.end;
            headBytes += to - from + 2;
            if (headBytes > MAX_HEAD_BYTES) {
                throw bad("a response head over " + MAX_HEAD_BYTES + " bytes");
            }
            if (response == null) {
                if (to == from) {
                    if (++emptyLines > MAX_EMPTY_LINES) {
                        throw bad("more than " + MAX_EMPTY_LINES + " empty lines before the status line");
                    }
                    continue;
                }
                response = statusLine(text, from, to);
                continue;
            }
            if (to == from) {
                flushPending();
                return response;
            }
            byte first = text[from];
            if (first == ' ' || first == '\t') {
                if (pendingName == null) {
                    throw bad("white space before the first header field");
                }
                String more = trimmed(text, from, to);
                pendingValue = pendingValue.isEmpty() ? more : more.isEmpty() ? pendingValue : pendingValue + ' ' + more;
                continue;
            }
            flushPending();
            if (++headers > MAX_HEADERS) {
                throw bad("more than " + MAX_HEADERS + " header fields");
            }
            header(text, from, to);
        }
    }

    private void flushPending() {
        if (pendingName != null) {
            response.addField(pendingName, pendingValue);
            pendingName = null;
            pendingValue = null;
        }
    }

    private void header(byte[] text, int from, int to) throws HttpException {
        int colon = HeadText.indexOf(text, ':', from, to);
        if (colon <= from) {
            throw bad("a header line without a name and colon");
        }
        int nameEnd = colon;
        while (nameEnd > from && isBlank(text[nameEnd - 1])) {
            nameEnd--;
        }
        if (nameEnd == from) {
            throw bad("a header line without a name");
        }
        if (!HeadText.isToken(text, from, nameEnd)) {
            throw bad("a header name that is not a token");
        }
        pendingName = HeadText.fieldName(text, from, nameEnd);
        pendingValue = trimmed(text, colon + 1, to);
    }

    private static HeadResponse statusLine(byte[] text, int from, int to) throws HttpException {
        int length = to - from;
        if (length < 12 || text[from] != 'H' || text[from + 1] != 'T' || text[from + 2] != 'T'
                || text[from + 3] != 'P' || text[from + 4] != '/' || text[from + 5] != '1' || text[from + 6] != '.'
                || !isDigit(text[from + 7]) || text[from + 8] != ' ') {
            throw bad("a status line that does not start with HTTP/1.d and a space");
        }
        int code = 0;
        for (int i = from + 9; i < from + 12; i++) {
            byte c = text[i];
            if (!isDigit(c)) {
                throw bad("a status code that is not three digits");
            }
            code = code * 10 + (c - '0');
        }
        if (code < 100) {
            throw bad("a status code below 100");
        }
        if (length > 12 && !isBlank(text[from + 12])) {
            throw bad("a status code that is not three digits");
        }
        String reason = length > 13 ? trimmed(text, from + 13, to) : null;
        HeadResponse head = new HeadResponse(code, reason);
        head.setVersion(text[from + 7] == '0' ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1);
        return head;
    }

    private static ProtocolException bad(String reason) {
        logger.debug("Refused an upstream response head: {}", reason);
        return new ProtocolException("Malformed upstream response: " + reason);
    }
}
