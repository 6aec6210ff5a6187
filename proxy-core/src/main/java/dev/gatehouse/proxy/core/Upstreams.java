package dev.gatehouse.proxy.core;

import dev.gatehouse.proxy.Upstream;
import java.util.List;

/**
 * Changes a running proxy's upstreams and reports on them; from {@link ReverseProxy#upstreams()}. Upstreams
 * are identified by {@code host:port}. Every change takes effect for the next request; requests in flight
 * are never cut. Thread-safe.
 */
public interface Upstreams {

    /**
     * Adds {@code upstream} to route {@code route}; it is health-checked like the others and, with slow
     * start on, ramps up.
     *
     * @return false if the route has that {@code host:port} already
     * @throws IllegalArgumentException if there is no such route
     */
    boolean add(String route, Upstream upstream);

    /**
     * Removes {@code upstream} from route {@code route}: it gets no new requests from the route; requests in
     * flight finish. When no route has it any more, its pooled connections close as they become idle.
     *
     * @return false if the route did not have it
     * @throws IllegalArgumentException if there is no such route
     */
    boolean remove(String route, Upstream upstream);

    /**
     * Drains {@code upstream} in every route: no new requests, requests in flight finish, idle connections
     * close. It stays configured and can be resumed.
     *
     * @throws IllegalArgumentException if no route has it
     */
    void drain(Upstream upstream);

    /**
     * Ends a drain.
     *
     * @throws IllegalArgumentException if no route has it
     */
    void resume(Upstream upstream);

    /** Returns the upstreams of route {@code route}, in the order added, with their weights. */
    List<Upstream> of(String route);

    /**
     * Returns what the proxy knows about {@code upstream} now.
     *
     * @throws IllegalArgumentException if no route has ever had it
     */
    UpstreamStatus status(Upstream upstream);
}
