package dev.gatehouse.proxy.core.internal.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Runs test code on an I/O thread of the proxy's own kind, as the reactor runs handlers. */
final class IoThreads {

    private IoThreads() {
    }

    interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} on a new {@link WorkerThread}, waits for it, and rethrows what it threw. */
    static void onIoThread(Body body) throws Throwable {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        WorkerThread thread = new WorkerThread(null, 0, () -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "test-io-0");
        thread.start();
        thread.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(thread.isAlive()).as("the I/O thread ended").isFalse();
        if (failure.get() != null) {
            throw failure.get();
        }
    }
}
