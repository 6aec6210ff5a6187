package dev.gatehouse.proxy.conformance;

import dev.gatehouse.proxy.testing.RecordingBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The request catalogue of RELIABILITY.md sections A, C and D that applies to HTTP/1.1, as raw payloads with
 * what a proxy in front of a {@link RecordingBackend} must do with each: refuse it (a status from a set, and
 * nothing reaches the backend), or forward it in a normalised form the backend cannot read two ways.
 * Some cases allow either, as the RFCs and the reference proxies do. The same catalogue runs against
 * Gatehouse in {@code ConformanceIT} and against nginx and HAProxy in {@link ConformanceReport}.
 */
public final class Conformance {

    private Conformance() {
    }

    /** What a case expects. */
    public static final class Expect {
        final Set<Integer> refusal;
        final Predicate<List<RecordingBackend.Request>> forward;
        final String text;

        private Expect(Set<Integer> refusal, Predicate<List<RecordingBackend.Request>> forward, String text) {
            this.refusal = refusal;
            this.forward = forward;
            this.text = text;
        }

        /** Refused with one of {@code statuses}; the backend gets nothing. */
        static Expect refused(Integer... statuses) {
            return new Expect(Set.of(statuses), null, "refused " + String.join("/", List.of(statuses).stream()
                    .map(String::valueOf).toList()));
        }

        /** Answered 200 after the backend got exactly one request that satisfies {@code check}. */
        static Expect forwarded(String what, Predicate<RecordingBackend.Request> check) {
            return new Expect(null, requests -> requests.size() == 1 && check.test(requests.get(0)),
                    "forwarded once, " + what);
        }

