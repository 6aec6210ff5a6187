package dev.gatehouse.proxy.filter;

import dev.gatehouse.proxy.ProxyRequest;
import dev.gatehouse.proxy.ProxyResponse;
import java.util.concurrent.CompletionStage;

/**
 * The rest of a filter chain: the filters after the current one, then the upstream.
 *
 * <p>Each filter gets its own chain object and may call {@link #proceed} at most once; a second call throws
 * {@link IllegalStateException}. The call is thread-safe and may be made from any thread.
 */
@FunctionalInterface
public interface FilterChain {

    /**
     * Passes {@code request} to the next filter, or upstream after the last one.
     *
     * @return the stage of the response; it fails with a {@link dev.gatehouse.proxy.ProxyException}
     *     subclass when the proxy answers with an error status of its own (404, 502, 503, 504)
     * @throws IllegalStateException if called a second time
     */
    CompletionStage<ProxyResponse> proceed(ProxyRequest request);
}
