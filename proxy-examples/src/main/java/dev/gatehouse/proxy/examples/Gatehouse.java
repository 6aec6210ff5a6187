package dev.gatehouse.proxy.examples;

import dev.gatehouse.proxy.RetryPolicy;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.core.HashKeys;
import dev.gatehouse.proxy.core.HealthCheckers;
import dev.gatehouse.proxy.core.LoadBalancers;
import dev.gatehouse.proxy.core.ReverseProxy;
import dev.gatehouse.proxy.core.ReverseProxyBuilder;
import dev.gatehouse.proxy.filter.ProxyExchange;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Function;

/**
 * {@code java -jar gatehouse.jar}: without arguments the quick-start demo; with {@code --to} a standalone
 * reverse proxy, in the manner of {@code caddy reverse-proxy}. See {@link CommandLine#USAGE}.
 */
public final class Gatehouse {

    private Gatehouse() {
    }

    /** Runs until SIGINT or SIGTERM; exits 2 on bad arguments and 1 when the proxy cannot start. */
    public static void main(String[] args) throws InterruptedException {
        AutoCloseable running;
        try {
            running = launch(args, System.out);
        } catch (CommandLine.UsageException e) {
            System.err.println("gatehouse: " + e.getMessage());
            System.err.println();
            System.err.println(CommandLine.USAGE);
            System.exit(2);
            return;
        } catch (IOException e) {
            System.err.println("gatehouse: " + e.getMessage());
            System.exit(1);
            return;
        }
        if (running == null) {
            return;                                  // --help
        }
        // The JVM runs this hook on SIGINT and SIGTERM and waits for it: the drain happens here.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> close(running), "gatehouse-shutdown"));
        Thread.currentThread().join();
    }

    /**
     * Starts what {@code args} ask for and returns it, or null after printing the help.
     *
     * @throws CommandLine.UsageException for arguments that cannot be run
     * @throws IOException when the proxy cannot listen
     */
    public static AutoCloseable launch(String[] args, PrintStream out) throws CommandLine.UsageException, IOException {
        if (args.length == 0) {
            return QuickStart.start(8080, out);
        }
        CommandLine options = CommandLine.parse(args);
        if (options.help) {
            out.println(CommandLine.USAGE);
            return null;
        }
        ReverseProxyBuilder builder = ReverseProxy.builder()
                .listen(options.listen)
                .drainTimeout(options.drain);
        if (options.healthPath != null) {
            builder.healthCheck(HealthCheckers.http(options.healthPath),
                    options.healthInterval != null ? options.healthInterval : Duration.ofSeconds(5));
        }
        if (options.slowStart != null) {
            builder.slowStart(options.slowStart);
        }
        if (options.maxConnections != null) {
            builder.maxConnectionsPerUpstream(options.maxConnections);
        }
        limits(builder, options);
        RetryPolicy retryPolicy = options.retryPolicy();
        if (retryPolicy != null) {
            builder.retryPolicy(retryPolicy);
        }
        ReverseProxy proxy = builder
                .route(Route.builder("default").upstreams(options.upstreams).loadBalancing(strategy(options)).build())
                .build();
        proxy.start();
        out.println("Gatehouse listening on http://" + authority(proxy.address()));
        out.flush();
        return proxy;
    }

    private static void limits(ReverseProxyBuilder builder, CommandLine options) {
        if (options.maxBody != null) {
            builder.maxRequestBody(options.maxBody);
        }
        if (options.maxRequestLine != null) {
            builder.maxRequestLine(options.maxRequestLine);
        }
        if (options.maxHeaderBytes != null) {
            builder.maxHeaderBytes(options.maxHeaderBytes);
        }
        if (options.maxHeaders != null) {
            builder.maxHeaders(options.maxHeaders);
        }
        if (options.headTimeout != null) {
            builder.requestHeadTimeout(options.headTimeout);
        }
        if (options.bodyTimeout != null) {
            builder.requestBodyIdleTimeout(options.bodyTimeout);
        }
        if (options.maxClientConnections != null) {
            builder.maxClientConnections(options.maxClientConnections);
        }
        if (options.maxPipelined != null) {
            builder.maxPipelinedRequests(options.maxPipelined);
        }
        if (options.rejectEncodedSlashes != null) {
            builder.rejectEncodedSlashes(options.rejectEncodedSlashes);
        }
    }

    private static LoadBalancingStrategy strategy(CommandLine options) {
        switch (options.strategy) {
            case "consistent-hash":
                Function<ProxyExchange, String> key = hashKey(options.hashKey != null ? options.hashKey : "client-ip");
                return options.hashBalanceFactor > 0
                        ? LoadBalancers.consistentHash(key, options.hashBalanceFactor)
                        : LoadBalancers.consistentHash(key);
            case "sticky":
                return LoadBalancers.sticky("GATEHOUSE_STICKY", LoadBalancers.roundRobin());
            default:
                return LoadBalancers.named(options.strategy);
        }
    }

    private static Function<ProxyExchange, String> hashKey(String key) {
        if (key.startsWith("header:")) {
            return HashKeys.header(key.substring(7));
        }
        if (key.startsWith("cookie:")) {
            return HashKeys.cookie(key.substring(7));
        }
        if (key.startsWith("query:")) {
            return HashKeys.query(key.substring(6));
        }
        return key.equals("path") ? HashKeys.path() : HashKeys.clientAddress();
    }

    private static String authority(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static void close(AutoCloseable running) {
        try {
            running.close();
        } catch (Exception e) {
            System.err.println("gatehouse: error while stopping: " + e);
        }
    }
}
