package dev.gatehouse.proxy.core.internal.exchange;

import dev.gatehouse.proxy.Body;
import dev.gatehouse.proxy.Headers;
import dev.gatehouse.proxy.NoHealthyUpstreamException;
import dev.gatehouse.proxy.NoRouteException;
import dev.gatehouse.proxy.ProxyException;
import dev.gatehouse.proxy.ProxyRequest;
import dev.gatehouse.proxy.ProxyResponse;
import dev.gatehouse.proxy.Route;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.core.internal.balancer.ResponseCookies;
import dev.gatehouse.proxy.core.internal.balancer.UpstreamGroup;
import dev.gatehouse.proxy.core.internal.client.UpstreamConnection;
import dev.gatehouse.proxy.core.internal.client.UpstreamSaturatedException;
import dev.gatehouse.proxy.core.internal.filter.ChainedExchange;
import dev.gatehouse.proxy.core.internal.filter.FilterChainRunner;
import dev.gatehouse.proxy.core.internal.filter.FilterException;
import dev.gatehouse.proxy.core.internal.headers.HeaderRules;
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
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.RequestNotExecutedException;
import org.apache.hc.core5.http.impl.BasicEntityDetails;
import org.apache.hc.core5.http.message.BasicHttpRequest;
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
 * </ul>
 */
public final class Exchange implements AsyncServerExchangeHandler, ChainedExchange, ResponseCookies {

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

