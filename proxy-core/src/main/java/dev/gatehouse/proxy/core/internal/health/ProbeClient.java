package dev.gatehouse.proxy.core.internal.health;

import dev.gatehouse.proxy.Body;
import dev.gatehouse.proxy.Headers;
import dev.gatehouse.proxy.ProxyResponse;
import dev.gatehouse.proxy.Upstream;
import dev.gatehouse.proxy.core.internal.client.ClientEndpoint;
import dev.gatehouse.proxy.core.internal.reactor.IoReactor;
import dev.gatehouse.proxy.health.HealthProbes;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.AsyncClientExchangeHandler;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.RequestChannel;
import org.apache.hc.core5.http.nio.command.RequestExecutionCommand;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.Command;
import org.apache.hc.core5.reactor.IOSession;
import org.apache.hc.core5.util.Timeout;

/**
 * The probes health checkers use: a connect, or a GET, each on a connection of its own on the proxy's
 * reactor, closed afterwards, and bounded by the health-check timeout. Thread-safe.
 */
public final class ProbeClient implements HealthProbes {

    private static final int MAX_BODY = 64 * 1024;

    private final IoReactor reactor;
    private final ScheduledExecutorService control;
    private final Timeout timeout;

    /** Creates the client. */
    public ProbeClient(IoReactor reactor, ScheduledExecutorService control, Timeout timeout) {
        this.reactor = reactor;
        this.control = control;
        this.timeout = timeout;
    }

    @Override
    public CompletionStage<Void> connect(Upstream upstream) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        open(upstream, result, session -> result.complete(null));
        return result;
    }

    @Override
    public CompletionStage<ProxyResponse> get(Upstream upstream, String path) {
        CompletableFuture<ProxyResponse> result = new CompletableFuture<>();
        BasicHttpRequest request = new BasicHttpRequest("GET", null, null, path);
        request.addHeader("Host", upstream.port() == 80 ? upstream.host() : upstream.authority());
        request.addHeader("User-Agent", "gatehouse-health-check");
        request.addHeader("Connection", "close");
        open(upstream, result, session -> session.enqueue(
                new RequestExecutionCommand(new Exchange(request, result), HttpCoreContext.create()),
                Command.Priority.NORMAL));
        return result;
    }

    /** Connects, runs {@code use} on the session, and closes the connection when {@code result} is done. */
    private <T> void open(Upstream upstream, CompletableFuture<T> result, java.util.function.Consumer<IOSession> use) {
        Probe probe = new Probe();
        try {
            reactor.connect(new HttpHost("http", upstream.host(), upstream.port()),
                    new InetSocketAddress(upstream.host(), upstream.port()), timeout, probe, -1,
                    new FutureCallback<IOSession>() {
                        @Override
                        public void completed(IOSession session) {
                            probe.session = session;
                            session.setSocketTimeout(timeout);
                            if (result.isDone()) {
                                session.close(CloseMode.IMMEDIATE);
                            } else {
                                use.accept(session);
                            }
                        }

                        @Override
                        public void failed(Exception cause) {
                            result.completeExceptionally(cause);
                        }

                        @Override
                        public void cancelled() {
                            result.completeExceptionally(new java.net.ConnectException("cancelled"));
                        }
                    });
            control.schedule(() -> result.completeExceptionally(
                    new SocketTimeoutException("no answer within " + timeout)), timeout.toMilliseconds(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
        result.whenComplete((value, failure) -> probe.close());
    }

    /** A probe's connection: never pooled, closed when the probe is done. */
    private static final class Probe implements ClientEndpoint {
        private volatile IOSession session;
        private volatile boolean closed;

        void close() {
            closed = true;
            IOSession current = session;
            if (current != null) {
                current.close(CloseMode.IMMEDIATE);
            }
        }

        @Override
        public void disconnected() {
            closed = true;
        }
    }

    /** Sends a GET without a body and keeps the response head and up to 64 KiB of its body. */
    private static final class Exchange implements AsyncClientExchangeHandler {
        private final BasicHttpRequest request;
        private final CompletableFuture<ProxyResponse> result;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private volatile HttpResponse head;

        Exchange(BasicHttpRequest request, CompletableFuture<ProxyResponse> result) {
            this.request = request;
            this.result = result;
        }

        @Override
        public void produceRequest(RequestChannel channel, HttpContext context) throws org.apache.hc.core5.http.HttpException, java.io.IOException {
            channel.sendRequest(request, null, context);
        }

        @Override
        public int available() {
            return 0;
        }

        @Override
        public void produce(DataStreamChannel channel) {
        }

        @Override
        public void consumeInformation(HttpResponse response, HttpContext context) {
        }

        @Override
        public void consumeResponse(HttpResponse response, EntityDetails entity, HttpContext context) {
            head = response;
            if (entity == null) {
                complete();
            }
        }

        @Override
        public void updateCapacity(CapacityChannel channel) throws java.io.IOException {
            channel.update(Integer.MAX_VALUE);        // the body is kept up to a cap and dropped beyond it
        }

        @Override
        public void consume(ByteBuffer src) {
            int keep = Math.min(src.remaining(), MAX_BODY - body.size());
            if (keep > 0) {
                byte[] bytes = new byte[keep];
                src.get(bytes);
                body.write(bytes, 0, keep);
            }
            src.position(src.limit());
        }

        @Override
        public void streamEnd(List<? extends Header> trailers) {
            complete();
        }

        private void complete() {
            try {
                Headers.Builder headers = Headers.builder();
                for (Header header : head.getHeaders()) {
                    headers.add(header.getName(), header.getValue());
                }
                result.complete(ProxyResponse.of(head.getCode(), headers.build(), Body.of(body.toByteArray())));
            } catch (IllegalArgumentException e) {
                result.completeExceptionally(new org.apache.hc.core5.http.ProtocolException("invalid health-check response: "
                        + e.getMessage()));
            }
        }

        @Override
        public void failed(Exception cause) {
            result.completeExceptionally(cause);
        }

        @Override
        public void cancel() {
            result.completeExceptionally(new java.net.ConnectException("cancelled"));
        }

        @Override
        public void releaseResources() {
        }
    }
}
