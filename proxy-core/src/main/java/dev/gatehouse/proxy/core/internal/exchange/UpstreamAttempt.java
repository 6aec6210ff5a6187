package dev.gatehouse.proxy.core.internal.exchange;

import dev.gatehouse.proxy.core.internal.balancer.UpstreamGroup;
import dev.gatehouse.proxy.core.internal.client.LeaseCallback;
import dev.gatehouse.proxy.core.internal.client.UpstreamConnection;
import dev.gatehouse.proxy.core.internal.client.UpstreamPool;
import dev.gatehouse.proxy.core.internal.client.UpstreamState;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncClientExchangeHandler;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.RequestChannel;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.apache.hc.core5.util.Timeout;

/**
 * One try at sending an exchange's request to one upstream: the upstream side of the exchange as HttpCore
 * drives it. Its state is guarded by the exchange's lock, and every callback hands over to the
 * {@link Exchange}, which owns both directions; so the client's I/O thread and the upstream's never touch
 * the same buffer at once (the flaw of HttpCore's own reverse-proxy example, where each side had a lock).
 */
final class UpstreamAttempt implements AsyncClientExchangeHandler, LeaseCallback {

    final Exchange exchange;
    final UpstreamGroup.Member member;
    final UpstreamState state;
    final UpstreamPool pool;
    final HttpRequest head;
    final EntityDetails entity;
    final Timeout connectTimeout;
    final Timeout responseTimeout;
    final Timeout idleTimeout;
    /** Whether this attempt holds one of its upstream's retry slots. */
    final boolean retry;

    // All guarded by exchange.lock.
    UpstreamConnection connection;
    boolean abandoned;
    boolean released;
    boolean ended;
    DataStreamChannel channel;
    boolean requestHeadSent;
    boolean requestComplete;
    boolean requestAborted;
    CapacityChannel capacity;
    boolean responseHeadReceived;
    EntityDetails responseEntity;
    boolean responseComplete;
    List<? extends Header> responseTrailers;
    final BodyPipe responsePipe = new BodyPipe();
    long responseDone;
    long responseCredited;
    boolean bodyFailed;
    int informational;
    long sentAt;
    boolean outcomeRecorded;
    /** Set once the exchange has dealt with this attempt's failure; it takes no more body. */
    boolean failed;
    /** Set when the response's framing was in doubt (both a length and chunked): the connection is not reused. */
    boolean noReuse;
    /** How much of a kept (replayable) request body this attempt has sent. */
    long bodySent;

    /**
     * Creates an attempt on {@code member}, which has already counted it ({@link UpstreamGroup.Member#tryRequestStarted},
     * and {@link UpstreamState#tryRetryStarted} when {@code retry}); {@link #end()} gives both back.
     */
    UpstreamAttempt(Exchange exchange, UpstreamGroup.Member member, UpstreamPool pool, HttpRequest head,
                    EntityDetails entity, Timeout connectTimeout, Timeout responseTimeout, Timeout idleTimeout,
                    boolean retry) {
        this.exchange = exchange;
        this.member = member;
        this.state = member.state();
        this.pool = pool;
        this.head = head;
        this.entity = entity;
        this.connectTimeout = connectTimeout;
        this.responseTimeout = responseTimeout;
        this.idleTimeout = idleTimeout;
        this.retry = retry;
    }

    /** Leases a connection; the exchange continues in {@link #leased} or {@link #leaseFailed}. */
    void start() {
        pool.lease(connectTimeout, this);
    }

    // --- LeaseCallback

    @Override
    public void leased(UpstreamConnection leased, boolean reused) {
        exchange.attemptLeased(this, leased);
    }

    @Override
    public void leaseFailed(Exception cause) {
        exchange.attemptFailed(this, cause);
    }

    // --- AsyncClientExchangeHandler: HttpCore calls these on the upstream connection's I/O thread.

    @Override
    public void produceRequest(RequestChannel requestChannel, HttpContext context) throws HttpException, java.io.IOException {
        exchange.lock.lock();
        try {
            requestHeadSent = true;
            sentAt = state.ticker().getAsLong();
            if (entity == null) {
                requestComplete = true;
            }
        } finally {
            exchange.lock.unlock();
        }
        requestChannel.sendRequest(head, entity, context);
    }

    @Override
    public int available() {
        return exchange.requestAvailable(this);
    }

    @Override
    public void produce(DataStreamChannel dataChannel) {
        exchange.upstreamWantsRequestBody(this, dataChannel);
    }

    @Override
    public void consumeInformation(HttpResponse response, HttpContext context) throws HttpException {
        exchange.informationalResponse(this, response);
    }

    @Override
    public void consumeResponse(HttpResponse response, EntityDetails entityDetails, HttpContext context)
            throws HttpException {
        exchange.responseHead(this, response, entityDetails);
    }

    @Override
    public void updateCapacity(CapacityChannel capacityChannel) {
        exchange.upstreamCapacity(this, capacityChannel);
    }

    @Override
    public void consume(ByteBuffer src) {
        exchange.responseBody(this, src);
    }

    @Override
    public void streamEnd(List<? extends Header> trailers) {
        exchange.responseEnd(this, trailers);
    }

    @Override
    public void failed(Exception cause) {
        exchange.attemptFailed(this, cause);
    }

    @Override
    public void cancel() {
        exchange.attemptFailed(this, new org.apache.hc.core5.http.RequestNotExecutedException());
    }

    @Override
    public void releaseResources() {
        exchange.attemptReleased(this);
    }

    // --- helpers, called with exchange.lock held

    /** Hands the connection back: to the pool when both directions completed cleanly, else closed. */
    void releaseIfDone() {
        if (connection == null || released || !responseComplete || !(requestComplete || requestAborted)) {
            return;
        }
        released = true;
        pool.release(connection, !requestAborted && !bodyFailed && !noReuse);
        end();
    }

    /** Closes the connection, if this attempt still holds one, so nothing half-done on it is reused. */
    void discardConnection() {
        if (connection != null && !released) {
            released = true;
            pool.release(connection, false);
        }
        end();
    }

    /** Counts the end of this attempt's request to the upstream, once. */
    void end() {
        if (!ended) {
            ended = true;
            member.requestEnded();
            if (retry) {
                state.retryEnded();
            }
        }
    }

    static HttpContext newContext() {
        return HttpCoreContext.create();
    }

    @Override
    public String toString() {
        return "UpstreamAttempt[" + state.upstream() + "]";
    }
}
