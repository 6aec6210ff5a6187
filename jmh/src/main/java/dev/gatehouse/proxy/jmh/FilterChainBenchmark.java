package dev.gatehouse.proxy.jmh;

import dev.gatehouse.proxy.ProxyRequest;
import dev.gatehouse.proxy.core.internal.filter.FilterChainRunner;
import dev.gatehouse.proxy.filter.Filter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of running a request through the filter chain: 0, 5 and 20 filters that each pass the request
 * on and the response back, to an upstream that answers at once.
 *
 * <pre>java -jar jmh/target/benchmarks.jar FilterChainBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FilterChainBenchmark {

    @Param({"0", "5", "20"})
    public int filters;

    private Filter[] chain;
    private StubExchange exchange;
    private ProxyRequest request;

    @Setup
    public void setUp() {
        chain = new Filter[filters];
        for (int i = 0; i < filters; i++) {
            chain[i] = (current, next) -> next.proceed(current.request());
        }
        request = ProxyRequest.builder().method("GET").path("/api/items/42").authority("example.com").build();
        exchange = new StubExchange(request);
    }

    @Benchmark
    public Object run() {
        return FilterChainRunner.run(exchange, chain, request).toCompletableFuture().join();
    }
}
