package dev.gatehouse.proxy.core.internal.exchange;

import dev.gatehouse.proxy.Body;
import dev.gatehouse.proxy.Headers;
import dev.gatehouse.proxy.NoHealthyUpstreamException;
import dev.gatehouse.proxy.NoRouteException;
import dev.gatehouse.proxy.ProxyException;
import dev.gatehouse.proxy.ProxyRequest;
import dev.gatehouse.proxy.ProxyResponse;
import dev.gatehouse.proxy.RetryPolicy;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.UpstreamTimeoutException;
import dev.gatehouse.proxy.UpstreamUnavailableException;
import dev.gatehouse.proxy.core.internal.balancer.ResponseCookies;
import dev.gatehouse.proxy.core.internal.balancer.UpstreamGroup;
import dev.gatehouse.proxy.core.internal.client.UpstreamConnection;
import dev.gatehouse.proxy.core.internal.client.UpstreamSaturatedException;
import dev.gatehouse.proxy.core.internal.filter.ChainedExchange;
import dev.gatehouse.proxy.core.internal.filter.FilterChainRunner;
import dev.gatehouse.proxy.core.internal.filter.FilterException;
import dev.gatehouse.proxy.core.internal.headers.FieldFacts;
import dev.gatehouse.proxy.core.internal.headers.HeadRequest;
import dev.gatehouse.proxy.core.internal.headers.HeadResponse;
import dev.gatehouse.proxy.core.internal.headers.HeaderRules;
import dev.gatehouse.proxy.core.internal.reactor.LoopClock;
import dev.gatehouse.proxy.core.internal.retry.RetryBudget;
import dev.gatehouse.proxy.core.internal.retry.RetryRules;
import dev.gatehouse.proxy.core.internal.routing.RouteTable;
import dev.gatehouse.proxy.core.internal.server.DownstreamConnection;
import dev.gatehouse.proxy.core.internal.server.ProxyServer;
import dev.gatehouse.proxy.core.internal.server.RequestHead;
import dev.gatehouse.proxy.core.internal.server.RequestHeadParser;
import dev.gatehouse.proxy.core.internal.server.RouteRuntime;
import dev.gatehouse.proxy.filter.AttributeKey;
import dev.gatehouse.proxy.filter.Filter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.MalformedChunkCodingException;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.RequestNotExecutedException;
import org.apache.hc.core5.http.impl.BasicEntityDetails;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.nio.AsyncServerExchangeHandler;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.ResponseChannel;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied exchange: a client request, its trip through the filters and upstream, and the response.
 *
 * <p>It is HttpCore's server-side handler for the client request, and its {@link UpstreamAttempt} is the
 * client-side handler for the upstream request. Both directions of the body pass through here under one
 * lock, with flow control end to end: bytes from one side are written straight to the other when it can
 * take them, parked in a small {@link BodyPipe} when it cannot, and the sending side is only granted
 * capacity for what has been passed on. Memory per exchange is bounded by HttpCore's input window
 * whatever the body size.
 *
 * <p>Rules kept here:
 * <ul>
 *   <li>No callback lets an exception escape: HttpCore would tear down the whole I/O thread.</li>
 *   <li>User code (filters, selectors) never runs under the lock.</li>
 *   <li>The upstream connection is handed back to the pool before the client response is ended, and only
 *       when both directions completed cleanly; after any anomaly it is closed.</li>
 *   <li>A failure after the response head was sent closes the client connection with a reset, so a cut
 *       body never looks complete.</li>
 *   <li>A failed attempt is tried again, on another upstream where there is one, only as the route's
 *       {@link RetryPolicy} allows and only when it cannot run the request twice; a request body is kept
 *       for that up to the policy's limit ({@link ReplayBuffer}).</li>
 * </ul>
 */
