package dev.gatehouse.proxy.core.internal.server;

import static dev.gatehouse.proxy.core.internal.server.HeadText.allDigits;
import static dev.gatehouse.proxy.core.internal.server.HeadText.isDigit;
import static dev.gatehouse.proxy.core.internal.server.HeadText.trimmed;

import dev.gatehouse.proxy.core.internal.headers.FieldFacts;
import dev.gatehouse.proxy.core.internal.headers.HeadRequest;
import dev.gatehouse.proxy.core.internal.headers.HeaderRules;
import java.io.IOException;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.NotImplementedException;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.RequestHeaderFieldsTooLargeException;
import org.apache.hc.core5.http.UnsupportedHttpVersionException;
import org.apache.hc.core5.http.nio.NHttpMessageParser;
import org.apache.hc.core5.http.nio.SessionInputBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a client's request head byte-exactly, in place of HttpCore's lenient parser, so the proxy judges
 * every request once and what it forwards is what it judged. It refuses (400 unless said otherwise, and
 * HttpCore then answers with {@code Connection: close} and reads no further):
 * <ul>
 *   <li>a request line that is not {@code method SP target SP HTTP/d.d} with single spaces, a method that is
 *       not a token, a target with a space, control byte or non-ASCII byte; a version other than 1.0 and 1.1
 *       is 505;</li>
 *   <li>a header line that starts with whitespace (obs-fold, or a padded first name), a name that is not a
 *       token or is followed by anything but the colon, a value with NUL, CR or another control byte;</li>
 *   <li>framing that could be read two ways: more than one {@code Content-Length}, one that is not
 *       {@code 1*DIGIT}, more than one {@code Transfer-Encoding}, any coding but a lone {@code chunked} (a
 *       well-formed unknown coding is 501), both headers at once, or a coding on an HTTP/1.0 request;</li>
 *   <li>a request line, header block or header count over the {@link ClientLimits} (431), more than a few
 *       empty lines before the request line.</li>
 * </ul>
 * Bare LF line ends are accepted; the proxy writes CRLF upstream. One instance per connection, used by its
 * I/O thread only.
 */
final class StrictRequestParser implements NHttpMessageParser<HttpRequest> {

    private static final Logger logger = LoggerFactory.getLogger(StrictRequestParser.class);
    private static final int MAX_EMPTY_LINES = 8;

    private final ClientLimits limits;
    private final DownstreamConnection connection;
    private final HeadLines line = new HeadLines();
    private HeadRequest request;
    private int emptyLines;
    private int headerBytes;
    private int headers;

    StrictRequestParser(ClientLimits limits, DownstreamConnection connection) {
        this.limits = limits;
        this.connection = connection;
    }

    @Override
    public void reset() {
        request = null;
        emptyLines = 0;
        headerBytes = 0;
        headers = 0;
    }

    @Override
    public HttpRequest parse(SessionInputBuffer buffer, boolean endOfStream) throws IOException, HttpException {
        for (;;) {
            if (endOfStream) {
                return null;                     // a head cut short by the client's close is no request
            }
            if (!line.next(buffer)) {
                int pending = buffer.length();
                if (pending > 0) {
                    connection.headStarted();
                }
                if (request == null ? pending > limits.maxRequestLine() : headerBytes + pending > limits.maxHeaderBytes()) {
                    throw tooLarge(request == null ? "request line longer than " + limits.maxRequestLine() + " bytes"
                            : "header fields longer than " + limits.maxHeaderBytes() + " bytes");
                }
                return null;
            }
            connection.headStarted();
            int length = line.end - line.start;
            if (request == null) {
                if (length == 0) {
                    if (++emptyLines > MAX_EMPTY_LINES) {
                        throw bad("more than " + MAX_EMPTY_LINES + " empty lines before the request line");
                    }
                    continue;
                }
                if (length > limits.maxRequestLine()) {
                    throw tooLarge("request line longer than " + limits.maxRequestLine() + " bytes");
                }
                request = requestLine(line.bytes, line.start, line.end);
                headerBytes = length + 2;
                continue;
            }
            if (length == 0) {
                HttpRequest complete = framed(request);
                connection.headEnded();
                return complete;
            }
            headerBytes += length + 2;
            if (headerBytes > limits.maxHeaderBytes()) {
                throw tooLarge("header fields longer than " + limits.maxHeaderBytes() + " bytes");
            }
            if (++headers > limits.maxHeaders()) {
                throw tooLarge("more than " + limits.maxHeaders() + " header fields");
            }
            header(line.bytes, line.start, line.end);
        }
    }

