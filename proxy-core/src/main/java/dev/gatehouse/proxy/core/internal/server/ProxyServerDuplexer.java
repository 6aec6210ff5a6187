package dev.gatehouse.proxy.core.internal.server;

import java.nio.channels.ReadableByteChannel;
import org.apache.hc.core5.function.Callback;
import org.apache.hc.core5.http.ConnectionReuseStrategy;
import org.apache.hc.core5.http.ContentLengthStrategy;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.config.CharCodingConfig;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.BasicHttpTransportMetrics;
import org.apache.hc.core5.http.impl.nio.ServerHttp1StreamDuplexer;
import org.apache.hc.core5.http.nio.AsyncServerExchangeHandler;
import org.apache.hc.core5.http.nio.ContentDecoder;
import org.apache.hc.core5.http.nio.HandlerFactory;
import org.apache.hc.core5.http.nio.NHttpMessageParser;
import org.apache.hc.core5.http.nio.NHttpMessageWriter;
import org.apache.hc.core5.http.nio.SessionInputBuffer;
import org.apache.hc.core5.http.protocol.HttpProcessor;
import org.apache.hc.core5.reactor.ProtocolIOSession;

/**
 * HttpCore's HTTP/1.1 server duplexer, with body decoders that respect the input window
 * ({@link WindowedChannel}) and a strict decoder for chunked bodies ({@link StrictChunkDecoder}).
 */
final class ProxyServerDuplexer extends ServerHttp1StreamDuplexer {

    private final ProtocolIOSession session;
    private final ClientLimits limits;

    ProxyServerDuplexer(ProtocolIOSession session, HttpProcessor processor,
                        HandlerFactory<AsyncServerExchangeHandler> handlers, String scheme, Http1Config config,
                        ConnectionReuseStrategy reuse, NHttpMessageParser<HttpRequest> parser,
                        NHttpMessageWriter<HttpResponse> writer, Callback<Exception> exceptionCallback,
                        ClientLimits limits) {
        super(session, processor, handlers, scheme, config, CharCodingConfig.DEFAULT, reuse, parser, writer,
                FieldLength.INSTANCE, FieldLength.INSTANCE, null, exceptionCallback);
        this.session = session;
        this.limits = limits;
    }

    @Override
    protected ContentDecoder createContentDecoder(long length, ReadableByteChannel channel, SessionInputBuffer buffer,
                                                  BasicHttpTransportMetrics metrics) throws HttpException {
        WindowedChannel windowed = new WindowedChannel(session, channel);
        if (length == ContentLengthStrategy.CHUNKED) {
            return new StrictChunkDecoder(windowed, buffer, metrics, limits);
        }
        return super.createContentDecoder(length, windowed, buffer, metrics);
    }
}