    // Guarded by lock.
    private Map<AttributeKey<?>, Object> attributes;
    private UpstreamAttempt attempt;
    private CompletableFuture<ProxyResponse> upstreamResponse;
    private int notExecutedRetries;
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
        this.responseChannel = channel;
        this.context = httpContext;
        lock.lock();
        try {
            started = true;
        } finally {
            unlock();
        }
        server.exchangeStarted();
        connection.exchangeStarted();
        try {
            start();
        } catch (RuntimeException | Error e) {
            logger.error("{} broken invariant while starting the exchange", id(), e);
            abortClient();
        }
    }

    private void start() {
        head = RequestHeadParser.parse(clientHead, requestEntity != null, connection.scheme(),
                connection.localAuthority());
        if (head.isRejected()) {
            logger.debug("{} rejected with {}: {}", id(), head.rejectStatus(), head.rejectReason());
            respondLocally(head.rejectStatus());
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
            if (current != null && takesRequestBody(current) && requestPipe.isEmpty()) {
                try {
                    requestDone += current.channel.write(src);
                } catch (IOException e) {
                    failAttemptLocked(current, e);
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
                    lingerIfDiscarding();
                }
            } else if (streaming && attempt != null) {
                pumpResponse(attempt);
            }
        } catch (IOException e) {
            logger.debug("{} the client connection failed while writing the response: {}", id(), e.toString());
            clientGoneLocked();
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
            connection.exchangeEnded();
            server.exchangeEnded();
        }
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
        UpstreamGroup.Snapshot members = route.group().snapshot();
        Upstream chosen;
        try {
            chosen = members.selector().select(this);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("the load balancer of route '"
                    + route.route().name() + "' threw " + e, e));
        }
        if (chosen == null) {
            return CompletableFuture.failedFuture(new NoHealthyUpstreamException(
                    "route '" + route.route().name() + "' has no upstream available"));
        }
        UpstreamGroup.Member member = members.member(chosen);
        if (member == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("the load balancer of route '"
                    + route.route().name() + "' returned " + chosen + ", which is not one of its upstreams"));
        }
        HttpRequest upstreamHead = upstreamHead(request, chosen, route.route());
        UpstreamAttempt created;
        lock.lock();
        try {
            if (clientGone || responseCommitted) {
                return CompletableFuture.failedFuture(ClientGone.INSTANCE);
            }
            if (upstreamResponse != null) {
                return CompletableFuture.failedFuture(new IllegalStateException("the request was already forwarded"));
            }
            upstreamResponse = new CompletableFuture<>();
            created = newAttempt(member, upstreamHead);
            attempt = created;
        } finally {
            unlock();
        }
        created.start();
        return upstreamResponse;
    }

    private UpstreamAttempt newAttempt(UpstreamGroup.Member member, HttpRequest upstreamHead) {
        int worker = server.reactor().currentWorker();
        RouteRuntime route = match.runtime();
        return new UpstreamAttempt(this, member, member.state().pool(worker >= 0 ? worker : connection.worker()),
                upstreamHead, requestEntity == null ? null : new BasicEntityDetails(requestEntity.getContentLength(), null),
                route.connectTimeout(), route.responseTimeout(), route.idleTimeout());
    }

    /** Builds the upstream request head: rewritten path, the route's Host, the filters' headers. */
    private HttpRequest upstreamHead(ProxyRequest request, Upstream upstream, Route route) {
        // A filter that set its own path takes over from the route's rewrite.
        String path = request.path().equals(originalRequest.path()) ? match.rewrite(request.path()) : request.path();
        String target = request.query() == null ? path : path + "?" + request.query();
        BasicHttpRequest upstreamHead = new BasicHttpRequest(request.method(), null, null, target);
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
                upstreamHead.addHeader(name, value);
            }
        }
        if (head.expectsContinue()) {
            upstreamHead.addHeader("Expect", "100-continue");
        }
        return upstreamHead;
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
        BasicHttpResponse httpResponse;
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
            httpResponse = new BasicHttpResponse(status, ErrorResponses.reason(status));
            Headers headers = response.headers();
            for (int i = 0; i < headers.size(); i++) {
                String name = headers.name(i);
                if (!HeaderRules.isHopByHopResponseHeader(name) && !name.equalsIgnoreCase("Content-Length")) {
                    httpResponse.addHeader(name, headers.value(i));
                }
            }
            boolean http10 = isHttp10(clientHead);
            if (bodyAllowed) {
                long length = fromUpstream
                        ? (current.responseEntity != null ? current.responseEntity.getContentLength() : 0)
                        : body.length();
                if (length >= 0) {
                    httpResponse.addHeader("Content-Length", Long.toString(length));
                } else if (!http10) {
                    httpResponse.addHeader("Transfer-Encoding", "chunked");
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
                    httpResponse.addHeader("Content-Length", declared);
                }
            }
            if (fromUpstream && stickyCookie != null) {
                httpResponse.addHeader("Set-Cookie", stickyCookie);
            }
            if (!headers.contains("Date")) {
                httpResponse.addHeader("Date", HttpDates.now());
            }
            if (!fromUpstream && body.length() > 0 && !headers.contains("Content-Type")) {
                httpResponse.addHeader("Content-Type", "text/plain; charset=utf-8");
            }
            if (closeAfterResponse || !clientWantsKeepAlive(http10)) {
                httpResponse.addHeader("Connection", "close");
            } else if (http10) {
                httpResponse.addHeader("Connection", "keep-alive");
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
                    lingerIfDiscarding();
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

    private boolean clientWantsKeepAlive(boolean http10) {
        boolean keepAlive = !http10;
        for (Iterator<Header> it = clientHead.headerIterator("Connection"); it.hasNext(); ) {
            for (String token : it.next().getValue().split(",")) {
                String trimmed = token.trim();
                if (trimmed.equalsIgnoreCase("close")) {
                    return false;
                }
                if (trimmed.equalsIgnoreCase("keep-alive")) {
                    keepAlive = true;
                }
            }
        }
        return keepAlive;
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
            if (from != attempt || from.requestComplete || from.requestAborted || requestDiscarding || clientGone) {
                return 0;
            }
            int size = requestPipe.size();
            return size > 0 ? size : requestEnded ? 1 : 0;
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
            failAttemptLocked(from, e);
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
            if (from != attempt || from.ended) {
                return;
            }
            if (from.connection != null) {
                from.connection.socketTimeout(from.idleTimeout);
            }
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
                    logger.debug("{} the client connection failed while writing the response: {}", id(), e.toString());
                    clientGoneLocked();
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
        CompletableFuture<ProxyResponse> future = null;
        ProxyException failure = null;
        UpstreamAttempt retry = null;
        lock.lock();
        try {
            if (failed.responseComplete && failed.released) {
                return;                          // a late report about an attempt that completed
            }
            boolean connected = failed.connection != null;
            if (logger.isDebugEnabled()) {
                logger.debug("{} upstream attempt failed: {} in state {}", id(), cause.toString(), describe(failed));
            }
            failed.discardConnection();
            if (failed != attempt || clientGone) {
                return;
            }
            if (!failed.responseHeadReceived) {
                if (!(cause instanceof RequestNotExecutedException) && !(cause instanceof UpstreamSaturatedException)) {
                    recordOutcome(failed, false);
                }
                if (cause instanceof RequestNotExecutedException && notExecutedRetries < MAX_NOT_EXECUTED_RETRIES
                        && !responseCommitted) {
                    // HttpCore never wrote a byte of it (the pooled connection closed first): safe for any method.
                    notExecutedRetries++;
                    retry = new UpstreamAttempt(this, failed.member, failed.pool, failed.head, failed.entity,
                            failed.connectTimeout, failed.responseTimeout, failed.idleTimeout);
                    attempt = retry;
                } else {
                    failure = Failures.upstream(cause, connected, failed.state.upstream());
                    future = upstreamResponse;
                }
            } else if (responseCommitted && streaming) {
                server.upstreamFailures().warn("{} route '{}': upstream {} failed after the response started ({});"
                        + " closing the client connection", id(), routeName(), failed.state.upstream(), cause.toString());
                abortClient();
            } else {
                failed.bodyFailed = true;        // commit() answers 502 instead of a broken body
            }
        } catch (RuntimeException e) {
            logger.warn("{} broken invariant while handling an upstream failure", id(), e);
            abortClient();
        } finally {
            unlock();
        }
        if (retry != null) {
            logger.debug("{} retrying on a new connection: the request was not sent", id());
            retry.start();
        }
        if (future != null) {
            future.completeExceptionally(failure);
        }
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
        return current.channel != null && !current.requestComplete && !current.requestAborted;
    }

    private void pumpRequest(UpstreamAttempt current) {
        if (!takesRequestBody(current) || requestDiscarding) {
            return;
        }
        try {
            while (!requestPipe.isEmpty()) {
                int written = requestPipe.writeTo(current.channel);
                if (written == 0) {
                    break;
                }
                requestDone += written;
            }
            creditClient();
            if (requestEnded && requestPipe.isEmpty()) {
                current.requestComplete = true;
                current.channel.endStream(requestTrailers);
                current.releaseIfDone();
            }
        } catch (IOException e) {
            failAttemptLocked(current, e);
        }
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
                lingerIfDiscarding();
            }
        } catch (IOException e) {
            logger.debug("{} the client connection failed while writing the response: {}", id(), e.toString());
            clientGoneLocked();
        }
    }

    /** Grants the client input capacity for what has been passed on (or dropped) since the last grant. */
    private void creditClient() {
        if (clientCapacity != null) {
            long granted = grant(clientCapacity, requestReceived, requestDone, requestCredited);
            requestCredited += granted;
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
    private void lingerIfDiscarding() {
        if (requestDiscarding && !requestEnded) {
            connection.linger(LINGER);
        }
    }

    /** The client's remaining body will not be forwarded: read and drop it, then close the connection. */
    private void startDiscardingRequest() {
        requestDiscarding = true;
        closeAfterResponse = true;
        requestDone += requestPipe.size();
        requestPipe.clear();
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

    private void failAttemptLocked(UpstreamAttempt current, Exception cause) {
        current.discardConnection();
        if (!current.responseHeadReceived) {
            recordOutcome(current, false);
        }
        if (!current.responseHeadReceived && !responseCommitted) {
            failUpstreamResponseLater(Failures.upstream(cause, true, current.state.upstream()));
        } else if (responseCommitted && streaming) {
            abortClient();
        } else {
            current.bodyFailed = true;
        }
        requestPipe.clear();
        if (!requestEnded) {
            startDiscardingRequest();
        }
    }

    private void clientGoneLocked() {
        clientGone = true;
        requestPipe.clear();
        if (attempt != null) {
            abandonUpstream(attempt);
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