    /** Reads the request line {@code text[from, to)}: only the target becomes a new string, and an uncommon method. */
    private static HeadRequest requestLine(byte[] text, int from, int to) throws HttpException {
        int first = HeadText.indexOf(text, ' ', from, to);
        int second = first < 0 ? -1 : HeadText.indexOf(text, ' ', first + 1, to);
        if (first <= from || second < 0 || second == first + 1 || HeadText.indexOf(text, ' ', second + 1, to) >= 0) {
            throw bad("malformed request line");
        }
        String method = HeadText.method(text, from, first);
        if (!HeaderRules.isToken(method)) {
            throw bad("method is not a token");
        }
        for (int i = first + 1; i < second; i++) {
            int c = text[i] & 0xff;
            if (c <= 0x20 || c >= 0x7f) {
                throw bad("control, space or non-ASCII byte in the request target");
            }
        }
        String target = HeadText.text(text, first + 1, second);
        int v = second + 1;
        if (to - v != 8 || text[v] != 'H' || text[v + 1] != 'T' || text[v + 2] != 'T' || text[v + 3] != 'P'
                || text[v + 4] != '/' || !isDigit(text[v + 5]) || text[v + 6] != '.' || !isDigit(text[v + 7])) {
            throw bad("malformed protocol version");
        }
        int major = text[v + 5] - '0';
        int minor = text[v + 7] - '0';
        if (major != 1 || minor > 1) {
            logger.debug("Refused a request head with 505: version {}", HeadText.text(text, v, to));
            throw new UnsupportedHttpVersionException("505 HTTP Version Not Supported");
        }
        HeadRequest head = new HeadRequest(method, target);
        head.setVersion(minor == 0 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1);
        return head;
    }

    private void header(byte[] text, int from, int to) throws HttpException {
        byte first = text[from];
        if (first == ' ' || first == '\t') {
            throw bad("a header line starts with whitespace (obs-fold)");
        }
        int colon = HeadText.indexOf(text, ':', from, to);
        if (colon <= from) {
            throw bad("a header line without a name and colon");
        }
        if (!HeadText.isToken(text, from, colon)) {
            throw bad("a header name that is not a token");
        }
        for (int i = colon + 1; i < to; i++) {
            int c = text[i] & 0xff;
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw bad("a control byte in a header value");
            }
        }
        String name = HeadText.fieldName(text, from, colon);
        String value = trimmed(text, colon + 1, to);
        request.addField(name, value);
    }

    /** Checks that the body's framing has exactly one reading. */
    private static HttpRequest framed(HeadRequest head) throws HttpException {
        FieldFacts fields = head.fieldFacts();
        String contentLength = fields.contentLength();
        String transferEncoding = fields.transferEncoding();
        if (fields.contentLengths() > 1) {
            throw bad("more than one Content-Length");
        }
        if (contentLength != null) {
            if (contentLength.length() > 18 || !allDigits(contentLength)) {
                throw bad("Content-Length is not a number of at most 18 digits");
            }
        }
        if (fields.transferEncodings() > 1) {
            throw bad("more than one Transfer-Encoding");
        }
        if (transferEncoding != null) {
            if (contentLength != null) {
                throw bad("both Content-Length and Transfer-Encoding");
            }
            if (head.getVersion().getMinor() == 0) {
                throw bad("Transfer-Encoding in an HTTP/1.0 request");
            }
            if (!transferEncoding.equalsIgnoreCase("chunked")) {
                if (HeaderRules.isToken(transferEncoding)) {
                    logger.debug("Refused a request: transfer coding {} is not supported", transferEncoding);
                    throw new NotImplementedException("501 Not Implemented");
                }
                throw bad("a Transfer-Encoding other than chunked");
            }
        }
        return head;
    }

    private static ProtocolException bad(String reason) {
        logger.debug("Refused a request head with 400: {}", reason);
        return new ProtocolException("400 Bad Request");
    }

    private static RequestHeaderFieldsTooLargeException tooLarge(String reason) {
        logger.debug("Refused a request head with 431: {}", reason);
        return new RequestHeaderFieldsTooLargeException("431 Request Header Fields Too Large");
    }
}
