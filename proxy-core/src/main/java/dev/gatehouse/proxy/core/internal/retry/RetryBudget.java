package dev.gatehouse.proxy.core.internal.retry;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A route's retry budget (the Finagle and Linkerd idea): over the last ten seconds, retries may be at most
 * a share of the requests, except that a few retries a second are always allowed. It is what stops a
 * retry policy from multiplying the load on the upstreams that are left when many fail at once.
 *
 * <p>Counts live in one-second slots, rotated as time passes. Lock-free; when two threads rotate or count
 * at the same instant a count may be lost, which only makes the budget a little more or less generous
 * for that second.
 */
public final class RetryBudget {

    private static final int SLOTS = 10;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final int percent;
    private final int minPerSecond;
    private final AtomicLongArray stamps = new AtomicLongArray(SLOTS);
    private final AtomicLongArray requests = new AtomicLongArray(SLOTS);
    private final AtomicLongArray retries = new AtomicLongArray(SLOTS);

    /**
     * Creates a budget.
     *
     * @param percent the share of requests that may be retried, 0 to 100
     * @param minPerSecond the retries a second always allowed
     */
    public RetryBudget(int percent, int minPerSecond) {
        this.percent = percent;
        this.minPerSecond = minPerSecond;
        for (int i = 0; i < SLOTS; i++) {
            stamps.set(i, Long.MIN_VALUE);
        }
    }

    /** Counts a request that was forwarded; {@code now} in nanoseconds. */
    public void recordRequest(long now) {
        requests.incrementAndGet(slot(now / SECOND));
    }

    /** Takes one retry from the budget and returns true, or returns false when the budget is spent. */
    public boolean tryRetry(long now) {
        long second = now / SECOND;
        int current = slot(second);
        long windowRequests = 0;
        long windowRetries = 0;
        for (int i = 0; i < SLOTS; i++) {
            long stamp = stamps.get(i);
            if (stamp > second - SLOTS && stamp <= second) {
                windowRequests += requests.get(i);
                windowRetries += retries.get(i);
            }
        }
        boolean allowed = retries.get(current) < minPerSecond || (windowRetries + 1) * 100 <= windowRequests * percent;
        if (allowed) {
            retries.incrementAndGet(current);
        }
        return allowed;
    }

    /** Returns the slot of {@code second}, clearing it first if it still holds an older second. */
    private int slot(long second) {
        int index = (int) Math.floorMod(second, (long) SLOTS);
        long stamp = stamps.get(index);
        if (stamp != second && stamps.compareAndSet(index, stamp, second)) {
            requests.set(index, 0);
            retries.set(index, 0);
        }
        return index;
    }

    @Override
    public String toString() {
        return "RetryBudget[" + percent + "% + " + minPerSecond + "/s]";
    }
}
