package dev.gatehouse.proxy.jmh;

import dev.gatehouse.proxy.Headers;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.core.internal.routing.RouteTable;
import java.util.ArrayList;
import java.util.List;
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
 * The cost of finding the route for a request among 1, 100 and 10,000 routes: prefix routes under distinct
 * first segments, half of them host-specific, with the request matching one near the end.
 *
 * <pre>java -jar jmh/target/benchmarks.jar RouteLookupBenchmark -f 1 -wi 2 -w 1s -i 3 -r 1s</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteLookupBenchmark {

    @Param({"1", "100", "10000"})
    int routes;

    private RouteTable<String> table;
    private String path;
    private final Headers headers = Headers.of("Accept", "*/*", "User-Agent", "bench");

    @Setup
    public void setUp() {
        Upstream upstream = Upstream.of("127.0.0.1", 8080);
        List<Route> list = new ArrayList<>();
        for (int i = 0; i < routes; i++) {
            Route.Builder route = Route.builder("r" + i).pathPrefix("/service-" + i).upstreams(upstream);
            if (i % 2 == 1) {
                route.host("api" + i + ".example.com");
            }
            list.add(route.build());
        }
        table = RouteTable.build(list, Route::name);
        int target = routes - 1 - (routes - 1) % 2;     // the last host-less route
        path = "/service-" + target + "/users/42";
    }

    @Benchmark
    public Object lookup() {
        return table.match("www.example.com", "GET", path, null, headers);
    }
}
