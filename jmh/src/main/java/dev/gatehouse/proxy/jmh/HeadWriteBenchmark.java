package dev.gatehouse.proxy.jmh;

import dev.gatehouse.proxy.Headers;
import dev.gatehouse.proxy.core.internal.headers.HeadRequest;
import dev.gatehouse.proxy.core.internal.headers.HeaderRules;
import dev.gatehouse.proxy.core.internal.headers.TrustedProxies;
import dev.gatehouse.proxy.core.internal.server.HeadWriter;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.nio.SessionOutputBuffer;
import org.apache.hc.core5.util.CharArrayBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Writing the head the proxy sends upstream for the browser-like request of {@link HeaderRewriteBenchmark}
 * (13 fields after the rewriting) as bytes into a session buffer. {@code checked}: the fields as the
 * exchange adds them, from the {@code Headers} list, so the writer copies each string out in one step;
 * {@code unchecked}: the same fields added as any code may add them, so the writer judges every character.
 *
 * <pre>java -jar jmh/target/benchmarks.jar HeadWriteBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeadWriteBenchmark {

    private final HeadWriter<HttpRequest> writer = new HeadWriter<>();
    private final Sink sink = new Sink();
    private HeadRequest checked;
    private HeadRequest unchecked;

    @Setup
    public void setUp() throws Exception {
        HeadRequest parsed = HeaderRewriteBenchmark.browserRequest();
        Headers forwarded = new HeaderRules(TrustedProxies.none(), "gatehouse")
                .forwardRequest(parsed, InetAddress.getByName("192.0.2.17"), "http", "api.example.com", "1.1");
        checked = new HeadRequest("GET", "/api/items/42?view=full");
        unchecked = new HeadRequest("GET", "/api/items/42?view=full");
        checked.addField("Host", "api.example.com");
        unchecked.addField("Host", "api.example.com");
        for (int i = 0; i < forwarded.size(); i++) {
            checked.addChecked(forwarded.name(i), forwarded.value(i));
            unchecked.addField(forwarded.name(i), forwarded.value(i));
        }
    }

    @Benchmark
    public int checked() throws Exception {
        sink.buffer.clear();
        writer.write(checked, sink);
        return sink.buffer.position();
    }

    @Benchmark
    public int unchecked() throws Exception {
        sink.buffer.clear();
        writer.write(unchecked, sink);
        return sink.buffer.position();
    }

    /** A session buffer that copies what it is given into one heap buffer, as HttpCore's does. */
    private static final class Sink implements SessionOutputBuffer {
        final ByteBuffer buffer = ByteBuffer.allocate(4096);

        @Override
        public void write(ByteBuffer src) {
            buffer.put(src);
        }

        @Override
        public void write(ReadableByteChannel src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void writeLine(CharArrayBuffer line) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int flush(WritableByteChannel channel) {
            return 0;
        }

        @Override
        public boolean hasData() {
            return buffer.position() > 0;
        }

        @Override
        public int length() {
            return buffer.position();
        }

        @Override
        public int capacity() {
            return buffer.remaining();
        }
    }
}
