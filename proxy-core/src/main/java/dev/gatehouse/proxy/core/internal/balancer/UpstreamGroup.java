package dev.gatehouse.proxy.core.internal.balancer;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.balancer.UpstreamSelector;
import dev.gatehouse.proxy.balancer.UpstreamStats;
import dev.gatehouse.proxy.core.internal.client.UpstreamState;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A route's upstreams at run time: the selector its strategy made, and the state of each upstream. When
 * membership changes, a new set of members with a new selector replaces the old one as a whole (one
 * volatile write); nothing is edited in place. Thread-safe.
 */
public final class UpstreamGroup {

    private final LoadBalancingStrategy strategy;
    private volatile Members members;

    /**
     * Creates the group.
     *
     * @param upstreams the route's upstreams, with their weights
     * @param states the runtime state of each, indexed like {@code upstreams}
     */
    public UpstreamGroup(LoadBalancingStrategy strategy, List<Upstream> upstreams, List<UpstreamState> states) {
        this.strategy = strategy;
        this.members = new Members(strategy, upstreams, states);
    }

    /** Returns the selector for the current members. */
    public UpstreamSelector selector() {
        return members.selector;
    }

    /**
     * Returns the state of {@code upstream}, which must be one of the instances the current selector was
     * made with; null for any other object (a selector that broke its contract).
     */
    public UpstreamState state(Upstream upstream) {
        return members.index.get(upstream);
    }

    /** Returns the upstreams of the current members. */
    public List<Upstream> upstreams() {
        return members.upstreams;
    }

    /** Returns the strategy. */
    public LoadBalancingStrategy strategy() {
        return strategy;
    }

    /** One immutable set of members and the selector made for it; also the stats view it was given. */
    private static final class Members implements UpstreamStats {
        final List<Upstream> upstreams;
        final UpstreamState[] states;
        final Map<Upstream, UpstreamState> index = new IdentityHashMap<>();
        final UpstreamSelector selector;

        Members(LoadBalancingStrategy strategy, List<Upstream> upstreams, List<UpstreamState> states) {
            this.upstreams = List.copyOf(upstreams);
            this.states = states.toArray(new UpstreamState[0]);
            for (int i = 0; i < this.states.length; i++) {
                index.put(this.upstreams.get(i), this.states[i]);
            }
            UpstreamSelector made = strategy.newSelector(this.upstreams, this);
            if (made == null) {
                throw new IllegalStateException("strategy " + strategy + " returned a null selector");
            }
            this.selector = made;
        }

        @Override
        public int inFlight(int index) {
            return states[index].inFlight();
        }
    }
}
