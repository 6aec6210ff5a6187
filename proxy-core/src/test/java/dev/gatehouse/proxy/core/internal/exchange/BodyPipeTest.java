package dev.gatehouse.proxy.core.internal.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.junit.jupiter.api.Test;

/** The body buffers of an exchange: the pipe that parks bytes, and the replay buffer that keeps them. */
class BodyPipeTest {

    /** A channel that takes at most {@code limit} bytes a call and keeps them. */
    private static final class SlowChannel implements DataStreamChannel {
        final java.io.ByteArrayOutputStream taken = new java.io.ByteArrayOutputStream();
        int limit;

        SlowChannel(int limit) {
            this.limit = limit;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(limit, src.remaining());
            byte[] bytes = new byte[n];
            src.get(bytes);
            taken.writeBytes(bytes);
            return n;
        }

        @Override
        public void requestOutput() {
        }

        @Override
        public void endStream(List<? extends Header> trailers) {
        }

        @Override
        public void endStream() {
        }
    }

    @Test
    void keepsOrderAcrossPartialWrites() throws IOException {
        BodyPipe pipe = new BodyPipe();
        pipe.put(ByteBuffer.wrap("hello ".getBytes()));
        pipe.put(ByteBuffer.wrap("world".getBytes()));
        SlowChannel channel = new SlowChannel(4);
        assertThat(pipe.writeTo(channel)).isEqualTo(4);
        pipe.put(ByteBuffer.wrap("!".getBytes()));
        while (!pipe.isEmpty()) {
            pipe.writeTo(channel);
        }
        assertThat(channel.taken.toString()).isEqualTo("hello world!");
    }

    @Test
    void refusesToGrowPastItsGuard() throws IOException {
        BodyPipe pipe = new BodyPipe();
        pipe.put(ByteBuffer.allocate(BodyPipe.LIMIT));
        assertThatThrownBy(() -> pipe.put(ByteBuffer.allocate(1))).hasMessageContaining("flow control");
        pipe.clear();
        assertThat(pipe.size()).isZero();
    }

    @Test
    void aReplayBufferSendsTheBodyAgainFromItsFirstByteAndHandsOverItsTail() throws IOException {
        ReplayBuffer replay = new ReplayBuffer(16);
        byte[] body = new byte[20_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ('a' + i % 26);
        }
        replay.append(ByteBuffer.wrap(body, 0, 9000));       // grows past its first 8 KiB
        replay.append(ByteBuffer.wrap(body, 9000, 11_000));
        SlowChannel first = new SlowChannel(3000);
        long sent = 0;
        while (sent < 12_000) {
            sent += replay.writeTo(first, sent, 12_000);
        }
        SlowChannel again = new SlowChannel(7000);
        long resent = 0;
        while (resent < replay.size()) {
            resent += replay.writeTo(again, resent, replay.size());
        }
        assertThat(again.taken.toByteArray()).isEqualTo(body);
        assertThat(first.taken.toByteArray()).isEqualTo(java.util.Arrays.copyOf(body, 12_000));

        BodyPipe pipe = new BodyPipe();
        replay.moveTail(12_000, pipe);
        SlowChannel rest = new SlowChannel(100_000);
        pipe.writeTo(rest);
        assertThat(rest.taken.toByteArray()).isEqualTo(java.util.Arrays.copyOfRange(body, 12_000, body.length));
    }
}
