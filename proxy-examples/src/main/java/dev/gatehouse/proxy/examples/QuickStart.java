package dev.gatehouse.proxy.examples;

import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.core.Filters;
import dev.gatehouse.proxy.core.LoadBalancers;
import dev.gatehouse.proxy.core.ReverseProxy;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The quick-start demo: three demo upstreams on loopback and a proxy in front of them with two routes.
 * {@code java -jar gatehouse.jar} without arguments runs it on {@code 127.0.0.1:8080}.
 */
public final class QuickStart implements AutoCloseable {

    private final List<DemoUpstream> upstreams;
    private final ReverseProxy proxy;

    private QuickStart(List<DemoUpstream> upstreams, ReverseProxy proxy) {
        this.upstreams = upstreams;
        this.proxy = proxy;
    }

    /**
     * Starts the demo upstreams and the proxy on {@code 127.0.0.1:port} (0 picks a free port), and prints
     * what it started and the curl lines to try.
     */
    public static QuickStart start(int port, PrintStream out) throws IOException {
        DemoUpstream api1 = new DemoUpstream("api-1");
        DemoUpstream api2 = new DemoUpstream("api-2");
        DemoUpstream site = new DemoUpstream("site");
        List<DemoUpstream> upstreams = List.of(api1, api2, site);
        ReverseProxy proxy = ReverseProxy.builder()
                .listen(new InetSocketAddress("127.0.0.1", port))
                .filter(Filters.setResponseHeader("X-Proxied-By", "gatehouse"))
                .route(Route.builder("api")
                        .pathPrefix("/api")
                        .stripPrefix()
                        .upstreams(Upstream.of("127.0.0.1", api1.port()), Upstream.of("127.0.0.1", api2.port()))
                        .loadBalancing(LoadBalancers.roundRobin())
                        .build())
                .route(Route.builder("site")
                        .pathPrefix("/")
                        .upstreams(Upstream.of("127.0.0.1", site.port()))
                        .build())
                .build();
        try {
            proxy.start();
        } catch (IOException e) {
            upstreams.forEach(DemoUpstream::close);
            throw new IOException("cannot listen on 127.0.0.1:" + port + " (" + e.getMessage()
                    + "); free the port, or run a proxy of your own with --listen and --to (see --help)", e);
        }
        String base = "http://127.0.0.1:" + proxy.address().getPort();
        out.println("Gatehouse quick start");
        for (DemoUpstream upstream : upstreams) {
            out.printf("  upstream %-6s %s%n", upstream.name(), upstream.url());
        }
        out.println("  route api    /api/...  -> api-1, api-2 (round robin, /api removed)");
        out.println("  route site   /...      -> site");
        out.println("Gatehouse listening on " + base);
        out.println("Try:");
        out.println("  curl -i " + base + "/api/hello          # run it twice: api-1 answers, then api-2");
        out.println("  curl -i " + base + "/index.html         # the site route");
        out.println("  curl -i -H 'X-Forwarded-For: 6.6.6.6' " + base + "/api/spoof   # replaced, not trusted");
        out.println("  curl -s " + base + "/api/bytes?n=1000000 | wc -c");
        out.println("Press Ctrl+C to stop (in-flight requests are drained first).");
        return new QuickStart(upstreams, proxy);
    }

    /** Returns the proxy's address. */
    public InetSocketAddress address() {
        return proxy.address();
    }

    /** Drains and stops the proxy, then the demo upstreams. */
    @Override
    public void close() {
        proxy.close();
        upstreams.forEach(DemoUpstream::close);
    }
}
