package dev.gatehouse.proxy.balancer;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.filter.ProxyExchange;

/**
 * Picks the upstream for one exchange. This is the hot path: no locks, no allocation, no logging, no I/O.
 *
 * <p>Implementations must be thread-safe: {@link #select} is called from every I/O thread at once.
 */
@FunctionalInterface
public interface UpstreamSelector {

    /**
     * Returns one of the upstreams this selector was made for, or null when none can take the exchange
     * (the proxy then answers 503).
     */
    Upstream select(ProxyExchange exchange);
}