        /** Either refused with one of {@code statuses} or forwarded as {@link #forwarded} says. */
        static Expect refusedOr(String what, Predicate<RecordingBackend.Request> check, Integer... statuses) {
            Expect forward = forwarded(what, check);
            return new Expect(Set.of(statuses), forward.forward, "refused " + List.of(statuses).stream()
                    .map(String::valueOf).reduce((a, b) -> a + "/" + b).orElse("") + ", or forwarded once, " + what);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** One payload and what it must lead to. */
    public record Case(String id, String title, byte[] payload, Expect expect) {
        @Override
        public String toString() {
            return id + " " + title;
        }
    }

    /** What a proxy did with a case. */
    public record Outcome(List<Integer> statuses, boolean closed, List<RecordingBackend.Request> received) {
        /** Returns a short description, such as {@code 400, closed, backend got 0}. */
        public String describe() {
            return (statuses.isEmpty() ? "no response" : statuses.toString().replaceAll("[\\[\\] ]", ""))
                    + (closed ? ", closed" : "") + ", backend got " + received.size();
        }
    }

    /** Returns true when {@code outcome} meets the case's expectation. */
    public static boolean passes(Case test, Outcome outcome) {
        Expect expect = test.expect();
        boolean refused = expect.refusal != null && outcome.received().isEmpty() && !outcome.statuses().isEmpty()
                && expect.refusal.contains(outcome.statuses().get(0));
        boolean forwarded = expect.forward != null && !outcome.statuses().isEmpty() && outcome.statuses().get(0) == 200
                && expect.forward.test(outcome.received());
        return refused || forwarded;
    }

    /**
     * Sends the case's bytes to {@code proxy} on a new connection and collects the responses until the
     * connection closes or stays quiet for {@code quietMillis}, then what the backend received.
     */
    public static Outcome run(Case test, InetSocketAddress proxy, RecordingBackend backend, int quietMillis)
            throws IOException {
        backend.clear();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        boolean closed = false;
        try (Socket socket = new Socket()) {
            socket.connect(proxy, 2000);
            socket.setSoTimeout(quietMillis);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(test.payload());
                out.flush();
            } catch (IOException e) {
                closed = true;                    // refused mid-send: what was answered is still read below
            }
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[16384];
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                int read;
                try {
                    read = in.read(buffer);
                } catch (SocketTimeoutException quiet) {
                    break;
                } catch (IOException reset) {
                    closed = true;
                    break;
                }
                if (read < 0) {
                    closed = true;
                    break;
                }
                received.write(buffer, 0, read);
            }
        }
        // Let the backend finish reading what it was sent before its record is taken.
        long settle = System.nanoTime() + 200_000_000L;
        int seen = -1;
        while (System.nanoTime() < settle && seen != backend.requests().size()) {
            seen = backend.requests().size();
            try {
                Thread.sleep(50);               // a settling pause for a reading thread, not a synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new Outcome(statuses(received.toByteArray()), closed, backend.requests());
    }

    /** Parses the statuses of the responses in {@code bytes}, in order. */
    static List<Integer> statuses(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        List<Integer> statuses = new ArrayList<>();
        int at = 0;
        while (at < text.length() && text.startsWith("HTTP/1.", at)) {
            int headEnd = text.indexOf("\r\n\r\n", at);
            if (headEnd < 0 || at + 12 > text.length()) {
                break;
            }
            statuses.add(Integer.parseInt(text.substring(at + 9, at + 12)));
            String head = text.substring(at, headEnd).toLowerCase(Locale.ROOT);
            int bodyStart = headEnd + 4;
            int length = head.contains("\r\ncontent-length:") ? Integer.parseInt(value(head, "content-length")) : -1;
            int status = statuses.get(statuses.size() - 1);
            if (status < 200 || status == 204 || status == 304) {
                at = bodyStart;
            } else if (length >= 0) {
                at = bodyStart + length;
            } else if (head.contains("\r\ntransfer-encoding:")) {
                int end = text.indexOf("\r\n0\r\n\r\n", bodyStart - 2);
                at = end < 0 ? text.length() : end + 7;
            } else {
                break;                           // the body runs to the close
            }
        }
        return statuses;
    }

    private static String value(String head, String name) {
        int start = head.indexOf("\r\n" + name + ":") + name.length() + 3;
        int end = head.indexOf("\r\n", start);
        return head.substring(start, end < 0 ? head.length() : end).trim();
    }

    // ------------------------------------------------------------------------------------------------

    private static Case refused(String id, String title, String payload, Integer... statuses) {
        return new Case(id, title, bytes(payload), Expect.refused(statuses));
    }

    private static Case forwarded(String id, String title, String payload, String what,
                                  Predicate<RecordingBackend.Request> check) {
        return new Case(id, title, bytes(payload), Expect.forwarded(what, check));
    }

    private static Case either(String id, String title, String payload, String what,
                               Predicate<RecordingBackend.Request> check, Integer... statuses) {
        return new Case(id, title, bytes(payload), Expect.refusedOr(what, check, statuses));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String post(String headers, String body) {
        return "POST /p HTTP/1.1\r\nHost: example.com\r\n" + headers + "\r\n" + body;
    }

    private static String get(String target, String headers) {
        return "GET " + target + " HTTP/1.1\r\nHost: example.com\r\n" + headers + "\r\n";
    }

    /** True when the request carries one framing, written normally, and none of the client's odd lines. */
    private static boolean cleanFraming(RecordingBackend.Request request) {
        int lengths = request.headers("Content-Length").size();
        int codings = request.headers("Transfer-Encoding").size();
        return lengths + codings <= 1 && (codings == 0 || request.headers("Transfer-Encoding").get(0).equalsIgnoreCase("chunked"));
    }

    private static Predicate<RecordingBackend.Request> path(String expected) {
        return request -> request.requestLine().startsWith("GET " + expected + " ");
    }

    /** A whole request, to hide in a body. */
    private static final String HIDDEN = "GET /hidden HTTP/1.1\r\nHost: example.com\r\n\r\n";

    /** Returns the catalogue. */
    public static List<Case> catalogue() {
        List<Case> cases = new ArrayList<>();
        // A. Request framing and smuggling
        cases.add(either("SMUG-01", "Content-Length and chunked together", post(
                "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\nX"), "chunked only, empty body",
                r -> cleanFraming(r) && r.body().length == 0, 400));
        cases.add(either("SMUG-01", "chunked then Content-Length, a request hidden in the body", post(
                "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", Integer.toHexString(HIDDEN.length()) + "\r\n" + HIDDEN
                        + "\r\n0\r\n\r\n"),
                "one request, its body intact", r -> cleanFraming(r) && r.bodyText().startsWith("GET /hidden"), 400));
        cases.add(refused("SMUG-02", "two different Content-Length", post(
                "Content-Length: 0\r\nContent-Length: 5\r\n", "hello"), 400));
        cases.add(either("SMUG-02", "two equal Content-Length", post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"),
                "one Content-Length", r -> r.headers("Content-Length").size() == 1 && r.bodyText().equals("hello"), 400));
        cases.add(either("SMUG-02", "Content-Length list 5, 5", post("Content-Length: 5, 5\r\n", "hello"),
                "one Content-Length: 5", r -> r.headers("Content-Length").equals(List.of("5")), 400));
        for (String value : new String[] {"+5", "-1", "0x5", "5 6", "1_0", ""}) {
            cases.add(refused("SMUG-03", "Content-Length: \"" + value + "\"", post("Content-Length: " + value + "\r\n", "hello"), 400));
        }
        cases.add(refused("SMUG-03", "Content-Length of 20 digits", post("Content-Length: 99999999999999999999\r\n", "x"), 400, 413));
        cases.add(either("SMUG-03", "Content-Length: 005", post("Content-Length: 005\r\n", "hello"), "Content-Length: 5",
                r -> r.headers("Content-Length").equals(List.of("5")) && r.bodyText().equals("hello"), 400));
        for (String value : new String[] {"chunked, chunked", "gzip, chunked", "chunked, gzip", "xchunked", ",chunked",
                "identity", "\u000bchunked", "chunked;q=1"}) {
            cases.add(refused("SMUG-04", "Transfer-Encoding: \"" + value.replace("\u000b", "\\v") + "\"",
                    post("Transfer-Encoding: " + value + "\r\n", "0\r\n\r\n"), 400, 422, 501));
        }
        cases.add(refused("SMUG-04", "two Transfer-Encoding: chunked lines", post(
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400, 501));
        cases.add(refused("SMUG-05", "space before the colon", post("Content-Length : 5\r\n", "hello"), 400));
        cases.add(refused("SMUG-05", "tab before the colon", post("Transfer-Encoding\t: chunked\r\n", "0\r\n\r\n"), 400));
        cases.add(refused("SMUG-05", "first header line starts with a tab",
                "GET / HTTP/1.1\r\n\tHost: example.com\r\n\r\n", 400));
        cases.add(refused("SMUG-05", "header name ending in a form feed", post("Transfer-Encoding\f: chunked\r\n", "0\r\n\r\n"), 400));
        cases.add(refused("SMUG-05", "a header line without a colon", get("/", "Content-Length 10\r\n"), 400));
        cases.add(refused("SMUG-05", "an empty header name", get("/", ": x\r\n"), 400));
        cases.add(refused("SMUG-06", "NUL in the Host value", "GET / HTTP/1.1\r\nHost: example.com\u0000.evil\r\n\r\n", 400));
        cases.add(refused("SMUG-06", "bare CR in a header value", get("/", "X-A: a\rTransfer-Encoding: chunked\r\n"), 400));
        cases.add(either("SMUG-07", "obs-fold of an ordinary header", get("/", "X-Folded: a\r\n b\r\n"), "unfolded",
                r -> !r.head().contains("\r\n ") && !r.head().contains("\r\n\t"), 400));
        cases.add(refused("SMUG-07", "a folded Content-Length", post("Content-Length: 5\r\nX-A: b\r\n\t6\r\n", "hello"), 400));
        cases.add(either("SMUG-08", "LF-only line ends", "GET /lf HTTP/1.1\nHost: example.com\n\n", "with CRLF",
                r -> r.head().replace("\r\n", "").indexOf('\n') < 0, 400));
        cases.add(refused("SMUG-08", "bare CR in the request line", "GET /\r HTTP/1.1\r\nHost: example.com\r\n\r\n", 400));
        for (String size : new String[] {"+5", "-1", " 5", "0x5", "Z", "00000000000000005"}) {
            cases.add(refused("SMUG-09", "chunk size \"" + size + "\"", post("Transfer-Encoding: chunked\r\n",
                    size + "\r\nhello\r\n0\r\n\r\n"), 400));
        }
        cases.add(refused("SMUG-09", "chunk data not followed by CRLF", post("Transfer-Encoding: chunked\r\n",
                "5\r\nhelloXX0\r\n\r\n"), 400));
        cases.add(refused("SMUG-09", "a control byte in a chunk extension", post("Transfer-Encoding: chunked\r\n",
                "5;a=\u0001\r\nhello\r\n0\r\n\r\n"), 400));
        cases.add(either("SMUG-10", "framing and routing fields in trailers", post("Transfer-Encoding: chunked\r\n",
                "5\r\nhello\r\n0\r\nContent-Length: 50\r\nHost: evil.example\r\n\r\n"), "without those trailers",
                r -> r.bodyText().equals("hello") && r.trailers().stream().noneMatch(t -> {
                    String lower = t.toLowerCase(Locale.ROOT);
                    return lower.startsWith("content-length") || lower.startsWith("host");
                }), 400));
        cases.add(refused("SMUG-11", "method G<E>T", "G<E>T / HTTP/1.1\r\nHost: example.com\r\n\r\n", 400, 405, 501));
        cases.add(refused("SMUG-11", "two spaces in the request line", "GET  / HTTP/1.1\r\nHost: example.com\r\n\r\n", 400));
        cases.add(refused("SMUG-11", "a tab in the request line", "GET\t/ HTTP/1.1\r\nHost: example.com\r\n\r\n", 400));
        cases.add(refused("SMUG-11", "version HTTP/1.01", "GET / HTTP/1.01\r\nHost: example.com\r\n\r\n", 400, 505));
        cases.add(refused("SMUG-11", "version HTTP/1.2", "GET / HTTP/1.2\r\nHost: example.com\r\n\r\n", 400, 505));
        cases.add(refused("SMUG-11", "version HTTP/A.0", "GET / HTTP/A.0\r\nHost: example.com\r\n\r\n", 400));
        cases.add(refused("SMUG-11", "a space after the version", "GET / HTTP/1.1 \r\nHost: example.com\r\n\r\n", 400));
        cases.add(refused("SMUG-11", "the HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, 505));
        cases.add(forwarded("SMUG-12", "absolute-form target with another Host", "GET http://other.example/x HTTP/1.1\r\n"
                + "Host: example.com\r\n\r\n", "origin-form, Host from the target",
                r -> r.requestLine().equals("GET /x HTTP/1.1") && r.headers("Host").equals(List.of("other.example"))));
        cases.add(refused("SMUG-12", "userinfo in an absolute-form target", "GET http://user@other.example/ HTTP/1.1\r\n"
                + "Host: example.com\r\n\r\n", 400));
        cases.add(refused("SMUG-12", "a target without a leading slash", get("admin", ""), 400));
        cases.add(refused("SMUG-12", "asterisk-form with GET", get("*", ""), 400));
        cases.add(refused("SMUG-12", "a fragment in the target", get("/a#x", ""), 400));
        cases.add(refused("SMUG-12", "CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 400, 405, 501));
        cases.add(refused("SMUG-13", "no Host", "GET / HTTP/1.1\r\n\r\n", 400));
        cases.add(refused("SMUG-13", "two Host lines", "GET / HTTP/1.1\r\nHost: example.com\r\nHost: evil.example\r\n\r\n", 400));
        cases.add(refused("SMUG-13", "Host: a, b", "GET / HTTP/1.1\r\nHost: example.com, evil.example\r\n\r\n", 400));
        cases.add(refused("SMUG-13", "an empty Host", "GET / HTTP/1.1\r\nHost: \r\n\r\n", 400));
        cases.add(refused("SMUG-13", "userinfo in Host", "GET / HTTP/1.1\r\nHost: user@example.com\r\n\r\n", 400));
        cases.add(refused("SMUG-13", "a path in Host", "GET / HTTP/1.1\r\nHost: example.com/evil\r\n\r\n", 400));
        cases.add(refused("SMUG-13", "a port out of range in Host", "GET / HTTP/1.1\r\nHost: example.com:99999\r\n\r\n", 400));
        cases.add(forwarded("SMUG-15", "a GET whose body is a whole request", "GET /g HTTP/1.1\r\nHost: example.com\r\n"
                + "Content-Length: " + HIDDEN.length() + "\r\n\r\n" + HIDDEN, "the body as a body",
                r -> r.requestLine().startsWith("GET /g ") && r.bodyText().startsWith("GET /hidden")));
        cases.add(either("SMUG-16", "an unknown expectation", post("Expect: 100-continuex\r\nContent-Length: 5\r\n", "hello"),
                "without the expectation", r -> r.bodyText().equals("hello") && r.headers("Expect").isEmpty(), 417));
        cases.add(either("SMUG-17", "HTTP/1.0 with chunked", "POST /p HTTP/1.0\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n", "decoded", r -> cleanFraming(r) && r.bodyText().equals("hello"), 400));
        cases.add(forwarded("SMUG-18", "a valid request pipelined with an invalid one", get("/first", "")
                + "G<E>T /second HTTP/1.1\r\nHost: example.com\r\n\r\n" + get("/third", ""), "only the first",
                r -> r.requestLine().startsWith("GET /first ")));
        cases.add(forwarded("SMUG-18", "a request after Connection: close", get("/first", "Connection: close\r\n")
                + get("/second", ""), "only the first", r -> r.requestLine().startsWith("GET /first ")));
        cases.add(forwarded("SMUG-19", "Upgrade: h2c", get("/up", "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n"), "as plain HTTP/1.1",
                r -> r.headers("Upgrade").isEmpty() && r.headers("HTTP2-Settings").isEmpty()));
        // C. Header handling
        cases.add(forwarded("HDR-01", "hop-by-hop request fields", get("/h", "Connection: keep-alive, X-Secret\r\n"
                + "X-Secret: 1\r\nKeep-Alive: timeout=99\r\nProxy-Connection: keep-alive\r\nTE: gzip\r\n"),
                "without them", r -> r.headers("X-Secret").isEmpty() && r.headers("Keep-Alive").isEmpty()
                        && r.headers("Proxy-Connection").isEmpty() && r.headers("TE").isEmpty()));
        cases.add(forwarded("HDR-02", "Connection naming X-Forwarded-For", get("/h", "Connection: X-Forwarded-For\r\n"),
                "with the proxy's X-Forwarded-For", r -> r.headers("X-Forwarded-For").stream().anyMatch(v -> v.contains("127.0.0.1"))));
        cases.add(either("HDR-05", "Content_Length with an underscore", post("Content_Length: 5\r\nContent-Length: 5\r\n", "hello"),
                "without the underscore field", r -> r.headers("Content_Length").isEmpty(), 400));
        cases.add(refused("HDR-06", "TRACE", "TRACE / HTTP/1.1\r\nHost: example.com\r\n\r\n", 405, 400, 501));
        cases.add(refused("HDR-07", "a 9 KiB request line", get("/" + "a".repeat(9 * 1024), ""), 414, 431, 400));
        cases.add(refused("HDR-07", "70 KiB of header fields", get("/", ("X-Big: " + "b".repeat(1000) + "\r\n").repeat(70)), 431, 400, 413));
        cases.add(refused("HDR-07", "a 64 KiB header value", get("/", "X-Big: " + "v".repeat(64 * 1024) + "\r\n"), 431, 400, 413));
        cases.add(refused("HDR-07", "20 empty lines before the request line", "\r\n".repeat(20) + get("/", ""), 400));
        cases.add(forwarded("HDR-08", "an encoded CRLF in the path", get("/a%0d%0aSet-Cookie:%20x=1", ""),
                "still encoded", r -> r.headers("Set-Cookie").isEmpty() && r.requestLine().toLowerCase(Locale.ROOT).contains("%0d%0a")));
        // D. Paths
        cases.add(either("PATH-01", "dot-segments", get("/public/../admin/x", ""), "as /admin/x", path("/admin/x"), 400));
        cases.add(refused("PATH-01", "dot-segments above the root", get("/../../etc/passwd", ""), 400));
        cases.add(either("PATH-02", "encoded dot-segments", get("/public/%2e%2e/admin", ""), "as /admin", path("/admin"), 400));
        cases.add(either("PATH-02", "an encoded slash", get("/admin%2fx", ""), "still encoded",
                r -> r.requestLine().toLowerCase(Locale.ROOT).startsWith("get /admin%2fx "), 400));
        cases.add(refused("PATH-02", "an encoded NUL", get("/a%00b", ""), 400));
        cases.add(refused("PATH-02", "overlong UTF-8 for a dot", get("/public/%c0%ae%c0%ae/admin", ""), 400));
        cases.add(either("PATH-03", "empty segments", get("//admin///x", ""), "merged", path("/admin/x"), 400));
        cases.add(refused("PATH-04", "a dot-segment with parameters", get("/public/..;/admin", ""), 400));
        cases.add(refused("PATH-05", "a backslash", get("/public\\..\\admin", ""), 400));
        cases.add(refused("PATH-05", "a raw byte above 0x7F", get("/caf\u00e9", ""), 400));
        cases.add(either("PATH-06", "a query with dot-segments and slashes", get("/q?a=/../x&b=%2f", ""),
                "with the query untouched", r -> r.requestLine().equals("GET /q?a=/../x&b=%2f HTTP/1.1"), 400));
        return cases;
    }
}
