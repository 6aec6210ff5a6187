package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LoadBalancersTest {

    @Test
    void namesTheStrategiesThatNeedNoOptions() {
        for (String name : List.of("round-robin", "weighted-round-robin", "random", "weighted-random",
                "least-connections", "least-request", "peak-ewma")) {
            assertThat(LoadBalancers.named(name)).hasToString(name);
        }
        assertThat(LoadBalancers.named("peak-ewma")).isSameAs(LoadBalancers.peakEwma());
    }

    @Test
    void refusesOtherNamesListingTheKnownOnes() {
        assertThatThrownBy(() -> LoadBalancers.named("consistent-hash"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy \"consistent-hash\" (expected one of round-robin, weighted-round-robin, random, "
                        + "weighted-random, least-connections, least-request, peak-ewma)");
        assertThatThrownBy(() -> LoadBalancers.named("Round-Robin")).isInstanceOf(IllegalArgumentException.class);
    }
}
