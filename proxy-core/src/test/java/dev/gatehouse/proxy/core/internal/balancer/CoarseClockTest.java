package dev.gatehouse.proxy.core.internal.balancer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/** The coarse clock ticks while it is read, stops when nobody reads it, and is exact on the first read after. */
class CoarseClockTest {

    @Test
    void ticksOnlyWhileReadAndReadsTheClockItselfAfterAPause() {
        ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor();
        try {
            CoarseClock clock = new CoarseClock();
            clock.start(control, 5);
            assertThat(clock.isTicking()).isTrue();

            // Nobody reads it: the next tick finds no read and stops.
            await().atMost(Duration.ofSeconds(5)).until(() -> !clock.isTicking());

            long before = System.nanoTime();
            long first = clock.getAsLong();
            assertThat(first).isGreaterThanOrEqualTo(before);
            assertThat(clock.isTicking()).isTrue();

            // Read again and again: the ticks go on and the time moves.
            await().atMost(Duration.ofSeconds(5)).until(() -> clock.getAsLong() > first && clock.isTicking());
        } finally {
            control.shutdownNow();
        }
    }
}
