package dev.gatehouse.proxy.core.internal.balancer;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.balancer.LoadBalancingStrategy;
import dev.gatehouse.proxy.balancer.UpstreamSelector;
import dev.gatehouse.proxy.balancer.UpstreamStats;
import dev.gatehouse.proxy.core.internal.client.UpstreamState;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A route's upstreams at run time. The configured members persist (with their in-flight counters); what
 * the balancer sees is an immutable {@link Snapshot} of the members that may take requests now, with
 * their effective weights and the selector the strategy made for them. A snapshot is rebuilt off the
 * request path whenever membership, availability or a slow-start ramp changes, and replaces the previous
 * one with one volatile write. Thread-safe.
 */
public final class UpstreamGroup {

    private static final Logger logger = LoggerFactory.getLogger(UpstreamGroup.class);

    private final String route;
    private final LoadBalancingStrategy strategy;
    private final Balancing balancing;
    private final ScheduledExecutorService control;
    private final LongSupplier ticker;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final List<Member> members = new ArrayList<>();      // guarded by this
    private final Runnable rebuildLater = this::scheduleRebuild;
    private volatile Snapshot snapshot;
    private boolean panicking;                                    // guarded by this
    private boolean rampTickScheduled;                            // guarded by this

    /**
     * Creates the group and its first snapshot.
     *
     * @param upstreams the route's upstreams, with their weights
     * @param states the runtime state of each, indexed like {@code upstreams}
     */
    public UpstreamGroup(String route, LoadBalancingStrategy strategy, List<Upstream> upstreams,
                         List<UpstreamState> states, Balancing balancing, ScheduledExecutorService control,
                         LongSupplier ticker) {
        this.route = route;
        this.strategy = strategy;
        this.balancing = balancing;
        this.control = control;
        this.ticker = ticker;
        for (int i = 0; i < upstreams.size(); i++) {
            members.add(new Member(this, upstreams.get(i), states.get(i)));
            states.get(i).onChange(rebuildLater);
        }
        rebuild();
    }

    /** Returns the current snapshot: select through it, then map the pick back with {@link Snapshot#member}. */
    public Snapshot snapshot() {
        return snapshot;
    }

    /** Returns the strategy. */
    public LoadBalancingStrategy strategy() {
        return strategy;
    }

    /** Returns the route's name. */
    public String route() {
        return route;
    }

    /** Returns the configured upstreams, available or not. */
    public synchronized List<Upstream> upstreams() {
        List<Upstream> upstreams = new ArrayList<>();
        for (Member member : members) {
            upstreams.add(member.upstream);
        }
        return upstreams;
    }

    /** Adds an upstream; it ramps up if slow start is on. Returns false if its {@code host:port} is a member already. */
    public boolean add(Upstream upstream, UpstreamState state) {
        synchronized (this) {
            for (Member member : members) {
                if (member.state == state) {
                    return false;
                }
            }
            members.add(new Member(this, upstream, state));
            state.onChange(rebuildLater);
        }
        rebuild();
        return true;
    }

    /**
     * Removes the member with {@code state}: it gets no new requests from this route at once; requests in
     * flight finish. Returns false if it was not a member.
     */
    public boolean remove(UpstreamState state) {
        synchronized (this) {
            if (!members.removeIf(member -> member.state == state)) {
                return false;
            }
            state.removeOnChange(rebuildLater);
        }
        rebuild();
        return true;
    }

    /** Returns true when {@code state} is one of the configured members. */
    public synchronized boolean contains(UpstreamState state) {
        for (Member member : members) {
            if (member.state == state) {
                return true;
            }
        }
        return false;
    }

    private void scheduleRebuild() {
        try {
            control.execute(this::rebuild);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // The proxy is stopping: nothing to route any more.
        }
    }

    /**
     * Builds and publishes a new snapshot. Members that may not take requests are left out, unless fewer
     * than the panic threshold could, in which case every member that is not draining is kept: spreading
     * over all of them beats overloading the last healthy few (Envoy's panic mode).
     */
    public synchronized void rebuild() {
        long now = ticker.getAsLong();
        List<Member> candidates = new ArrayList<>();
        int notDraining = 0;
        for (Member member : members) {
            if (!member.state.isDraining()) {
                notDraining++;
            }
            if (member.state.isAvailable()) {
                candidates.add(member);
            }
        }
        boolean panic = notDraining > 0 && balancing.panicThreshold() > 0
                && candidates.size() * 100 < notDraining * balancing.panicThreshold();
        if (panic) {
            candidates.clear();
            for (Member member : members) {
                if (!member.state.isDraining()) {
                    candidates.add(member);
                }
            }
        }
        if (panic != panicking) {
            panicking = panic;
            if (panic) {
                logger.warn("Route '{}' is in panic mode: too few upstreams are healthy, so requests go to all {} of them",
                        route, candidates.size());
            } else {
                logger.warn("Route '{}' left panic mode", route);
            }
        }
        boolean ramping = false;
        int[] weights = new int[candidates.size()];
        for (int i = 0; i < weights.length; i++) {
            Member member = candidates.get(i);
            double ramp = member.state.ramp(now);
            ramping |= ramp < 1.0;
            weights[i] = (int) Math.max(1, Math.round(member.upstream.weight() * 1000.0 * ramp));
        }
        Snapshot next;
        try {
            next = new Snapshot(this, candidates.toArray(new Member[0]), weights, panic);
        } catch (RuntimeException e) {
            logger.error("Route '{}': the load-balancing strategy {} failed to make a selector; keeping the previous one",
                    route, strategy, e);
            return;
        }
        snapshot = next;
        if (ramping && !rampTickScheduled) {
            rampTickScheduled = true;
            long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(100), balancing.slowStart().toNanos() / 20);
            try {
                control.schedule(() -> {
                    synchronized (this) {
                        rampTickScheduled = false;
                    }
                    rebuild();
                }, tick, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                rampTickScheduled = false;
            }
        }
    }

