package dev.gatehouse.proxy.jmh;

import dev.gatehouse.proxy.Headers;
import dev.gatehouse.proxy.core.internal.headers.HeadRequest;
import dev.gatehouse.proxy.core.internal.headers.HeadResponse;
import dev.gatehouse.proxy.core.internal.headers.HeaderRules;
import dev.gatehouse.proxy.core.internal.headers.TrustedProxies;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
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
 * The header rewriting of one exchange: a browser-like request of 11 fields (hop-by-hop ones removed, the
 * forwarding fields and {@code Via} added) and a response of 8 fields, in the head types the parsers make.
 *
 * <pre>java -jar jmh/target/benchmarks.jar HeaderRewriteBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderRewriteBenchmark {

    private HeaderRules rules;
    private HeadRequest request;
    private HeadResponse response;
    private InetAddress peer;

    @Setup
    public void setUp() throws Exception {
        rules = new HeaderRules(TrustedProxies.none(), "gatehouse");
        peer = InetAddress.getByName("192.0.2.17");
        request = browserRequest();
        response = new HeadResponse(200, "OK");
        response.addHeader("Content-Type", "application/json");
        response.addHeader("Content-Length", "512");
        response.addHeader("Date", "Mon, 23 Nov 2026 12:00:00 GMT");
        response.addHeader("ETag", "\"33a64df5\"");
        response.addHeader("Cache-Control", "max-age=60");
        response.addHeader("Connection", "keep-alive");
        response.addHeader("Keep-Alive", "timeout=5");
        response.addHeader("Set-Cookie", "theme=dark; Path=/");
    }

    /** The browser-like request head of 11 fields, as the parser makes it; also written by {@link HeadWriteBenchmark}. */
    static HeadRequest browserRequest() {
        HeadRequest request = new HeadRequest("GET", "/api/items/42?view=full");
        request.addHeader("Host", "api.example.com");
        request.addHeader("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0");
        request.addHeader("Accept", "application/json, text/plain, */*");
        request.addHeader("Accept-Language", "en-GB,en;q=0.5");
        request.addHeader("Accept-Encoding", "gzip, deflate, br");
        request.addHeader("Connection", "keep-alive");
        request.addHeader("Cookie", "session=4f1c2a; theme=dark");
        request.addHeader("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo");
        request.addHeader("If-None-Match", "\"33a64df5\"");
        request.addHeader("Cache-Control", "no-cache");
        request.addHeader("X-Request-Id", "c0ffee");
        return request;
    }

    @Benchmark
    public Headers request() {
        return rules.forwardRequest(request, peer, "http", "api.example.com", "1.1");
    }

    @Benchmark
    public Headers response() {
        return rules.forwardResponse(response, "1.1");
    }
}
