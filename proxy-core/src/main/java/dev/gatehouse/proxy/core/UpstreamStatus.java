package dev.gatehouse.proxy.core;

/**
 * A snapshot of what the proxy knows about one upstream.
 *
 * @param available whether it may take new requests now: healthy, not ejected, not draining
 * @param healthy whether the active health checks last judged it healthy (true when none run)
 * @param ejected whether passive health checking keeps it out after consecutive failures
 * @param draining whether it is drained
 * @param inFlight requests in flight to it, over all routes
 * @param openConnections connections open to it (leased, idle or connecting)
 * @param idleConnections connections waiting in the pools
 * @param connectionsOpened connections opened to it since the proxy started
 * @param waiting requests waiting for a connection because it is at its connection limit
 */
public record UpstreamStatus(boolean available, boolean healthy, boolean ejected, boolean draining, int inFlight,
                             int openConnections, int idleConnections, long connectionsOpened, int waiting) {
}
