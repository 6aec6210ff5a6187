package dev.gatehouse.proxy.jmh;

import dev.gatehouse.proxy.Headers;
import dev.gatehouse.proxy.ProxyRequest;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.core.HashKeys;
import dev.gatehouse.proxy.core.LoadBalancers;
import dev.gatehouse.proxy.core.internal.balancer.Balancing;
import dev.gatehouse.proxy.core.internal.balancer.CoarseClock;
import dev.gatehouse.proxy.core.internal.balancer.UpstreamGroup;
import dev.gatehouse.proxy.core.internal.client.UpstreamState;
import dev.gatehouse.proxy.core.internal.reactor.IoReactor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one pick, as the proxy makes it: the route's current snapshot, its selector, and the
 * mapping back to the member, for every built-in strategy over 3 to 1000 upstreams with mixed weights.
 * Run it with one thread and with two:
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar StrategyBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -t 1
 * java -jar jmh/target/benchmarks.jar StrategyBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -t 2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StrategyBenchmark {

    @Param({"round-robin", "weighted-round-robin", "random", "weighted-random", "least-connections",
            "least-request", "peak-ewma", "consistent-hash", "consistent-hash-bounded", "sticky"})
    String strategy;

    @Param({"3", "10", "100", "1000"})
    int upstreams;

    private ScheduledThreadPoolExecutor control;
    private UpstreamGroup group;

    /** Per-thread rotating exchanges, so hashed keys and cookies vary. */
    @State(Scope.Thread)
    public static class Requests {
        final StubExchange[] exchanges = new StubExchange[1024];
        int next;

        @Setup
        public void setUp() {
            for (int i = 0; i < exchanges.length; i++) {
                exchanges[i] = new StubExchange(ProxyRequest.builder().method("GET").path("/api/items/" + i)
                        .authority("example.com").headers(Headers.of("X-User-Id", "user-" + i)).build());
            }
        }

        StubExchange next() {
            return exchanges[next++ & (exchanges.length - 1)];
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        control = new ScheduledThreadPoolExecutor(1);
        IoReactor reactor = new IoReactor("bench", 1, IOReactorConfig.DEFAULT, (session, attachment) -> null);
        List<Upstream> list = new ArrayList<>();
        List<UpstreamState> states = new ArrayList<>();
        for (int i = 0; i < upstreams; i++) {
            Upstream upstream = Upstream.of("10.0." + (i / 250) + "." + (i % 250 + 1), 8080).withWeight(1 + i % 5);
            list.add(upstream);
            UpstreamState state = new UpstreamState(upstream.withWeight(1), reactor, Timeout.ofSeconds(30),
                    Balancing.DEFAULTS, control, System::nanoTime);
            state.recordLatency(TimeUnit.MILLISECONDS.toNanos(2 + i % 7), System.nanoTime());
            states.add(state);
        }
        CoarseClock clock = new CoarseClock();
        clock.start(control, 5);
        group = new UpstreamGroup("bench", strategy(strategy), list, states, Balancing.DEFAULTS, control, clock);
        // A little load, so load-aware strategies compare real numbers.
        UpstreamGroup.Snapshot snapshot = group.snapshot();
        for (int i = 0; i < upstreams; i++) {
            for (int k = 0; k < i % 3; k++) {
                snapshot.member(list.get(i)).tryRequestStarted();
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        control.shutdownNow();
    }

    static LoadBalancingStrategy strategy(String name) {
        switch (name) {
            case "consistent-hash":
                return LoadBalancers.consistentHash(HashKeys.header("X-User-Id"));
            case "consistent-hash-bounded":
                return LoadBalancers.consistentHash(HashKeys.header("X-User-Id"), 1.25);
            case "sticky":
                return LoadBalancers.sticky("GH", LoadBalancers.leastRequest());
            default:
                return LoadBalancers.named(name);
        }
    }

    @Benchmark
    public Object pick(Requests requests) {
        UpstreamGroup.Snapshot snapshot = group.snapshot();
        return snapshot.member(snapshot.selector().select(requests.next()));
    }
}
