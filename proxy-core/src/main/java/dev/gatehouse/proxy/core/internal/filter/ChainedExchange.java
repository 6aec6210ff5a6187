package dev.gatehouse.proxy.core.internal.filter;

import dev.gatehouse.proxy.ProxyRequest;
import dev.gatehouse.proxy.ProxyResponse;
import dev.gatehouse.proxy.filter.ProxyExchange;
import java.util.concurrent.CompletionStage;

/** The exchange as the chain runner drives it: it tracks the current request and ends at the upstream. */
public interface ChainedExchange extends ProxyExchange {

    /** Records the request the next filter (or the upstream) receives. */
    void currentRequest(ProxyRequest request);

    /** Sends {@code request} upstream; the stage completes with the response head or fails with a ProxyException. */
    CompletionStage<ProxyResponse> forward(ProxyRequest request);
}
