package dev.gatehouse.proxy.balancer;

/**
 * Live figures about the upstreams a selector was made for, kept by the proxy and indexed like the list
 * given to {@link LoadBalancingStrategy#newSelector}. Reading a figure takes no lock and allocates nothing.
 *
 * <p>Implementations are thread-safe; the figures change as traffic flows, so two reads may differ.
 */
public interface UpstreamStats {

    /** Returns the number of requests to the upstream at {@code index} that have not completed yet. */
    int inFlight(int index);
}
