package dev.gatehouse.proxy.balancer;

/**
 * Live figures about the upstreams a selector was made for, kept by the proxy and indexed like the list
 * given to {@link LoadBalancingStrategy#newSelector}. Reading a figure takes no lock and allocates nothing.
 *
 * <p>Implementations are thread-safe; the figures change as traffic flows, so two reads may differ.
 */
public interface UpstreamStats {

    /** Returns the number of this route's requests to the upstream at {@code index} that have not completed. */
    int inFlight(int index);

    /** Returns the number of this route's requests in flight over all its upstreams. */
    int totalInFlight();

    /**
     * Returns the upstream's response latency as a peak-sensitive moving average (peak EWMA): it jumps to a
     * slower sample at once and decays towards faster ones, and towards zero while nothing is measured, so
     * an upstream that was avoided is tried again. Zero before the first response.
     */
    long latencyNanos(int index);

    /**
     * Returns the effective weight in thousandths: {@code upstream.weight() * 1000}, reduced while the
     * upstream ramps up after joining or recovering (slow start). Weighted strategies use this, not
     * {@link dev.gatehouse.proxy.Upstream#weight()}. Always at least 1.
     */
    int weight(int index);
}
