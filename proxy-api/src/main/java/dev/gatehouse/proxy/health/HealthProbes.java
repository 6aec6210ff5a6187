package dev.gatehouse.proxy.health;

import dev.gatehouse.proxy.ProxyResponse;
import dev.gatehouse.proxy.Upstream;
import java.util.concurrent.CompletionStage;

/**
 * What a {@link HealthChecker} can ask the proxy to do: open a connection, or send a GET. Each probe uses
 * a connection of its own, closed afterwards, never one of the pooled connections that carry requests,
 * and is bounded by the proxy's health-check timeout. Thread-safe.
 */
public interface HealthProbes {

    /**
     * Connects to {@code upstream} and closes the connection again.
     *
     * @return a stage that completes when the connection was established, or fails (refused, timeout)
     */
    CompletionStage<Void> connect(Upstream upstream);

    /**
     * Sends {@code GET path} with {@code Host} set to the upstream's {@code host:port}.
     *
     * @return a stage of the response, with up to 64 KiB of its body buffered (the rest is dropped); it
     *     fails when the upstream refuses, resets, times out or answers something that is not HTTP/1.1
     */
    CompletionStage<ProxyResponse> get(Upstream upstream, String path);
}