public final class Exchange implements AsyncServerExchangeHandler, ChainedExchange, ResponseCookies,
        DownstreamConnection.ClientAbortListener {

    private static final Logger logger = LoggerFactory.getLogger(Exchange.class);

    /** How much of an unwanted request body is read and dropped before the connection is closed instead. */
    private static final long MAX_DISCARD = 1 << 20;
    /** How long a client may stay silent while an unwanted request body is being read and dropped. */
    private static final Timeout LINGER = Timeout.ofSeconds(2);
    /** Informational responses relayed per exchange before the upstream is judged hostile. */
    private static final int MAX_INFORMATIONAL = 32;
    /** The input window HttpCore gives each message, in bytes; the configs set it to this value. */
    public static final int WINDOW = 64 * 1024;
    /** Smallest grant made while the sender can still send: fewer, larger grants mean fewer wake-ups. */
    private static final int GRANT_BATCH = 16 * 1024;
    /** Transparent retries of a request HttpCore reports as never sent (the pooled connection had closed). */
    private static final int MAX_NOT_EXECUTED_RETRIES = 2;

    final ReentrantLock lock = new ReentrantLock();
    private final DownstreamConnection connection;
    private final ProxyServer server;
    private final long id;

    // Set in handleRequest on the client's I/O thread, read-only afterwards.
    private HttpRequest clientHead;
    private EntityDetails requestEntity;
    private ResponseChannel responseChannel;
    private HttpContext context;
    private RequestHead head;
    private RouteTable.Match<RouteRuntime> match;
    private ProxyRequest originalRequest;
    private InetAddress clientAddress;
    private volatile ProxyRequest currentRequest;
    // Set in forward, read-only afterwards.
    private ProxyRequest forwarded;
    private RetryPolicy policy;
    private RetryBudget budget;

    // Guarded by lock.
    private Map<AttributeKey<?>, Object> attributes;
    private UpstreamAttempt attempt;
    private CompletableFuture<ProxyResponse> upstreamResponse;
    private int notExecutedRetries;
    private int retries;
    private List<UpstreamGroup.Member> tried;
    private boolean retryPending;
    private ProxyException lastFailure;
    private long deadlineAt;
    private Future<?> deadlineTimer;
    private ReplayBuffer replay;
    private long requestForwarded;
    private boolean requestBodyWritten;
    private long lastBodyByte;
    private long requestCreditedAt;
    private CapacityChannel clientCapacity;
    private long requestReceived;
    private long requestDone;
    private long requestCredited;
    private final BodyPipe requestPipe = new BodyPipe();
    private boolean requestEnded;
    private List<? extends Header> requestTrailers;
    private boolean requestDiscarding;
    private long requestDiscarded;
    private boolean continueSent;
    private boolean responseCommitted;
    private boolean streaming;
    private ByteBuffer fixedBody;
    private DataStreamChannel clientChannel;
    private boolean responseEnded;
    private boolean closeAfterResponse;
    private boolean closeDelimited;
    private boolean clientGone;
    private boolean started;
    private boolean released;
    private String stickyCookie;
    private CompletableFuture<ProxyResponse> failLater;
    private Throwable failLaterCause;

    /** Creates the handler for one request on {@code connection}; HttpCore calls it on the connection's thread. */
    public Exchange(DownstreamConnection connection) {
        this.connection = connection;
        this.server = connection.server();
        this.id = server.nextExchangeId(connection.worker());
    }

    // ------------------------------------------------------------------------------------------------
    // The client side (AsyncServerExchangeHandler), on the client connection's I/O thread.

    @Override
    public void handleRequest(HttpRequest request, EntityDetails entityDetails, ResponseChannel channel,
                              HttpContext httpContext) {
        this.clientHead = request;
        this.requestEntity = entityDetails;
        this.lastBodyByte = entityDetails != null ? LoopClock.nanoTime() : 0;
        this.responseChannel = channel;
        this.context = httpContext;
        lock.lock();
        try {
            started = true;
        } finally {
            unlock();
        }
        server.exchangeStarted();
        int onConnection = connection.exchangeStarted();
        connection.current(this);
        if (onConnection > server.clientLimits().maxPipelined()) {
            logger.debug("{} closing the client connection: more than {} pipelined requests", id(),
                    server.clientLimits().maxPipelined());
            abortClient();
            return;
        }
        if (connection.lastRequestSeen()) {
            // RFC 9112 9.6: a request pipelined after one that closes the connection is not processed. HttpCore
            // still waits for an answer to it before it closes, so it gets a 400 and never reaches an upstream.
            logger.debug("{} rejected with 400: it follows a request that asked to close the connection", id());
            respondLocally(400);
            return;
        }
        if (!clientWantsKeepAlive(isHttp10(request))) {
            connection.lastRequest();
        }
        try {
            start();
        } catch (RuntimeException | Error e) {
            logger.error("{} broken invariant while starting the exchange", id(), e);
            abortClient();
        }
    }

    private void start() {
        head = RequestHeadParser.parse(clientHead, requestEntity != null, connection.scheme(),
                connection.localAuthority(), server.pathPolicy());
        if (head.isRejected()) {
            logger.debug("{} rejected with {}: {}", id(), head.rejectStatus(), head.rejectReason());
            respondLocally(head.rejectStatus());
            return;
        }
        if (head.method().equals("OPTIONS") && "0".equals(headerValue("Max-Forwards"))) {
            // RFC 9110 7.6.2: the last recipient answers itself.
            commit(ProxyResponse.of(200, Headers.of("Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH"), Body.empty()));
            return;
        }
        if (requestEntity != null && requestEntity.getContentLength() > server.clientLimits().maxBody()) {
            logger.debug("{} rejected with 413: a body of {} bytes, over the limit of {}", id(),
                    requestEntity.getContentLength(), server.clientLimits().maxBody());
            respondLocally(413);
            return;
        }
        InetAddress peer = connection.peer().getAddress();
        HeaderRules rules = server.headerRules();
        try {
            Headers headers = rules.forwardRequest(clientHead, peer, connection.scheme(), head.authority(),
                    head.isHttp10() ? "1.0" : "1.1");
            originalRequest = ProxyRequest.builder()
                    .method(head.method())
                    .path(head.path())
                    .query(head.query())
                    .authority(head.authority())
                    .scheme(connection.scheme())
                    .version(head.isHttp10() ? "HTTP/1.0" : "HTTP/1.1")
                    .headers(headers)
                    .build();
        } catch (IllegalArgumentException e) {
            logger.debug("{} rejected with 400: {}", id(), e.getMessage());
            respondLocally(400);
            return;
        }
        clientAddress = rules.clientAddress(clientHead, peer);
        currentRequest = originalRequest;
        match = server.routes().match(head.host(), head.method(), head.path(), head.query(), originalRequest.headers());
        Filter[] filters = match != null ? match.runtime().filters() : server.proxyFilters();
        CompletionStage<ProxyResponse> stage = FilterChainRunner.run(this, filters, originalRequest);
        stage.whenComplete(this::chainCompleted);
    }

    @Override
    public void updateCapacity(CapacityChannel capacityChannel) {
        lock.lock();
        try {
            clientCapacity = capacityChannel;
            creditClient();
        } finally {
            unlock();
        }
    }

    @Override
    public void consume(ByteBuffer src) {
        lock.lock();
        try {
            int size = src.remaining();
            requestReceived += size;
            lastBodyByte = LoopClock.nanoTime();
            if (requestReceived > server.clientLimits().maxBody() && !requestDiscarding && !clientGone) {
                bodyOverLimit();
            }
            if (requestDiscarding || clientGone) {
                src.position(src.limit());
                requestDone += size;
                requestDiscarded += size;
                creditClient();
                if (requestDiscarded > MAX_DISCARD && responseEnded) {
                    logger.debug("{} closing: more than {} bytes of an unwanted request body", id(), MAX_DISCARD);
                    connection.closeNow();
                }
                return;
            }
            UpstreamAttempt current = attempt;
            if (replay != null) {
                replay.append(src);
                if (current != null && takesRequestBody(current)) {
                    pumpRequest(current);
                }
                creditClient();
                return;
            }
            if (current != null && takesRequestBody(current) && requestPipe.isEmpty()) {
                try {
                    int written = current.channel.write(src);
                    requestDone += written;
                    requestBodyWritten |= written > 0;
                } catch (IOException e) {
                    attemptFailedLocked(current, e);
                }
            }
            if (requestDiscarding) {
                requestDone += src.remaining();
                requestDiscarded += src.remaining();
                src.position(src.limit());
            } else if (src.hasRemaining()) {
                requestPipe.put(src);
                if (current != null && takesRequestBody(current)) {
                    current.channel.requestOutput();
                }
            }
            creditClient();
        } catch (IOException | RuntimeException e) {
            logger.warn("{} broken invariant while reading the request body; closing (received {}, done {}, credited {}, buffered {}, capacity {})", id(), requestReceived, requestDone, requestCredited, requestPipe.size(), clientCapacity, e);
            abortClient();
        } finally {
            unlock();
        }
    }

    @Override
    public void streamEnd(List<? extends Header> trailers) {
        lock.lock();
        try {
            requestEnded = true;
            requestTrailers = trailers;
            UpstreamAttempt current = attempt;
            if (!requestDiscarding && current != null) {
                pumpRequest(current);
            }
        } catch (RuntimeException e) {
            logger.warn("{} broken invariant at the end of the request body; closing", id(), e);
            abortClient();
        } finally {
            unlock();
        }
    }

    @Override
    public int available() {
        lock.lock();
        try {
            if (responseEnded) {
                return 0;
            }
            if (fixedBody != null) {
                return Math.max(1, fixedBody.remaining());
            }
            UpstreamAttempt current = attempt;
            if (streaming && current != null) {
                int size = current.responsePipe.size();
                return size > 0 ? size : current.responseComplete ? 1 : 0;
            }
            return 0;
        } finally {
            unlock();
        }
    }

    @Override
    public void produce(DataStreamChannel channel) {
        lock.lock();
        try {
            clientChannel = channel;
            if (responseEnded) {
                return;
            }
            if (fixedBody != null) {
                channel.write(fixedBody);
                if (!fixedBody.hasRemaining()) {
                    responseEnded = true;
                    channel.endStream();
                    responseSent();
                }
            } else if (streaming && attempt != null) {
                pumpResponse(attempt);
            }
        } catch (IOException e) {
            clientWriteFailed(e);
        } catch (RuntimeException e) {
            logger.warn("{} broken invariant while writing the response; closing", id(), e);
            abortClient();
        } finally {
            unlock();
        }
    }

    @Override
    public void failed(Exception cause) {
        lock.lock();
        try {
            if (!clientGone) {
                logger.debug("{} the client connection failed: {}", id(), cause.toString());
            }
            if (cause instanceof MalformedChunkCodingException && !responseCommitted && !clientGone) {
                // A bad chunk: the upstream exchange is cut (it never sees the end of the body) and the
                // client is told why before the connection closes.
                responseCommitted = true;
                clientGoneLocked();
                connection.writeBadRequestAndClose();
                return;
            }
            clientGoneLocked();
        } catch (RuntimeException e) {
            logger.warn("{} broken invariant while handling a client failure", id(), e);
        } finally {
            unlock();
        }
    }

    @Override
    public void releaseResources() {
        lock.lock();
        try {
            if (released) {
                return;
            }
            released = true;
            if (!responseEnded) {
                clientGoneLocked();
            } else if (attempt != null && !attempt.released) {
                abandonUpstream(attempt);
            }
        } catch (RuntimeException e) {
            logger.warn("{} broken invariant while releasing the exchange", id(), e);
        } finally {
            unlock();
        }
        if (started) {
            connection.forget(this);
            connection.exchangeEnded();
            server.exchangeEnded();
        }
    }

    /**
     * The client closed its side before the response started: as nginx does (its 499), the client is taken
     * to have gone, so the upstream exchange is cancelled now rather than when the response would be written.
     * Once the response has started, HttpCore finishes it, as for any half-closed connection.
     */
    /** A body without a length went past the limit: 413 if the response has not started, else the connection is cut. */
    private void bodyOverLimit() {
        logger.debug("{} the request body went past the limit of {} bytes", id(), server.clientLimits().maxBody());
        if (responseCommitted) {
            abortClient();
            return;
        }
        if (attempt != null) {
            abandonUpstream(attempt);
        }
        retryPending = false;
        respondLocally(413);
    }

    @Override
    public void checkBodyPace(long now, long idleTimeout) {
        boolean timedOut;
        lock.lock();
        try {
            long waitingSince = Math.max(lastBodyByte, requestCreditedAt);
            // Only a client that may send (its window is open) and does not is too slow.
            timedOut = requestEntity != null && !requestEnded && !requestDiscarding && !clientGone && started
                    && requestReceived - requestCredited < WINDOW && waitingSince != 0 && now - waitingSince > idleTimeout;
            if (timedOut) {
                logger.debug("{} the request body has been silent for longer than {} ms", id(),
                        TimeUnit.NANOSECONDS.toMillis(idleTimeout));
                if (responseCommitted) {
                    clientGoneLocked();
                } else {
                    if (attempt != null) {
                        abandonUpstream(attempt);
                    }
                    retryPending = false;
                }
            }
        } finally {
            unlock();
        }
        if (timedOut) {
            if (responseCommitted) {
                connection.closeNow();
            } else {
                respondLocally(408);
            }
        }
    }

    @Override
    public void clientClosedInput() {
        lock.lock();
        try {
            if (responseCommitted || clientGone || !requestEnded && requestEntity != null) {
                return;                         // a body cut short fails the exchange through HttpCore
            }
            logger.debug("{} the client closed its connection before the response; cancelling", id());
            clientGoneLocked();
        } catch (RuntimeException e) {
            logger.warn("{} broken invariant when the client closed its connection", id(), e);
        } finally {
            unlock();
        }
        connection.closeNow();
    }

    // ------------------------------------------------------------------------------------------------
    // The filter chain and the upstream request.

    @Override
    public void currentRequest(ProxyRequest request) {
        this.currentRequest = request;
    }

    @Override
    public CompletionStage<ProxyResponse> forward(ProxyRequest request) {
        if (match == null) {
            return CompletableFuture.failedFuture(new NoRouteException("no route for " + originalRequest));
        }
        RouteRuntime route = match.runtime();
        UpstreamGroup.Member member;
        try {
            member = choose(route, null);
        } catch (ProxyException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (!member.tryRequestStarted()) {
            return CompletableFuture.failedFuture(atLimit(member));
        }
        HttpRequest upstreamHead = upstreamHead(request, member.upstream(), route.route());
        UpstreamAttempt created;
        lock.lock();
        try {
            if (clientGone || responseCommitted || upstreamResponse != null) {
                member.requestEnded();
                return CompletableFuture.failedFuture(upstreamResponse != null
                        ? new IllegalStateException("the request was already forwarded") : ClientGone.INSTANCE);
            }
            upstreamResponse = new CompletableFuture<>();
            forwarded = request;
            policy = route.retryPolicy();
            budget = route.retryBudget();
            if (budget != null) {
                long now = server.ticker().getAsLong();
                budget.recordRequest(now);
                keepBodyForReplay();
            }
            if (policy.deadline() != null) {
                deadlineAt = server.ticker().getAsLong() + policy.deadline().toNanos();
                deadlineTimer = schedule(this::deadlinePassed, policy.deadline().toNanos());
            }
            created = newAttempt(member, upstreamHead, false);
            attempt = created;
        } finally {
            unlock();
        }
        created.start();
        return upstreamResponse;
    }

    /**
     * Picks an upstream with the route's selector; for a retry ({@code tried} not null) one not tried yet
     * where there is one, even if the selector keeps naming a tried one (as a consistent hash does).
     *
     * @throws ProxyException when no upstream is available
     * @throws IllegalStateException when the selector misbehaves
     */
    private UpstreamGroup.Member choose(RouteRuntime route, List<UpstreamGroup.Member> tried) {
        UpstreamGroup.Snapshot members = route.group().snapshot();
        UpstreamGroup.Member chosen = null;
        for (int pick = 0; pick < 3; pick++) {
            Upstream upstream;
            try {
                upstream = members.selector().select(this);
            } catch (RuntimeException e) {
                throw new IllegalStateException("the load balancer of route '" + route.route().name() + "' threw " + e, e);
            }
            if (upstream == null) {
                break;
            }
            chosen = members.member(upstream);
            if (chosen == null) {
                throw new IllegalStateException("the load balancer of route '" + route.route().name() + "' returned "
                        + upstream + ", which is not one of its upstreams");
            }
            if (tried == null || !tried.contains(chosen)) {
                return chosen;
            }
        }
        if (tried != null) {
            // Every pick was tried already: any untried member, else any but the one that failed last.
            int size = members.size();
            int start = size == 0 ? 0 : ThreadLocalRandom.current().nextInt(size);
            UpstreamGroup.Member last = tried.get(tried.size() - 1);
            UpstreamGroup.Member notLast = null;
            for (int i = 0; i < size; i++) {
                UpstreamGroup.Member other = members.member((start + i) % size);
                if (!tried.contains(other)) {
                    return other;
                }
                if (notLast == null && other != last) {
                    notLast = other;
                }
            }
            if (notLast != null) {
                return notLast;
            }
        }
        if (chosen == null) {
            throw new NoHealthyUpstreamException("route '" + route.route().name() + "' has no upstream available");
        }
        return chosen;
    }

    private static NoHealthyUpstreamException atLimit(UpstreamGroup.Member member) {
        return new NoHealthyUpstreamException("upstream " + member.upstream().authority()
                + " is at its limit of requests at once", null);
    }

    /**
     * Starts keeping the request body for a replay, unless its declared length is over the policy's limit or
     * the request may not be repeated once sent (then a retry only happens before any byte was sent, and
     * the request pipe still has them all). Nothing has been sent yet, so what arrived so far is all in the
     * request pipe.
     */
    private void keepBodyForReplay() {
        if (requestEntity == null || requestDiscarding || clientGone || !mayRepeat()
                || policy.bufferLimit() == 0 || requestEntity.getContentLength() > policy.bufferLimit()) {
            return;
        }
        replay = new ReplayBuffer(policy.bufferLimit());
        try {
            requestPipe.moveTo(replay);
        } catch (IOException e) {
            replay = null;     // cannot happen: the pipe holds at most a window
        }
    }

    private UpstreamAttempt newAttempt(UpstreamGroup.Member member, HttpRequest upstreamHead, boolean retry) {
        int worker = server.reactor().currentWorker();
        RouteRuntime route = match.runtime();
        Timeout responseTimeout = route.responseTimeout();
        if (policy.perTryTimeout() != null) {
            responseTimeout = Timeout.of(policy.perTryTimeout());
        }
        if (deadlineAt != 0) {
            long left = Math.max(1, deadlineAt - server.ticker().getAsLong());
            if (left < responseTimeout.toNanoseconds()) {
                responseTimeout = Timeout.of(left, TimeUnit.NANOSECONDS);
            }
        }
        return new UpstreamAttempt(this, member, member.state().pool(worker >= 0 ? worker : connection.worker()),
                upstreamHead, requestEntity == null ? null : new BasicEntityDetails(requestEntity.getContentLength(), null),
                route.connectTimeout(), responseTimeout, route.idleTimeout(), retry);
    }

    /** Builds the upstream request head: rewritten path, the route's Host, the filters' headers. */
    private HttpRequest upstreamHead(ProxyRequest request, Upstream upstream, Route route) {
        // A filter that set its own path takes over from the route's rewrite.
        String path = request.path().equals(originalRequest.path()) ? match.rewrite(request.path()) : request.path();
        String target = request.query() == null ? path : path + "?" + request.query();
        // A head that notes its fields as they are added: the upstream connection's keep-alive decision reads
        // them from there instead of walking the fields again.
        HeadRequest upstreamHead = new HeadRequest(request.method(), target);
        String host;
        switch (route.hostHeader()) {
            case UPSTREAM:
                host = upstream.port() == 80 ? upstream.authority().substring(0, upstream.authority().lastIndexOf(':'))
                        : upstream.authority();
                break;
            case FIXED:
                host = route.fixedHost();
                break;
            default:
                host = request.authority();
                break;
        }
        upstreamHead.addHeader("Host", host);
        Headers headers = request.headers();
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i);
            String value = headers.value(i);
            if (!HeaderRules.isReservedOnForwarding(name, value)) {
                if (name.length() == 12 && name.equalsIgnoreCase("Max-Forwards") && request.method().equals("OPTIONS")) {
                    value = decremented(value);
                }
                upstreamHead.addChecked(name, value);
            }
        }
        if (head.expectsContinue()) {
            upstreamHead.addHeader("Expect", "100-continue");
        }
        return upstreamHead;
    }

    /** Returns a {@code Max-Forwards} value one lower (RFC 9110 7.6.2); an invalid one is passed as it is. */
    private static String decremented(String value) {
        String trimmed = value.trim();
        if (trimmed.isEmpty() || trimmed.length() > 9 || !trimmed.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return value;
        }
        return Integer.toString(Math.max(0, Integer.parseInt(trimmed) - 1));
    }

    private void chainCompleted(ProxyResponse response, Throwable failure) {
        try {
            ProxyResponse result = response;
            if (failure != null) {
                Throwable cause = Failures.unwrap(failure);
                if (cause instanceof ClientGone) {
                    return;
                }
                if (cause instanceof ProxyException) {
                    ProxyException proxyFailure = (ProxyException) cause;
                    logFailure(proxyFailure);
                    result = ErrorResponses.of(proxyFailure.status());
                } else {
                    server.filterFailures().warn("{} route '{}': {} -> 500", id(), routeName(),
                            cause instanceof FilterException ? cause.getMessage() : "the filter chain failed: " + cause,
                            cause);
                    result = ErrorResponses.of(500);
                }
            } else if (result == null) {
                server.filterFailures().warn("{} route '{}': a filter completed its stage with null -> 500",
                        id(), routeName());
                result = ErrorResponses.of(500);
            }
            commit(result);
        } catch (RuntimeException | Error e) {
            logger.error("{} broken invariant while sending the response; closing", id(), e);
            abortClient();
        }
    }

    private void logFailure(ProxyException failure) {
        if (failure instanceof NoRouteException) {
            logger.debug("{} {} -> 404", id(), failure.getMessage());
            return;
        }
        if (server.upstreamFailures().warn("{} route '{}': {} -> {}", id(), routeName(), failure.getMessage(),
                failure.status()) && logger.isDebugEnabled()) {
            logger.debug("{} cause", id(), failure.getCause());
        }
    }

    private void respondLocally(int status) {
        closeAfterResponse = true;
        commit(ErrorResponses.of(status));
    }

    // ------------------------------------------------------------------------------------------------
    // Sending the response head.

    private void commit(ProxyResponse proposed) {
        ProxyResponse response = proposed;
        HeadResponse httpResponse;
        EntityDetails entity = null;
        lock.lock();
        try {
            if (clientGone || responseCommitted) {
                if (attempt != null) {
                    abandonUpstream(attempt);
                }
                return;
            }
            UpstreamAttempt current = attempt;
            Body body = response.body();
            boolean fromUpstream = false;
            if (body instanceof UpstreamBody) {
                UpstreamAttempt owner = ((UpstreamBody) body).attempt();
                if (owner == current && current != null && !current.bodyFailed) {
                    fromUpstream = true;
                } else if (owner == current && current != null) {
                    response = ErrorResponses.of(502);
                } else {
                    server.filterFailures().warn("{} route '{}': a filter returned the body of another exchange -> 500",
                            id(), routeName());
                    response = ErrorResponses.of(500);
                }
                body = response.body();
            } else if (!body.isBuffered()) {
                server.filterFailures().warn("{} route '{}': a filter returned a {} body, which the proxy cannot send"
                        + " (expected: Body.of(...) or the upstream's body) -> 500", id(), routeName(),
                        body.getClass().getName());
                response = ErrorResponses.of(500);
                body = response.body();
            }
            if (!fromUpstream && current != null) {
                abandonUpstream(current);
            }
            if (requestEntity != null && !requestEnded && !(fromUpstream && !current.requestAborted)) {
                startDiscardingRequest();
            }
            if (server.isDraining()) {
                closeAfterResponse = true;
            }

            int status = response.status();
            boolean headRequest = "HEAD".equals(clientHead.getMethod());
            boolean bodyAllowed = !headRequest && status != 204 && status != 304;
            httpResponse = new HeadResponse(status, ErrorResponses.reason(status));
            Headers headers = response.headers();
            for (int i = 0; i < headers.size(); i++) {
                String name = headers.name(i);
                if (!HeaderRules.isHopByHopResponseHeader(name) && !name.equalsIgnoreCase("Content-Length")) {
                    httpResponse.addChecked(name, headers.value(i));
                }
            }
            boolean http10 = isHttp10(clientHead);
            if (bodyAllowed) {
                long length = fromUpstream
                        ? (current.responseEntity != null ? current.responseEntity.getContentLength() : 0)
                        : body.length();
                if (length >= 0) {
                    httpResponse.addField("Content-Length", Long.toString(length));
                } else if (!http10) {
                    httpResponse.addField("Transfer-Encoding", "chunked");
                } else {
                    closeAfterResponse = true;   // HTTP/1.0: the end of the body is the end of the connection
                    closeDelimited = true;
                }
                if (length != 0) {
                    entity = new BasicEntityDetails(length, null);
                }
            } else if (status != 204) {
                // HEAD and 304 keep the length the body would have had.
                String declared = fromUpstream ? response.header("Content-Length")
                        : headRequest ? Long.toString(body.length()) : null;
                if (declared != null) {
                    httpResponse.addField("Content-Length", declared);
                }
            }
            if (fromUpstream && stickyCookie != null) {
                httpResponse.addField("Set-Cookie", stickyCookie);
            }
            if (!headers.contains("Date")) {
                httpResponse.addField("Date", HttpDates.now());
            }
            if (!fromUpstream && body.length() > 0 && !headers.contains("Content-Type")) {
                httpResponse.addField("Content-Type", "text/plain; charset=utf-8");
            }
            if (closeAfterResponse || !clientWantsKeepAlive(http10)) {
                httpResponse.addField("Connection", "close");
            } else if (http10) {
                httpResponse.addField("Connection", "keep-alive");
            }
            responseCommitted = true;
            if (entity == null) {
                responseEnded = true;
            } else if (fromUpstream) {
                streaming = true;
            } else {
                fixedBody = body.content();
            }
        } finally {
            unlock();
        }
        try {
            responseChannel.sendResponse(httpResponse, entity, context);
            if (entity == null) {
                lock.lock();
                try {
                    responseSent();
                } finally {
                    unlock();
                }
            }
        } catch (HttpException | IOException | RuntimeException e) {
            logger.debug("{} cannot send the response head: {}", id(), e.toString());
            lock.lock();
            try {
                clientGoneLocked();
            } finally {
                unlock();
            }
        }
    }

    private String headerValue(String name) {
        Header header = clientHead.getFirstHeader(name);
        return header == null ? null : header.getValue().trim();
    }

    private boolean clientWantsKeepAlive(boolean http10) {
        String connection = FieldFacts.of(clientHead).connection();
        if (connection == null) {
            return !http10;
        }
        return !HeaderRules.hasToken(connection, "close") && (!http10 || HeaderRules.hasToken(connection, "keep-alive"));
    }

    private static boolean isHttp10(HttpRequest request) {
        ProtocolVersion version = request.getVersion();
        return version != null && version.getMajor() == 1 && version.getMinor() == 0;
    }

    // ------------------------------------------------------------------------------------------------
    // The upstream side, called by UpstreamAttempt on the upstream connection's I/O thread.

    void attemptLeased(UpstreamAttempt leasedFor, UpstreamConnection leased) {
        lock.lock();
        try {
            if (clientGone || leasedFor.abandoned || attempt != leasedFor) {
                // Unused and clean: it can serve someone else.
                leasedFor.pool.release(leased, true);
                leasedFor.end();
                return;
            }
            leasedFor.connection = leased;
        } catch (RuntimeException e) {
            logger.warn("{} broken invariant after leasing a connection", id(), e);
            return;
        } finally {
            unlock();
        }
        leased.socketTimeout(leasedFor.responseTimeout);
        leased.execute(leasedFor, UpstreamAttempt.newContext());
    }

    int requestAvailable(UpstreamAttempt from) {
        lock.lock();
        try {
            if (from != attempt || from.requestComplete || from.requestAborted || from.failed || requestDiscarding
                    || clientGone) {
                return 0;
            }
            long size = replay != null ? replay.size() - from.bodySent : requestPipe.size();
            return size > 0 ? (int) Math.min(size, Integer.MAX_VALUE) : requestEnded ? 1 : 0;
        } finally {
            unlock();
        }
    }

    void upstreamWantsRequestBody(UpstreamAttempt from, DataStreamChannel channel) {
        lock.lock();
        try {
            from.channel = channel;
            if (from != attempt || clientGone) {
                return;
            }
            if (head.expectsContinue() && !continueSent && requestReceived == 0 && !responseCommitted) {
                // The upstream (or HttpCore's wait for it) is ready for the body: let the client send it.
                continueSent = true;
                responseChannel.sendInformation(new BasicHttpResponse(100, "Continue"), context);
            }
            pumpRequest(from);
        } catch (HttpException | IOException e) {
            logger.debug("{} cannot send 100 Continue: {}", id(), e.toString());
            clientGoneLocked();
        } catch (RuntimeException e) {
            logger.warn("{} broken invariant while sending the request body", id(), e);
            attemptFailedLocked(from, e);
        } finally {
            unlock();
        }
    }

    void informationalResponse(UpstreamAttempt from, HttpResponse response) throws HttpException {
        lock.lock();
        try {
            if (++from.informational > MAX_INFORMATIONAL) {
                throw new ProtocolException("more than " + MAX_INFORMATIONAL + " informational responses");
            }
            int code = response.getCode();
            if (code == 101) {
                throw new ProtocolException("unexpected 101 Switching Protocols");
            }
            if (from != attempt || clientGone || responseCommitted || head.isHttp10() || code == 100) {
                return;
            }
            BasicHttpResponse relayed = new BasicHttpResponse(code, ErrorResponses.reason(code));
            Headers headers;
            try {
                headers = server.headerRules().forwardResponse(response, versionOf(response));
            } catch (IllegalArgumentException e) {
                throw new ProtocolException("invalid header in a " + code + " response: " + e.getMessage());
            }
            for (int i = 0; i < headers.size(); i++) {
                relayed.addHeader(headers.name(i), headers.value(i));
            }
            try {
                responseChannel.sendInformation(relayed, context);
            } catch (IOException | HttpException e) {
                logger.debug("{} cannot relay a {} response: {}", id(), code, e.toString());
            }
        } finally {
            unlock();
        }
    }

    void responseHead(UpstreamAttempt from, HttpResponse response, EntityDetails entity) throws HttpException {
        ProxyResponse head;
        CompletableFuture<ProxyResponse> future;
        lock.lock();
        try {
            if (from != attempt || from.ended || from.failed) {
                return;
            }
            int code = response.getCode();
            if (code >= 500 && policy.statuses().contains(code)) {
                Header retryAfter = response.getFirstHeader("Retry-After");
                long wait = RetryRules.retryAfterNanos(retryAfter != null ? retryAfter.getValue() : null,
                        System.currentTimeMillis());
                long delay = retryDelay(from, null, code, wait);
                if (delay >= 0) {
                    // The answer is dropped with its connection; the next attempt's stands in for it.
                    from.failed = true;
                    recordOutcome(from, false);
                    from.discardConnection();
                    scheduleRetry(from, statusFailure(from, code), delay);
                    return;
                }
            }
            if (deadlineTimer != null) {
                deadlineTimer.cancel(false);
            }
            if (from.connection != null) {
                from.connection.socketTimeout(from.idleTimeout);
                from.connection.keepAliveFrom(response);
            }
            // HttpCore frames such a response as chunked; bytes after it could be read as another response.
            FieldFacts facts = FieldFacts.of(response);
            from.noReuse = facts.transferEncodings() > 0 && facts.contentLengths() > 0;
            if (from.entity != null && !from.requestComplete && response.getCode() >= 300) {
                // HttpCore stops sending the request body after an early final response (RFC 9110 15.5):
                // the rest of the client's body is dropped and neither connection is reused.
                from.requestAborted = true;
                if (!requestEnded) {
                    startDiscardingRequest();
                }
            }
            Headers headers;
            try {
                headers = server.headerRules().forwardResponse(response, versionOf(response));
                head = ProxyResponse.of(response.getCode(), headers,
                        new UpstreamBody(from, entity == null ? 0 : entity.getContentLength()));
            } catch (IllegalArgumentException e) {
                throw new ProtocolException("invalid response from " + from.state.upstream() + ": " + e.getMessage());
            }
            // Only a head that was accepted counts: a rejected one fails the attempt with a 502.
            from.responseHeadReceived = true;
            from.responseEntity = entity;
            recordOutcome(from, response.getCode() < 500);
            if (entity == null) {
                from.responseComplete = true;
                from.releaseIfDone();
            }
            future = upstreamResponse;
        } finally {
            unlock();
        }
        future.complete(head);
    }

    void upstreamCapacity(UpstreamAttempt from, CapacityChannel channel) {
        lock.lock();
        try {
            from.capacity = channel;
            creditUpstream(from);
        } finally {
            unlock();
        }
    }

    void responseBody(UpstreamAttempt from, ByteBuffer src) {
        lock.lock();
        try {
            int size = src.remaining();
            if (from != attempt || clientGone || from.bodyFailed || (responseCommitted && !streaming)) {
                src.position(src.limit());
                from.responseDone += size;
                creditUpstream(from);
                return;
            }
            if (streaming && clientChannel != null && from.responsePipe.isEmpty()) {
                try {
                    from.responseDone += clientChannel.write(src);
                } catch (IOException e) {
                    clientWriteFailed(e);
                    src.position(src.limit());
                    return;
                }
            }
            if (src.hasRemaining()) {
                from.responsePipe.put(src);
                if (streaming && clientChannel != null) {
                    clientChannel.requestOutput();
                }
            }
            creditUpstream(from);
        } catch (IOException | RuntimeException e) {
            logger.warn("{} broken invariant while relaying the response body; closing", id(), e);
            from.discardConnection();
            abortClient();
        } finally {
            unlock();
        }
    }

    void responseEnd(UpstreamAttempt from, List<? extends Header> trailers) {
        lock.lock();
        try {
            from.responseComplete = true;
            from.responseTrailers = trailers;
            // Back to the pool first: ending the client response first lets the pool see a busy connection.
            from.releaseIfDone();
            if (from == attempt && streaming) {
                pumpResponse(from);
            }
        } catch (RuntimeException e) {
            logger.warn("{} broken invariant at the end of the response", id(), e);
            abortClient();
        } finally {
            unlock();
        }
    }

    void attemptFailed(UpstreamAttempt failed, Exception cause) {
        UpstreamAttempt again;
        lock.lock();
        try {
            again = attemptFailedLocked(failed, cause);
        } catch (RuntimeException e) {
            logger.warn("{} broken invariant while handling an upstream failure", id(), e);
            abortClient();
            return;
        } finally {
            unlock();
        }
        if (again != null) {
            logger.debug("{} retrying on a new connection: the request was not sent", id());
            again.start();
        }
    }

    /**
     * Deals with the failure of an attempt, once: a retry when it is allowed and safe, else a 502, 503 or 504
     * for the client, or a cut client connection once the response has started. Call with the lock held.
     *
     * @return an attempt to start once the lock is released (the request was never sent), or null
     */
    private UpstreamAttempt attemptFailedLocked(UpstreamAttempt failed, Exception cause) {
        if ((failed.responseComplete && failed.released) || failed.failed) {
            return null;                         // a late report about an attempt that completed or was dealt with
        }
        failed.failed = true;
        boolean connected = failed.connection != null;
        if (logger.isDebugEnabled()) {
            logger.debug("{} upstream attempt failed: {} in state {}", id(), cause.toString(), describe(failed));
        }
        failed.discardConnection();
        if (failed != attempt || clientGone || failed.abandoned) {
            return null;
        }
        if (failed.responseHeadReceived) {
            if (responseCommitted && streaming) {
                server.upstreamFailures().warn("{} route '{}': upstream {} failed after the response started ({});"
                        + " closing the client connection", id(), routeName(), failed.state.upstream(), cause.toString());
                abortClient();
            } else {
                failed.bodyFailed = true;        // commit() answers 502 instead of a broken body
            }
            return null;
        }
        boolean notSent = cause instanceof RequestNotExecutedException;
        if (!notSent && !(cause instanceof UpstreamSaturatedException)) {
            recordOutcome(failed, false);
        }
        if (notSent && notExecutedRetries < MAX_NOT_EXECUTED_RETRIES && !responseCommitted && bodyReplayable()
                && failed.member.tryRequestStarted()) {
            // HttpCore never wrote a byte of it (the pooled connection closed first): safe for any method,
            // and not counted as a retry.
            notExecutedRetries++;
            UpstreamAttempt again = new UpstreamAttempt(this, failed.member, failed.pool, failed.head, failed.entity,
                    failed.connectTimeout, failed.responseTimeout, failed.idleTimeout, false);
            attempt = again;
            return again;
        }
        ProxyException failure = Failures.upstream(cause, connected, failed.state.upstream());
        RetryPolicy.Condition condition = RetryRules.classify(cause, connected);
        long delay = condition == null ? -1 : retryDelay(failed, condition, 0, -1);
        if (delay >= 0) {
            scheduleRetry(failed, failure, delay);
        } else {
            failUpstreamResponseLater(failure);
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------
    // Retries and the deadline.

    /**
     * Decides whether a failed attempt is tried again, and takes a retry from the budget if so. Call with the
     * lock held.
     *
     * @param condition the failure, or null for a response with {@code status}
     * @param retryAfter the wait the upstream asked for, in nanoseconds, or -1
     * @return the back-off in nanoseconds, or -1 for no retry
     */
    private long retryDelay(UpstreamAttempt failed, RetryPolicy.Condition condition, int status, long retryAfter) {
        if (budget == null || clientGone || responseCommitted || retries >= policy.retries()) {
            return -1;
        }
        if (condition != null ? !policy.conditions().contains(condition) : !policy.statuses().contains(status)) {
            return -1;
        }
        if (failed.requestHeadSent && !mayRepeat()) {
            return -1;                           // the upstream may have acted on it
        }
        if (!bodyReplayable()) {
            return -1;
        }
        long delay = RetryRules.backoffNanos(policy, retries + 1);
        if (retryAfter >= 0) {
            if (retryAfter > policy.maxRetryAfter().toNanos()) {
                return -1;
            }
            delay = Math.max(delay, retryAfter);
        }
        long now = server.ticker().getAsLong();
        if (deadlineAt != 0 && now + delay >= deadlineAt) {
            return -1;
        }
        if (!budget.tryRetry(now)) {
            logger.debug("{} route '{}': no retry, the retry budget is spent", id(), routeName());
            return -1;
        }
        return delay;
    }

    /** Returns true when running the request twice has the effect of running it once. */
    private boolean mayRepeat() {
        String method = forwarded.method();
        return RetryRules.isIdempotent(method)
                || (policy.retryIdempotencyKey() && forwarded.headers().contains("Idempotency-Key"));
    }

    /** Returns true when the whole request body can still be sent again. Call with the lock held. */
    private boolean bodyReplayable() {
        return requestEntity == null || replay != null || (!requestBodyWritten && !requestDiscarding);
    }

    /** Sets a retry going after {@code delay} nanoseconds, on the control thread. Call with the lock held. */
    private void scheduleRetry(UpstreamAttempt failed, ProxyException failure, long delay) {
        retries++;
        lastFailure = failure;
        if (tried == null) {
            tried = new ArrayList<>(2);
        }
        tried.add(failed.member);
        attempt = null;
        retryPending = true;
        if (logger.isDebugEnabled()) {
            logger.debug("{} route '{}': retry {} of {} in {} ms after: {}", id(), routeName(), retries,
                    policy.retries(), TimeUnit.NANOSECONDS.toMillis(delay), failure.getMessage());
        }
        if (schedule(this::retryNow, delay) == null) {
            retryPending = false;
            failUpstreamResponseLater(failure);
        }
    }

    /** Runs {@code task} on the control thread after {@code delay} nanoseconds; null when the proxy is stopping. */
    private Future<?> schedule(Runnable task, long delay) {
        try {
            return server.control().schedule(task, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            return null;
        }
    }

    /** The retry, after its back-off, on the control thread: the balancer runs here, never under the lock. */
    private void retryNow() {
        try {
            RouteRuntime route = match.runtime();
            List<UpstreamGroup.Member> exclude;
            lock.lock();
            try {
                if (!retryPending || clientGone || responseCommitted) {
                    return;
                }
                exclude = List.copyOf(tried);
            } finally {
                unlock();
            }
            UpstreamGroup.Member member;
            ProxyException refusal = null;
            try {
                member = choose(route, exclude);
            } catch (ProxyException | IllegalStateException e) {
                member = null;
            }
            boolean admitted = member != null && member.tryRequestStarted();
            if (admitted && !member.state().tryRetryStarted()) {
                member.requestEnded();
                admitted = false;
                refusal = new NoHealthyUpstreamException("upstream " + member.upstream().authority()
                        + " is at its limit of retries at once", null);
            }
            HttpRequest nextHead = admitted ? upstreamHead(forwarded, member.upstream(), route.route()) : null;
            UpstreamAttempt next = null;
            lock.lock();
            try {
                if (!retryPending || clientGone || responseCommitted) {
                    if (admitted) {
                        member.requestEnded();
                        member.state().retryEnded();
                    }
                    return;
                }
                retryPending = false;
                if (!admitted) {
                    logger.debug("{} route '{}': no retry, {}", id(), routeName(),
                            refusal != null ? refusal.getMessage() : "no upstream is available");
                    failUpstreamResponseLater(lastFailure);
                    return;
                }
                next = newAttempt(member, nextHead, true);
                attempt = next;
            } finally {
                unlock();
            }
            next.start();
        } catch (RuntimeException | Error e) {
            logger.error("{} broken invariant while retrying; closing", id(), e);
            abortClient();
        }
    }

    /** The deadline passed with no response head: the attempt under way is cut short and the client gets 504. */
    private void deadlinePassed() {
        lock.lock();
        try {
            if (upstreamResponse.isDone() || clientGone || responseCommitted) {
                return;
            }
            UpstreamAttempt current = attempt;
            if (current != null) {
                if (current.responseHeadReceived) {
                    return;
                }
                current.failed = true;
                current.abandoned = true;
                recordOutcome(current, false);
                current.discardConnection();
            }
            retryPending = false;
            failUpstreamResponseLater(new UpstreamTimeoutException("no response from route '" + routeName()
                    + "' within its deadline of " + policy.deadline().toMillis() + " ms", null));
        } catch (RuntimeException e) {
            logger.warn("{} broken invariant at the deadline", id(), e);
        } finally {
            unlock();
        }
    }

    /** The failure that stands for a dropped 5xx answer if no retry can be made after all. */
    private static ProxyException statusFailure(UpstreamAttempt from, int status) {
        String message = "upstream " + from.state.upstream() + " answered " + status;
        if (status == 503) {
            return new NoHealthyUpstreamException(message, null);
        }
        if (status == 504) {
            return new UpstreamTimeoutException(message, null);
        }
        return new UpstreamUnavailableException(message, null);
    }

    void attemptReleased(UpstreamAttempt from) {
        lock.lock();
        try {
            if (!from.released) {
                from.discardConnection();
            }
            from.end();
        } catch (RuntimeException e) {
            logger.warn("{} broken invariant while releasing an upstream exchange", id(), e);
        } finally {
            unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Moving bytes; all called with the lock held.

    private boolean takesRequestBody(UpstreamAttempt current) {
        return current.channel != null && !current.requestComplete && !current.requestAborted && !current.failed;
    }

    private void pumpRequest(UpstreamAttempt current) {
        if (!takesRequestBody(current) || requestDiscarding) {
            return;
        }
        try {
            if (replay != null && !pumpReplay(current)) {
                return;
            }
            while (!requestPipe.isEmpty()) {
                int written = requestPipe.writeTo(current.channel);
                if (written == 0) {
                    break;
                }
                requestDone += written;
                requestBodyWritten = true;
            }
            creditClient();
            if (requestEnded && requestPipe.isEmpty() && replay == null) {
                current.requestComplete = true;
                current.channel.endStream(requestTrailers);
                current.releaseIfDone();
            }
        } catch (IOException e) {
            attemptFailedLocked(current, e);
        }
    }

    /**
     * Sends from the kept body, from where this attempt is; an attempt that would go past the policy's limit
     * makes the exchange stop keeping the body: the rest goes through the request pipe, and there is no
     * retry any more. Returns false when the body is still kept and the request is not complete.
     */
    private boolean pumpReplay(UpstreamAttempt current) throws IOException {
        int limit = policy.bufferLimit();
        long size = replay.size();
        while (current.bodySent < Math.min(size, limit)) {
            int written = replay.writeTo(current.channel, current.bodySent, Math.min(size, limit));
            if (written == 0) {
                break;
            }
            current.bodySent += written;
            if (current.bodySent > requestForwarded) {
                requestDone += current.bodySent - requestForwarded;     // new bytes, not replayed ones
                requestForwarded = current.bodySent;
            }
        }
        if (size > limit && current.bodySent == limit) {
            replay.moveTail(limit, requestPipe);
            replay = null;
            requestBodyWritten = true;
            return true;
        }
        creditClient();
        if (requestEnded && current.bodySent == size) {
            current.requestComplete = true;
            current.channel.endStream(requestTrailers);
            current.releaseIfDone();
        }
        return false;
    }

    private void pumpResponse(UpstreamAttempt current) {
        if (clientChannel == null || responseEnded) {
            return;
        }
        try {
            while (!current.responsePipe.isEmpty()) {
                int written = current.responsePipe.writeTo(clientChannel);
                if (written == 0) {
                    break;
                }
                current.responseDone += written;
            }
            creditUpstream(current);
            if (current.responsePipe.isEmpty() && current.responseComplete) {
                responseEnded = true;
                clientChannel.endStream(current.responseTrailers);
                responseSent();
            }
        } catch (IOException e) {
            clientWriteFailed(e);
        }
    }

    /** Grants the client input capacity for what has been passed on (or dropped) since the last grant. */
    private void creditClient() {
        if (clientCapacity != null) {
            long granted = grant(clientCapacity, requestReceived, requestDone, requestCredited);
            if (granted > 0) {
                requestCredited += granted;
                requestCreditedAt = LoopClock.nanoTime();
            }
        }
    }

    private void creditUpstream(UpstreamAttempt current) {
        if (current.capacity != null) {
            long granted = grant(current.capacity, current.responseDone + current.responsePipe.size(),
                    current.responseDone, current.responseCredited);
            current.responseCredited += granted;
        }
    }

    /**
     * Grants capacity so the sender's window becomes {@code WINDOW - buffered}, and returns what was granted.
     *
     * <p>HttpCore's window starts at {@link #WINDOW} per message, shrinks by every byte it hands over and
     * grows by every grant; but each grant re-arms reading even when the window is still negative (it
     * overshoots by a read buffer when a consumer falls behind). So a grant is only made when it brings
     * the window above zero, and, while reading is still armed, only in batches, to spare wake-ups.
     */
    private long grant(CapacityChannel channel, long received, long done, long credited) {
        long owed = done - credited;
        if (owed <= 0) {
            return 0;
        }
        long window = WINDOW - received + credited;
        long after = window + owed;
        if (after <= 0 || (window > 0 && owed < GRANT_BATCH)) {
            return 0;
        }
        try {
            channel.update((int) Math.min(owed, Integer.MAX_VALUE));
        } catch (IOException e) {
            logger.debug("{} cannot update an input capacity: {}", id(), e.toString());
        }
        return owed;
    }

    /**
     * Tells passive health checking how the attempt went, once: a 5xx or a failure before any response
     * counts against the upstream. A response head also gives a latency sample for peak-EWMA balancing.
     */
    private void recordOutcome(UpstreamAttempt attempt, boolean success) {
        if (attempt.outcomeRecorded || clientGone) {
            return;
        }
        attempt.outcomeRecorded = true;
        if (success) {
            server.outliers().success(attempt.state);
        } else {
            server.outliers().failure(attempt.state);
        }
        if (attempt.responseHeadReceived && attempt.sentAt != 0) {
            long now = server.ticker().getAsLong();
            attempt.state.recordLatency(now - attempt.sentAt, now);
        }
    }

    @Override
    public void setResponseCookie(String value) {
        lock.lock();
        try {
            stickyCookie = value;
        } finally {
            unlock();
        }
    }

    /** Once the response is out, a client that does not finish the body it will not be asked for is let go. */
    private void responseSent() {
        if (requestDiscarding && !requestEnded) {
            connection.linger(LINGER);
        }
    }

    /** The client's remaining body will not be forwarded: read and drop it, then close the connection. */
    private void startDiscardingRequest() {
        requestDiscarding = true;
        closeAfterResponse = true;
        requestDone = requestReceived;       // what is buffered counts as passed on: it is dropped
        requestPipe.clear();
        replay = null;
        creditClient();
    }

    /** Stops an upstream exchange whose response will not be used, closing its connection if it has one. */
    private void abandonUpstream(UpstreamAttempt current) {
        current.abandoned = true;
        if (current.connection != null) {
            boolean clean = current.responseComplete && (current.requestComplete || current.requestAborted);
            if (clean) {
                current.releaseIfDone();
            } else {
                current.discardConnection();
            }
        }
        failUpstreamResponseLater(ClientGone.INSTANCE);
    }

    /**
     * A write to the client failed: it went away. HttpCore learns of it only from the next read or write on
     * the connection, which may never come while nothing more is produced, so the connection is closed now.
     */
    private void clientWriteFailed(IOException cause) {
        logger.debug("{} the client connection failed while writing the response: {}", id(), cause.toString());
        clientGoneLocked();
        connection.closeNow();
    }

    private void clientGoneLocked() {
        clientGone = true;
        requestPipe.clear();
        replay = null;
        retryPending = false;
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
        }
        if (attempt != null) {
            abandonUpstream(attempt);
        } else {
            failUpstreamResponseLater(ClientGone.INSTANCE);
        }
    }

    /**
     * Cuts the client connection so a response that was started cannot look complete. With a length or
     * chunked framing a plain close already shows the cut (the length is not met, the last chunk never
     * comes), and it delivers what was sent so far; a body that ends with the connection needs a reset.
     */
    private void abortClient() {
        boolean reset;
        lock.lock();
        try {
            clientGoneLocked();
            reset = !responseCommitted || closeDelimited;
        } finally {
            unlock();
        }
        if (reset) {
            connection.closeNow();
        } else {
            connection.closeAfterSent();
        }
    }

    /**
     * Arranges for the upstream response stage to fail once the lock is released: completing it runs the
     * filters' callbacks, which must never run under the lock.
     */
    private void failUpstreamResponseLater(Throwable cause) {
        if (upstreamResponse != null && !upstreamResponse.isDone() && failLater == null) {
            failLater = upstreamResponse;
            failLaterCause = cause;
        }
    }

    /** Releases the lock; the outermost release completes a stage that {@link #failUpstreamResponseLater} set aside. */
    private void unlock() {
        if (lock.getHoldCount() == 1 && failLater != null) {
            CompletableFuture<ProxyResponse> future = failLater;
            Throwable cause = failLaterCause;
            failLater = null;
            failLaterCause = null;
            lock.unlock();
            future.completeExceptionally(cause);
        } else {
            lock.unlock();
        }
    }

    private static String versionOf(HttpResponse response) {
        ProtocolVersion version = response.getVersion();
        return version != null && version.getMinor() == 0 && version.getMajor() == 1 ? "1.0" : "1.1";
    }

    /** Returns the flow-control state, for DEBUG lines about failures. Call with the lock held. */
    private String describe(UpstreamAttempt current) {
        return "request[received=" + requestReceived + " done=" + requestDone + " credited=" + requestCredited
                + " buffered=" + requestPipe.size() + " ended=" + requestEnded + " discarding=" + requestDiscarding
                + " capacity=" + (clientCapacity != null) + "] upstream[channel=" + (current.channel != null)
                + " complete=" + current.requestComplete + " aborted=" + current.requestAborted
                + "] response[head=" + current.responseHeadReceived + " done=" + current.responseDone
                + " credited=" + current.responseCredited + " buffered=" + current.responsePipe.size()
                + " complete=" + current.responseComplete + " capacity=" + (current.capacity != null)
                + " committed=" + responseCommitted + " streaming=" + streaming + " clientChannel="
                + (clientChannel != null) + " ended=" + responseEnded + "]";
    }

    private String routeName() {
        return match != null ? match.route().name() : "-";
    }

    // ------------------------------------------------------------------------------------------------
    // ProxyExchange

    /** Returns {@code worker-sequence}, such as {@code 1-42}: unique within the proxy, cheap to make. */
    @Override
    public String id() {
        return (id >>> 48) + "-" + (id & 0xFFFF_FFFF_FFFFL);
    }

    @Override
    public ProxyRequest request() {
        return currentRequest;
    }

    @Override
    public Route route() {
        return match != null ? match.route() : null;
    }

    @Override
    public Map<String, String> pathParameters() {
        return match != null ? match.parameters() : Map.of();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return connection.peer();
    }

    @Override
    public InetAddress clientAddress() {
        return clientAddress != null ? clientAddress : connection.peer().getAddress();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T attribute(AttributeKey<T> key) {
        lock.lock();
        try {
            return attributes == null ? null : (T) attributes.get(key);
        } finally {
            unlock();
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T putAttribute(AttributeKey<T> key, T value) {
        lock.lock();
        try {
            if (value == null) {
                return attributes == null ? null : (T) attributes.remove(key);
            }
            if (attributes == null) {
                attributes = new HashMap<>(4);
            }
            return (T) attributes.put(key, value);
        } finally {
            unlock();
        }
    }

    @Override
    public String toString() {
        return "Exchange[" + id() + " " + originalRequest + "]";
    }

    /** Ends filter chains whose exchange has no client any more; never logged, never answered. */
    static final class ClientGone extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final ClientGone INSTANCE = new ClientGone();

        private ClientGone() {
            super("the client went away", null, false, false);
        }
    }
}