    /** Stops listening to the members' states; called when the proxy stops. */
    public synchronized void close() {
        for (Member member : members) {
            member.state.removeOnChange(rebuildLater);
        }
    }

    /** One configured upstream of the route, with the route's own count of requests in flight to it. */
    public static final class Member {
        private static final VarHandle IN_FLIGHT;

        static {
            try {
                IN_FLIGHT = MethodHandles.lookup().findVarHandle(Member.class, "inFlight", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final UpstreamGroup group;
        private final Upstream upstream;
        private final UpstreamState state;
        /**
         * A field of its own rather than an AtomicInteger: least connections reads every member's per pick.
         * Changed atomically; read without ordering (a balancing hint may be a moment old), which lets a scan
         * over many members overlap its loads.
         */
        private int inFlight;

        Member(UpstreamGroup group, Upstream upstream, UpstreamState state) {
            this.group = group;
            this.upstream = upstream;
            this.state = state;
        }

        /** Returns the upstream as the route configured it. */
        public Upstream upstream() {
            return upstream;
        }

        /** Returns the upstream's shared state. */
        public UpstreamState state() {
            return state;
        }

        /**
         * Counts a request that starts: for the upstream, this route and the group; unless the upstream is at
         * its most requests at once.
         *
         * @return false, counting nothing, when the upstream is at its limit
         */
        public boolean tryRequestStarted() {
            if (!state.tryRequestStarted()) {
                return false;
            }
            IN_FLIGHT.getAndAdd(this, 1);
            group.inFlight.incrementAndGet();
            return true;
        }

        /** Counts a request that ended. */
        public void requestEnded() {
            IN_FLIGHT.getAndAdd(this, -1);
            group.inFlight.decrementAndGet();
            state.requestEnded();
        }

        /** Returns this route's requests in flight to the upstream. */
        public int inFlight() {
            return (int) IN_FLIGHT.getOpaque(this);
        }
    }

    /** The members that may take requests now, their effective weights and the selector made for them. */
    public static final class Snapshot implements UpstreamStats {
        private final UpstreamGroup group;
        private final Member[] members;
        private final int[] weights;
        private final boolean panic;
        private final Map<Upstream, Member> index = new IdentityHashMap<>();
        private final UpstreamSelector selector;

        Snapshot(UpstreamGroup group, Member[] members, int[] weights, boolean panic) {
            this.group = group;
            this.members = members;
            this.weights = weights;
            this.panic = panic;
            List<Upstream> upstreams = new ArrayList<>(members.length);
            for (Member member : members) {
                upstreams.add(member.upstream);
                index.put(member.upstream, member);
            }
            if (members.length == 0) {
                this.selector = exchange -> null;
            } else {
                UpstreamSelector made = group.strategy.newSelector(List.copyOf(upstreams), this);
                if (made == null) {
                    throw new IllegalStateException("strategy " + group.strategy + " returned a null selector");
                }
                this.selector = made;
            }
        }

        /** Returns the selector. */
        public UpstreamSelector selector() {
            return selector;
        }

        /** Returns the member for an upstream this snapshot's selector returned, or null for any other object. */
        public Member member(Upstream upstream) {
            return index.get(upstream);
        }

        /** Returns the member at {@code index}, from 0 to {@link #size()} - 1. */
        public Member member(int index) {
            return members[index];
        }

        /** Returns the number of members. */
        public int size() {
            return members.length;
        }

        /** Returns true when the route is in panic mode. */
        public boolean isPanic() {
            return panic;
        }

        @Override
        public int inFlight(int index) {
            return members[index].inFlight;
        }

        @Override
        public int totalInFlight() {
            return group.inFlight.get();
        }

        @Override
        public long latencyNanos(int index) {
            return members[index].state.latencyNanos(group.ticker.getAsLong());
        }

        @Override
        public int weight(int index) {
            return weights[index];
        }
    }
}
