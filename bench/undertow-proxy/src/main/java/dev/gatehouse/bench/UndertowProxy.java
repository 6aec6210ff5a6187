package dev.gatehouse.bench;

import io.undertow.Undertow;
import io.undertow.server.handlers.ResponseCodeHandler;
import io.undertow.server.handlers.proxy.LoadBalancingProxyClient;
import io.undertow.server.handlers.proxy.ProxyHandler;
import java.net.URI;

/**
 * Undertow's load-balancing reverse proxy with one upstream, as its documentation sets it up: the Java
 * reference of the end-to-end benchmark. Arguments: {@code LISTEN_PORT UPSTREAM_PORT}. One I/O thread per
 * processor the process may use, as Gatehouse.
 */
public final class UndertowProxy {

    private UndertowProxy() {
    }

    public static void main(String[] args) throws Exception {
        int listen = Integer.parseInt(args[0]);
        int upstream = Integer.parseInt(args[1]);
        int threads = Runtime.getRuntime().availableProcessors();
        LoadBalancingProxyClient client = new LoadBalancingProxyClient()
                .addHost(new URI("http://127.0.0.1:" + upstream))
                .setConnectionsPerThread(64)
                .setSoftMaxConnectionsPerThread(64)
                .setMaxQueueSize(1024);
        Undertow server = Undertow.builder()
                .addHttpListener(listen, "127.0.0.1")
                .setIoThreads(threads)
                .setWorkerThreads(threads * 8)
                .setHandler(ProxyHandler.builder().setProxyClient(client).setMaxRequestTime(30_000)
                        .setNext(ResponseCodeHandler.HANDLE_404).build())
                .build();
        server.start();
        System.out.println("Undertow proxy listening on http://127.0.0.1:" + listen);
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
    }
}
