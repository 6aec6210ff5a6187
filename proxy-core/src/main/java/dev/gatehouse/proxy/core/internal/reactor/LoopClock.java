package dev.gatehouse.proxy.core.internal.reactor;

/**
 * The exchange's clock: {@link System#nanoTime()}, read at most once per event an I/O thread handles. Within
 * one protocol handler callback (a session's read or write event, or a write it deferred to the end of the
 * select) every call returns the time of the first call; the next callback reads the clock again. A small
 * exchange asks the time five or more times (when its head began, the pool's idle check, when the request went
 * out, the latency when the response came back, when the connection went idle, and more with a retry budget or
 * a deadline), all in three callbacks (reading the request, writing it upstream, reading the response), so it
 * costs three clock reads. NGINX and HAProxy do the like with the time they read once per turn of their event
 * loop; here the time is read per connection event, so it is never older than the work one connection's event
 * does (microseconds, or the copying of one body window).
 *
 * <p>On any thread other than an I/O thread in a callback (the control thread, a filter's own thread, code
 * the reactor runs outside the handlers) it is {@link System#nanoTime()}.
 */
public final class LoopClock {

    private LoopClock() {
    }

    /** Returns the time in nanoseconds, on {@link System#nanoTime()}'s scale. */
    public static long nanoTime() {
        Thread current = Thread.currentThread();
        return current instanceof WorkerThread ? ((WorkerThread) current).nanoTime() : System.nanoTime();
    }
}
