package dev.gatehouse.proxy.core.internal.balancer;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * {@link System#nanoTime()} read once every few milliseconds by the control thread, so the balancer's hot
 * path can read the time with one volatile load instead of a clock call (about 20 ns each). Good for
 * decaying latency averages over seconds; never for timeouts. Thread-safe.
 *
 * <p>It ticks only while it is read: a tick that finds no read since the one before stops ticking, and the
 * next read reads the clock itself and starts the ticks again. An idle proxy then has no timer waking its
 * control thread (at a fixed 5 ms it woke it 200 times a second); a read after a pause is exact, and a read
 * while ticking is at most one period old, as before.
 */
public final class CoarseClock implements LongSupplier {

    private volatile long now = System.nanoTime();
    /** True while a tick is scheduled. */
    private final AtomicBoolean ticking = new AtomicBoolean();
    /** Set by a read, cleared by each tick: whether anyone read the time since the last tick. */
    private volatile boolean read;
    private volatile ScheduledExecutorService control;
    private long periodMillis;

    /** Ticks every {@code periodMillis} on {@code control} while the time is read. */
    public void start(ScheduledExecutorService control, long periodMillis) {
        this.periodMillis = periodMillis;
        this.control = control;
        resume();
    }

    @Override
    public long getAsLong() {
        if (!ticking.get()) {
            return resume();
        }
        if (!read) {
            read = true;
        }
        return now;
    }

    /** Returns true while a tick is scheduled: the time is being read. */
    boolean isTicking() {
        return ticking.get();
    }

    private long resume() {
        long time = System.nanoTime();
        now = time;
        read = true;
        ScheduledExecutorService executor = control;
        if (executor != null && ticking.compareAndSet(false, true)) {
            schedule(executor);
        }
        return time;
    }

    private void tick() {
        now = System.nanoTime();
        if (read) {
            read = false;
            schedule(control);
        } else {
            ticking.set(false);
        }
    }

    private void schedule(ScheduledExecutorService executor) {
        try {
            executor.schedule(this::tick, periodMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // The proxy is stopping: reads from now on read the clock themselves.
            control = null;
            ticking.set(false);
        }
    }
}
