package dev.gatehouse.proxy.core.internal.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HealthStateMachineTest {

    @Test
    void turnsUnhealthyAfterFallFailuresAndHealthyAfterRisePasses() {
        HealthStateMachine machine = new HealthStateMachine(2, 3);
        assertThat(machine.isHealthy()).isTrue();
        assertThat(machine.record(false)).isFalse();
        assertThat(machine.record(false)).isFalse();
        assertThat(machine.record(true)).isFalse();       // a pass in between starts the count again
        assertThat(machine.record(false)).isFalse();
        assertThat(machine.record(false)).isFalse();
        assertThat(machine.record(false)).isTrue();
        assertThat(machine.isHealthy()).isFalse();
        assertThat(machine.record(true)).isFalse();
        assertThat(machine.record(true)).isTrue();
        assertThat(machine.isHealthy()).isTrue();
    }

    @Test
    void aFlappingUpstreamNeverChangesStateWithThresholdsAboveOne() {
        HealthStateMachine machine = new HealthStateMachine(2, 3);
        int changes = 0;
        for (int i = 0; i < 1000; i++) {
            if (machine.record(i % 2 == 0)) {
                changes++;
            }
        }
        assertThat(changes).isZero();
        assertThat(machine.isHealthy()).isTrue();
    }
}
