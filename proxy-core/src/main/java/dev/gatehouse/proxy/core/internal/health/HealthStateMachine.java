package dev.gatehouse.proxy.core.internal.health;

/**
 * Turns a sequence of check results into a state: unhealthy after {@code fall} failed checks in a row,
 * healthy again after {@code rise} passed checks in a row (HAProxy's {@code fall} and {@code rise}). An
 * upstream starts healthy, so a proxy serves at once. A flapping upstream changes state at most once per
 * {@code rise} (or {@code fall}) checks. Not thread-safe: one instance per upstream, driven from one thread.
 */
final class HealthStateMachine {

    private final int rise;
    private final int fall;
    private boolean healthy = true;
    private int run;          // checks in a row that disagree with the current state

    HealthStateMachine(int rise, int fall) {
        this.rise = rise;
        this.fall = fall;
    }

    /**
     * Records one result.
     *
     * @return true when the state changed
     */
    boolean record(boolean passed) {
        if (passed == healthy) {
            run = 0;
            return false;
        }
        run++;
        if (run >= (healthy ? fall : rise)) {
            healthy = passed;
            run = 0;
            return true;
        }
        return false;
    }

    boolean isHealthy() {
        return healthy;
    }

    /** Returns how many checks in a row have disagreed with the current state. */
    int run() {
        return run;
    }
}
