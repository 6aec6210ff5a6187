package dev.gatehouse.proxy.core.internal.health;

import dev.gatehouse.proxy.core.internal.balancer.Balancing;
import dev.gatehouse.proxy.core.internal.client.UpstreamState;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health checking (Envoy's outlier detection): an upstream that fails {@code consecutiveFailures}
 * exchanges in a row (a 5xx response, a refused or reset connection, a timeout) is ejected for the base
 * ejection time multiplied by the number of times it has been ejected, up to the maximum; it is readmitted
 * afterwards. No ejection happens that would put more than the maximum share of all upstreams out at once.
 * Each ejection and readmission is logged once at WARN. Outcomes are counted on the I/O threads;
 * ejections happen on the control thread. Thread-safe.
 */
public final class OutlierDetector {

    private static final Logger logger = LoggerFactory.getLogger(OutlierDetector.class);

    private final Balancing balancing;
    private final ScheduledExecutorService control;
    private final IntSupplier upstreamCount;
    private int ejected;                  // control thread only

    /**
     * Creates the detector.
     *
     * @param upstreamCount the number of upstreams the proxy knows, for the maximum ejection share
     */
    public OutlierDetector(Balancing balancing, ScheduledExecutorService control, IntSupplier upstreamCount) {
        this.balancing = balancing;
        this.control = control;
        this.upstreamCount = upstreamCount;
    }

    /** Counts an exchange the upstream answered without a 5xx. */
    public void success(UpstreamState state) {
        state.recordSuccess();
    }

    /** Counts a failed exchange; the failure that completes a run may eject the upstream. */
    public void failure(UpstreamState state) {
        int threshold = balancing.consecutiveFailures();
        int run = state.recordFailure();
        if (threshold > 0 && run % threshold == 0 && !state.isEjected()) {
            try {
                control.execute(() -> eject(state, run));
            } catch (RejectedExecutionException stopping) {
                // The proxy is stopping.
            }
        }
    }

    private void eject(UpstreamState state, int run) {
        if (state.isEjected()) {
            return;
        }
        int total = upstreamCount.getAsInt();
        if ((ejected + 1) * 100L > (long) balancing.maxEjectionPercent() * total) {
            logger.debug("Upstream {} failed {} times in a row but stays in: {} of {} upstreams are ejected already",
                    state.upstream(), run, ejected, total);
            return;
        }
        ejected++;
        int times = state.eject();
        Duration duration = balancing.baseEjection().multipliedBy(times);
        if (duration.compareTo(balancing.maxEjection()) > 0) {
            duration = balancing.maxEjection();
        }
        logger.warn("Upstream {} ejected for {} ms after {} failures in a row (ejection {})", state.upstream(),
                duration.toMillis(), run, times);
        try {
            control.schedule(() -> readmit(state), duration.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            // The proxy is stopping.
        }
    }

    private void readmit(UpstreamState state) {
        ejected--;
        state.readmit();
        logger.warn("Upstream {} readmitted after its ejection", state.upstream());
    }
}
