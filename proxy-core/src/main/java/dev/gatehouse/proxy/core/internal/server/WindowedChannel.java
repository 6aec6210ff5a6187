package dev.gatehouse.proxy.core.internal.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;
import org.apache.hc.core5.reactor.IOSession;

/**
 * The socket as HttpCore's body decoders see it: it reads nothing while the session's read interest is
 * off.
 *
 * <p>HttpCore switches read interest off when a message's input window is used up, but its chunk decoder
 * refills the session buffer from the socket in a loop that runs as long as data keeps arriving; a fast
 * upstream could push the whole kernel receive buffer (megabytes) past the window into the proxy. Through
 * this view the decoders stop at the window like everything else, so memory per exchange stays bounded
 * by the window.
 */
final class WindowedChannel implements ReadableByteChannel {

    private final IOSession session;
    private final ReadableByteChannel socket;

    WindowedChannel(IOSession session, ReadableByteChannel socket) {
        this.session = session;
        this.socket = socket;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int interest;
        try {
            interest = session.getEventMask();
        } catch (CancelledKeyException e) {
            return socket.read(dst);     // closing: let the decoder see the end of stream
        }
        return (interest & SelectionKey.OP_READ) == 0 ? 0 : socket.read(dst);
    }

    @Override
    public boolean isOpen() {
        return socket.isOpen();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
