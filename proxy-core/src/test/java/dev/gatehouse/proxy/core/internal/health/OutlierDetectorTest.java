package dev.gatehouse.proxy.core.internal.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.core.internal.balancer.Balancing;
import dev.gatehouse.proxy.core.internal.client.UpstreamState;
import dev.gatehouse.proxy.core.internal.reactor.IoReactor;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {

    private final ScheduledThreadPoolExecutor control = new ScheduledThreadPoolExecutor(1);
    private final IoReactor reactor = new IoReactor("test", 1, IOReactorConfig.DEFAULT, (session, attachment) -> null);
    private final Balancing balancing = new Balancing(50, Duration.ZERO, 3, Duration.ofMillis(200),
            Duration.ofSeconds(2), 50, 10, 10, 20, 10);

    @AfterEach
    void tearDown() {
        control.shutdownNow();
    }

    private UpstreamState state(int i) {
        return new UpstreamState(Upstream.of("10.0.0." + i, 80), reactor, Timeout.ofSeconds(30), balancing, control,
                System::nanoTime);
    }

    @Test
    void ejectsAfterConsecutiveFailuresAndReadmitsAfterTheEjectionTime() {
        UpstreamState one = state(1);
        OutlierDetector detector = new OutlierDetector(balancing, control, () -> 2);
        detector.failure(one);
        detector.failure(one);
        detector.success(one);             // a success breaks the run
        detector.failure(one);
        detector.failure(one);
        assertThat(one.isEjected()).isFalse();
        detector.failure(one);
        await().atMost(Duration.ofSeconds(2)).until(one::isEjected);
        await().atMost(Duration.ofSeconds(2)).until(() -> !one.isEjected());
        assertThat(one.consecutiveFailures()).isZero();
    }

    @Test
    void neverEjectsMoreThanTheMaximumShare() throws Exception {
        UpstreamState one = state(1);
        UpstreamState two = state(2);
        OutlierDetector detector = new OutlierDetector(balancing, control, () -> 2);
        for (int i = 0; i < 3; i++) {
            detector.failure(one);
            detector.failure(two);
        }
        // Let the control thread run both decisions.
        control.submit(() -> { }).get();
        assertThat(one.isEjected() ^ two.isEjected()).as("exactly one of two is out at 50 %").isTrue();
    }
}
