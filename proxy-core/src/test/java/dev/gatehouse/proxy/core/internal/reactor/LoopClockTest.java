package dev.gatehouse.proxy.core.internal.reactor;

import static dev.gatehouse.proxy.core.internal.reactor.IoThreads.onIoThread;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoopClockTest {

    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

    /** Spins until the system clock has moved on by at least a millisecond from {@code from}. */
    private static void clockPasses(long from) {
        while (System.nanoTime() - from < MILLI) {
            Thread.onSpinWait();
        }
    }

    @Test
    void anIoThreadReadsTheClockOncePerCallback() throws Throwable {
        long[] seen = new long[6];
        onIoThread(() -> {
            seen[0] = LoopClock.nanoTime();              // outside a callback: the clock itself
            clockPasses(seen[0]);
            WorkerThread callback = WorkerThread.callbackStarted();
            seen[1] = LoopClock.nanoTime();
            clockPasses(seen[1]);
            WorkerThread nested = WorkerThread.callbackStarted();
            seen[2] = LoopClock.nanoTime();              // a nested callback keeps the reading
            nested.callbackEnded();
            seen[3] = LoopClock.nanoTime();
            callback.callbackEnded();
            seen[4] = LoopClock.nanoTime();              // after it: the clock again
            WorkerThread next = WorkerThread.callbackStarted();
            seen[5] = LoopClock.nanoTime();              // the next callback reads anew
            next.callbackEnded();
        });
        assertThat(seen[1]).isGreaterThanOrEqualTo(seen[0] + MILLI);
        assertThat(seen[2]).isEqualTo(seen[1]);
        assertThat(seen[3]).isEqualTo(seen[1]);
        assertThat(seen[4]).isGreaterThanOrEqualTo(seen[1] + MILLI);
        assertThat(seen[5]).isGreaterThanOrEqualTo(seen[4]);
    }

    @Test
    void anyOtherThreadReadsTheClockEveryTime() {
        long first = LoopClock.nanoTime();
        clockPasses(first);
        assertThat(LoopClock.nanoTime()).isGreaterThanOrEqualTo(first + MILLI);
    }
}
