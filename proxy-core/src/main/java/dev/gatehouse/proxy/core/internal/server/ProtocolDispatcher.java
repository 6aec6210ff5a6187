package dev.gatehouse.proxy.core.internal.server;

import dev.gatehouse.proxy.core.internal.client.ClientEndpoint;
import dev.gatehouse.proxy.core.internal.client.UpstreamFraming;
import dev.gatehouse.proxy.core.internal.exchange.Exchange;
import dev.gatehouse.proxy.core.internal.reactor.DeferredWriteSession;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.nio.ClientHttp1IOEventHandler;
import org.apache.hc.core5.http.impl.nio.ClientHttp1StreamDuplexer;
import org.apache.hc.core5.http.impl.nio.ServerHttp1IOEventHandler;
import org.apache.hc.core5.http.impl.nio.ServerHttp1StreamDuplexer;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.protocol.HttpProcessor;
import org.apache.hc.core5.reactor.IOEventHandler;
import org.apache.hc.core5.reactor.IOEventHandlerFactory;
import org.apache.hc.core5.reactor.ProtocolIOSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives each new session its protocol handler: sessions accepted by a listener get an HTTP/1.1 server
 * duplexer whose exchanges are proxied; sessions the proxy opened to an upstream get an HTTP/1.1 client
 * duplexer. The attachment tells them apart.
 */
final class ProtocolDispatcher implements IOEventHandlerFactory {

    private static final Logger logger = LoggerFactory.getLogger(ProtocolDispatcher.class);

    /** The proxy writes every response header itself, framing included; HttpCore must add nothing. */
    private static final HttpProcessor NOTHING = new HttpProcessor() {
        @Override
        public void process(HttpRequest request, EntityDetails entity, HttpContext context) {
        }

        @Override
        public void process(HttpResponse response, EntityDetails entity, HttpContext context) {
        }
    };

    private final ProxyServer server;
    private final Http1Config serverConfig;
    private final Http1Config clientConfig;

    ProtocolDispatcher(ProxyServer server, Http1Config serverConfig, Http1Config clientConfig) {
        this.server = server;
        this.serverConfig = serverConfig;
        this.clientConfig = clientConfig;
    }

    @Override
    public IOEventHandler createHandler(ProtocolIOSession session, Object attachment) {
        // The duplexers write through the wrapper, so what they write from another session's callback on
        // this thread goes out when that callback returns, not a selector round later.
        boolean upstreamSide = attachment instanceof ClientEndpoint;
        DeferredWriteSession deferring = DeferredWriteSession.wrap(session, upstreamSide);
        if (upstreamSide) {
            ClientEndpoint upstream = (ClientEndpoint) attachment;
            upstream.sessionCreated(deferring);
            ClientHttp1StreamDuplexer duplexer = new ProxyClientDuplexer(deferring, UpstreamFraming.INSTANCE,
                    clientConfig, KeepAliveRules.INSTANCE, new UpstreamResponseParser(),
                    new HeadWriter<>());
            return new ClosingHandler(new ClientHttp1IOEventHandler(duplexer), upstream::disconnected);
        }
        Listener listener = attachment instanceof Listener ? (Listener) attachment : Listener.HTTP;
        int worker = Math.max(0, server.reactor().currentWorker());
        DownstreamConnection connection = new DownstreamConnection(server, session, listener.scheme(), worker);
        session.setSocketTimeout(server.keepAliveTimeout());
        ServerHttp1StreamDuplexer duplexer = new ProxyServerDuplexer(deferring, NOTHING,
                (request, context) -> new Exchange(connection), listener.scheme(), serverConfig,
                KeepAliveRules.INSTANCE, new StrictRequestParser(server.clientLimits(), connection),
                new HeadWriter<>(),
                ProtocolDispatcher::exchangeFailedWithoutHandler, server.clientLimits());
        server.connectionOpened(connection);
        return new ClosingHandler(new ServerHttp1IOEventHandler(duplexer), () -> server.connectionClosed(connection),
                connection::inputClosed);
    }

    private static void exchangeFailedWithoutHandler(Exception cause) {
        logger.debug("A client connection failed outside an exchange", cause);
    }

    /** What a listener hands to the sessions it accepts. */
    static final class Listener {
        static final Listener HTTP = new Listener("http");
        private final String scheme;

        Listener(String scheme) {
            this.scheme = scheme;
        }

        String scheme() {
            return scheme;
        }
    }
}
