package dev.gatehouse.proxy.core.internal.balancer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.core.LoadBalancers;
import dev.gatehouse.proxy.core.internal.client.UpstreamState;
import dev.gatehouse.proxy.core.internal.reactor.IoReactor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which members a route's snapshot holds, and with which weights, as health, drains and ramps change. */
class UpstreamGroupTest {

    private final AtomicLong now = new AtomicLong(TimeUnit.SECONDS.toNanos(1000));
    private ScheduledThreadPoolExecutor control;
    private IoReactor reactor;

    @BeforeEach
    void setUp() {
        control = new ScheduledThreadPoolExecutor(1);
        reactor = new IoReactor("test", 1, IOReactorConfig.DEFAULT, (session, attachment) -> null);
    }

    @AfterEach
    void tearDown() {
        control.shutdownNow();
    }

    private List<UpstreamState> states(Balancing balancing, int count) {
        List<UpstreamState> states = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            states.add(new UpstreamState(Upstream.of("10.0.0." + (i + 1), 80), reactor, Timeout.ofSeconds(30),
                    balancing, control, now::get));
        }
        return states;
    }

    private UpstreamGroup group(Balancing balancing, List<UpstreamState> states) {
        List<Upstream> upstreams = new ArrayList<>();
        for (UpstreamState state : states) {
            upstreams.add(state.upstream());
        }
        return new UpstreamGroup("r", LoadBalancers.weightedRoundRobin(), upstreams, states, balancing, control, now::get);
    }

    @Test
    void leavesOutUnavailableMembersUntilTooFewAreLeftThenPanics() {
        List<UpstreamState> states = states(Balancing.DEFAULTS, 4);
        UpstreamGroup group = group(Balancing.DEFAULTS, states);
        assertThat(group.snapshot().size()).isEqualTo(4);

        states.get(0).activeHealth(false);
        group.rebuild();
        assertThat(group.snapshot().size()).isEqualTo(3);
        assertThat(group.snapshot().isPanic()).isFalse();

        states.get(1).activeHealth(false);
        states.get(2).eject();
        group.rebuild();
        // One of four available is below the 50 % threshold: all four take traffic again.
        assertThat(group.snapshot().size()).isEqualTo(4);
        assertThat(group.snapshot().isPanic()).isTrue();
    }

    @Test
    void answersNothingWhenNoneIsAvailableAndPanicIsOff() {
        Balancing noPanic = new Balancing(0, Duration.ZERO, 5, Duration.ofSeconds(30), Duration.ofSeconds(300), 50, 10, 10, 20, 10);
        List<UpstreamState> states = states(noPanic, 2);
        UpstreamGroup group = group(noPanic, states);
        states.forEach(state -> state.activeHealth(false));
        group.rebuild();
        assertThat(group.snapshot().size()).isZero();
        assertThat(group.snapshot().selector().select(DistributionTest.exchange(null))).isNull();
    }

    @Test
    void neverRoutesToADrainingMemberEvenInPanic() {
        List<UpstreamState> states = states(Balancing.DEFAULTS, 2);
        UpstreamGroup group = group(Balancing.DEFAULTS, states);
        states.get(0).drain(true);
        states.get(1).activeHealth(false);
        group.rebuild();
        assertThat(group.snapshot().size()).isEqualTo(1);
        assertThat(group.snapshot().member(states.get(1).upstream())).isNotNull();
    }

    @Test
    void rampsARecoveredMemberFromATenthToItsFullWeight() {
        Balancing slow = new Balancing(50, Duration.ofSeconds(10), 5, Duration.ofSeconds(30), Duration.ofSeconds(300), 50, 10, 10, 20, 10);
        List<UpstreamState> states = states(slow, 2);
        UpstreamGroup group = group(slow, states);
        assertThat(group.snapshot().weight(0)).isEqualTo(1000);         // no ramp at start

        states.get(0).activeHealth(false);
        states.get(0).activeHealth(true);
        group.rebuild();
        assertThat(group.snapshot().weight(0)).isEqualTo(100);          // a tenth at first
        now.addAndGet(TimeUnit.SECONDS.toNanos(5));
        group.rebuild();
        assertThat(group.snapshot().weight(0)).isEqualTo(500);
        now.addAndGet(TimeUnit.SECONDS.toNanos(6));
        group.rebuild();
        assertThat(group.snapshot().weight(0)).isEqualTo(1000);
        assertThat(group.snapshot().weight(1)).isEqualTo(1000);
    }

    @Test
    void addsAndRemovesMembers() {
        List<UpstreamState> states = states(Balancing.DEFAULTS, 3);
        UpstreamGroup group = group(Balancing.DEFAULTS, states.subList(0, 2));
        assertThat(group.add(states.get(2).upstream(), states.get(2))).isTrue();
        assertThat(group.add(states.get(2).upstream(), states.get(2))).isFalse();
        assertThat(group.snapshot().size()).isEqualTo(3);
        assertThat(group.remove(states.get(0))).isTrue();
        assertThat(group.snapshot().size()).isEqualTo(2);
        assertThat(group.snapshot().member(states.get(0).upstream())).isNull();
        assertThat(group.upstreams()).containsExactly(states.get(1).upstream(), states.get(2).upstream());
    }

    @Test
    void decaysTheLatencyOfAnUpstreamThatIsNotMeasured() {
        UpstreamState state = states(Balancing.DEFAULTS, 1).get(0);
        state.recordLatency(TimeUnit.MILLISECONDS.toNanos(100), now.get());
        assertThat(state.latencyNanos(now.get())).isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        state.recordLatency(TimeUnit.MILLISECONDS.toNanos(10), now.get() + 1);      // lower: averaged in
        assertThat(state.latencyNanos(now.get() + 1)).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(90));
        state.recordLatency(TimeUnit.MILLISECONDS.toNanos(500), now.get() + 2);     // higher: taken at once
        assertThat(state.latencyNanos(now.get() + 2)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        long later = now.get() + TimeUnit.SECONDS.toNanos(30);
        assertThat(state.latencyNanos(later)).isLessThan(TimeUnit.MILLISECONDS.toNanos(30));
    }

    @Test
    void decaysAsTheExponentialDoesOnBothSidesOfTheShortcut() {
        UpstreamState state = states(Balancing.DEFAULTS, 1).get(0);
        long sample = TimeUnit.MILLISECONDS.toNanos(100);
        long tau = TimeUnit.SECONDS.toNanos(10);
        state.recordLatency(sample, now.get());
        for (double x : new double[] {0.001, 0.05, 0.0999, 0.1, 0.5, 2}) {
            double expected = sample * Math.exp(-x);
            assertThat((double) state.latencyNanos(now.get() + (long) (x * tau)))
                    .isCloseTo(expected, withinPercentage(0.02));
        }
        // A reading older than the last sample (another I/O thread's) decays nothing and amplifies nothing.
        assertThat(state.latencyNanos(now.get() - 1000)).isEqualTo(sample);
        state.recordLatency(sample / 2, now.get() - 1000);
        assertThat(state.latencyNanos(now.get() - 1000)).isEqualTo(sample);
        // A lower sample half a tau later weighs 1 - exp(-0.5).
        state.recordLatency(0, now.get() - 1000 + tau / 2);
        assertThat((double) state.latencyNanos(now.get() - 1000 + tau / 2))
                .isCloseTo(sample * Math.exp(-0.5), withinPercentage(0.02));
    }
}
