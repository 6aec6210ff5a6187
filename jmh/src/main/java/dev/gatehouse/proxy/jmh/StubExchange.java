package dev.gatehouse.proxy.jmh;

import dev.gatehouse.proxy.ProxyRequest;
import dev.gatehouse.proxy.ProxyResponse;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.core.internal.filter.ChainedExchange;
import dev.gatehouse.proxy.filter.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A minimal exchange for benchmarks: a request, the loopback client, and an upstream that answers at once
 * with a fixed response. No attributes, no route.
 */
final class StubExchange implements ChainedExchange {

    private static final InetSocketAddress PEER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1);
    private final ProxyRequest request;
    private final CompletableFuture<ProxyResponse> answer;

    StubExchange(ProxyRequest request) {
        this(request, ProxyResponse.of(200));
    }

    StubExchange(ProxyRequest request, ProxyResponse answer) {
        this.request = request;
        this.answer = CompletableFuture.completedFuture(answer);
    }

    @Override
    public void currentRequest(ProxyRequest current) {
    }

    @Override
    public CompletionStage<ProxyResponse> forward(ProxyRequest forwarded) {
        return answer;
    }

    @Override
    public String id() {
        return "0-1";
    }

    @Override
    public ProxyRequest request() {
        return request;
    }

    @Override
    public Route route() {
        return null;
    }

    @Override
    public Map<String, String> pathParameters() {
        return Map.of();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return PEER;
    }

    @Override
    public InetAddress clientAddress() {
        return PEER.getAddress();
    }

    @Override
    public <T> T attribute(AttributeKey<T> key) {
        return null;
    }

    @Override
    public <T> T putAttribute(AttributeKey<T> key, T value) {
        return null;
    }
}
