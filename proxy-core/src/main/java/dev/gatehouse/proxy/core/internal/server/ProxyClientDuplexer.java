package dev.gatehouse.proxy.core.internal.server;

import java.nio.channels.ReadableByteChannel;
import org.apache.hc.core5.http.ConnectionReuseStrategy;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.config.CharCodingConfig;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.BasicHttpTransportMetrics;
import org.apache.hc.core5.http.impl.nio.ClientHttp1StreamDuplexer;
import org.apache.hc.core5.http.nio.ContentDecoder;
import org.apache.hc.core5.http.nio.NHttpMessageParser;
import org.apache.hc.core5.http.nio.NHttpMessageWriter;
import org.apache.hc.core5.http.nio.SessionInputBuffer;
import org.apache.hc.core5.http.protocol.HttpProcessor;
import org.apache.hc.core5.reactor.ProtocolIOSession;

/** HttpCore's HTTP/1.1 client duplexer, with body decoders that respect the input window ({@link WindowedChannel}). */
final class ProxyClientDuplexer extends ClientHttp1StreamDuplexer {

    private final ProtocolIOSession session;

    ProxyClientDuplexer(ProtocolIOSession session, HttpProcessor processor, Http1Config config,
                        ConnectionReuseStrategy reuse, NHttpMessageParser<HttpResponse> parser,
                        NHttpMessageWriter<HttpRequest> writer) {
        super(session, processor, config, CharCodingConfig.DEFAULT, reuse, parser, writer, FieldLength.INSTANCE,
                FieldLength.INSTANCE, null);
        this.session = session;
    }

    @Override
    protected ContentDecoder createContentDecoder(long length, ReadableByteChannel channel, SessionInputBuffer buffer,
                                                  BasicHttpTransportMetrics metrics) throws HttpException {
        return super.createContentDecoder(length, new WindowedChannel(session, channel), buffer, metrics);
    }
}
