package dev.gatehouse.proxy.core.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import org.apache.hc.core5.http.nio.SessionInputBuffer;
import org.apache.hc.core5.util.CharArrayBuffer;
import org.junit.jupiter.api.Test;

class HeadLinesTest {

    /** HttpCore's own session input buffer, as its duplexers make it. */
    private static SessionInputBuffer httpCoreBuffer() throws Exception {
        Class<?> type = Class.forName("org.apache.hc.core5.http.impl.nio.SessionInputBufferImpl");
        Constructor<?> constructor = type.getDeclaredConstructor(int.class);
        constructor.setAccessible(true);
        return (SessionInputBuffer) constructor.newInstance(64);
    }

    /** The same buffer behind an interface only: lines then come through HttpCore's readLine. */
    private static SessionInputBuffer behindTheInterface(SessionInputBuffer buffer) {
        return (SessionInputBuffer) Proxy.newProxyInstance(SessionInputBuffer.class.getClassLoader(),
                new Class<?>[] {SessionInputBuffer.class}, (proxy, method, args) -> {
                    try {
                        return method.invoke(buffer, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static void arrive(SessionInputBuffer buffer, String bytes) throws Exception {
        buffer.fill(Channels.newChannel(new ByteArrayInputStream(bytes.getBytes(StandardCharsets.ISO_8859_1))));
    }

    private static String line(HeadLines lines) {
        return new String(lines.bytes, lines.start, lines.end - lines.start, StandardCharsets.ISO_8859_1);
    }

    @Test
    void httpCoresBufferIsReadInPlace() {
        assertThat(HeadLines.inPlace()).isTrue();
    }

    @Test
    void linesInPlaceEndAsHttpCoresDoAndLeaveTheRestWhereItWas() throws Exception {
        SessionInputBuffer buffer = httpCoreBuffer();
        readsLinesAndLeavesTheRest(buffer, buffer);
    }

    @Test
    void linesThroughReadLineAreTheSame() throws Exception {
        SessionInputBuffer buffer = httpCoreBuffer();
        readsLinesAndLeavesTheRest(behindTheInterface(buffer), buffer);
    }

    private static void readsLinesAndLeavesTheRest(SessionInputBuffer in, SessionInputBuffer raw) throws Exception {
        HeadLines lines = new HeadLines();
        arrive(raw, "GET / HTTP/1.1\r\nHost: a\nX: \u00e9\r\r\n\r\nBO");
        assertThat(lines.next(in)).isTrue();
        assertThat(line(lines)).isEqualTo("GET / HTTP/1.1");
        assertThat(lines.next(in)).isTrue();
        assertThat(line(lines)).isEqualTo("Host: a");                     // a bare LF ends a line too
        assertThat(lines.next(in)).isTrue();
        assertThat(line(lines)).isEqualTo("X: \u00e9\r");                 // one CR goes with the LF, no more
        assertThat(lines.next(in)).isTrue();
        assertThat(line(lines)).isEmpty();
        assertThat(lines.next(in)).isFalse();                             // no line end yet: nothing consumed
        assertThat(in.length()).isEqualTo(2);
        arrive(raw, "DY\nTAIL\r\nREST");                                    // more arrives after a partial read
        assertThat(lines.next(in)).isTrue();
        assertThat(line(lines)).isEqualTo("BODY");
        CharArrayBuffer theirs = new CharArrayBuffer(16);
        assertThat(raw.readLine(theirs, false)).isTrue();                  // HttpCore reads on where it stopped
        assertThat(theirs.toString()).isEqualTo("TAIL");
        ByteBuffer rest = ByteBuffer.allocate(16);
        assertThat(raw.read(rest)).isEqualTo(4);
        assertThat(new String(rest.array(), 0, 4, StandardCharsets.ISO_8859_1)).isEqualTo("REST");
    }
}
