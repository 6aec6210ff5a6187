package dev.gatehouse.proxy.core.internal.reactor;

import static dev.gatehouse.proxy.core.internal.reactor.IoThreads.onIoThread;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.net.NamedEndpoint;
import org.apache.hc.core5.reactor.Command;
import org.apache.hc.core5.reactor.IOEventHandler;
import org.apache.hc.core5.reactor.IOSession;
import org.apache.hc.core5.reactor.ProtocolIOSession;
import org.apache.hc.core5.reactor.ssl.SSLBufferMode;
import org.apache.hc.core5.reactor.ssl.SSLSessionInitializer;
import org.apache.hc.core5.reactor.ssl.SSLSessionVerifier;
import org.apache.hc.core5.reactor.ssl.TlsDetails;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.Test;

/**
 * The deferred write: what a handler wishes to write inside a callback on its I/O thread is written when the
 * callback returns, without touching the selection key; everything else reaches HttpCore's session as before.
 * HttpCore's session is played by a recording stand-in, because the key's interest set is what is checked.
 */
class DeferredWriteSessionTest {

    @Test
    void aWriteWishedInsideACallbackIsDoneWhenTheCallbackReturnsAndTheKeyIsNeverTouched() throws Throwable {
        onIoThread(() -> {
            KeySession key = new KeySession();
            DeferredWriteSession session = wrapped(key);
            key.handler = writer(session, 20, true);

            WorkerThread worker = WorkerThread.callbackStarted();
            session.setEvent(SelectionKey.OP_WRITE);
            assertThat(key.handler.outputs).isZero();
            assertThat(session.getEventMask() & SelectionKey.OP_WRITE).isNotZero();
            worker.callbackEnded();

            assertThat(key.handler.outputs).isEqualTo(1);
            assertThat(key.written).isEqualTo(20);
            assertThat(key.calls).isEmpty();
            assertThat(session.getEventMask() & SelectionKey.OP_WRITE).isZero();
        });
    }

    @Test
    void whatTheSocketDoesNotTakeWaitsForTheSelector() throws Throwable {
        onIoThread(() -> {
            KeySession key = new KeySession();
            key.capacity = 10;
            DeferredWriteSession session = wrapped(key);
            key.handler = writer(session, 100, false);

            WorkerThread worker = WorkerThread.callbackStarted();
            session.setEvent(SelectionKey.OP_WRITE);
            worker.callbackEnded();

            assertThat(key.handler.outputs).as("no second try on a full socket").isEqualTo(1);
            assertThat(key.calls).containsExactly("setEvent 4");
            assertThat(key.mask & SelectionKey.OP_WRITE).isNotZero();
        });
    }

    @Test
    void aHandlerThatAsksToWriteAgainRunsAgainAFewTimesAtMost() throws Throwable {
        onIoThread(() -> {
            KeySession once = new KeySession();
            DeferredWriteSession startsARequest = wrapped(once);
            // As HttpCore's duplexer does when it takes a request from its queue: it writes, then asks again.
            once.handler = new RecordingHandler(handler -> {
                startsARequest.write(ByteBuffer.allocate(5));
                if (handler.outputs == 1) {
                    startsARequest.setEvent(SelectionKey.OP_WRITE);
                } else {
                    startsARequest.clearEvent(SelectionKey.OP_WRITE);
                }
            });
            KeySession forever = new KeySession();
            DeferredWriteSession neverDone = wrapped(forever);
            forever.handler = writer(neverDone, 5, false);

            WorkerThread worker = WorkerThread.callbackStarted();
            startsARequest.setEvent(SelectionKey.OP_WRITE);
            neverDone.setEvent(SelectionKey.OP_WRITE);
            worker.callbackEnded();

            assertThat(once.handler.outputs).isEqualTo(2);
            assertThat(once.calls).isEmpty();
            assertThat(forever.handler.outputs).isEqualTo(3);
            assertThat(forever.calls).containsExactly("setEvent 4");
        });
    }

    @Test
    void aFlushThatWakesAnotherSessionFlushesItInTheSameTurn() throws Throwable {
        onIoThread(() -> {
            KeySession upstreamKey = new KeySession();
            DeferredWriteSession upstream = wrapped(upstreamKey);
            upstreamKey.handler = writer(upstream, 7, true);
            KeySession clientKey = new KeySession();
            DeferredWriteSession client = wrapped(clientKey);
            clientKey.handler = new RecordingHandler(handler -> {
                client.write(ByteBuffer.allocate(3));
                client.clearEvent(SelectionKey.OP_WRITE);
                upstream.setEvent(SelectionKey.OP_WRITE);
            });

            WorkerThread worker = WorkerThread.callbackStarted();
            client.setEvent(SelectionKey.OP_WRITE);
            worker.callbackEnded();

            assertThat(clientKey.handler.outputs).isEqualTo(1);
            assertThat(upstreamKey.handler.outputs).isEqualTo(1);
            assertThat(upstreamKey.written).isEqualTo(7);
            assertThat(upstreamKey.calls).isEmpty();
            assertThat(clientKey.calls).isEmpty();
        });
    }

    @Test
    void theWritesOfABatchGoToClientsFirstThenToUpstreamsEachInTheOrderTheyWereWished() throws Throwable {
        onIoThread(() -> {
            List<String> log = new ArrayList<>();
            DeferredWriteSession upstreamA = logging("upstream A", true, log);
            DeferredWriteSession clientA = logging("client A", false, log);
            DeferredWriteSession upstreamB = logging("upstream B", true, log);
            DeferredWriteSession clientB = logging("client B", false, log);
            // A client whose flush makes another client wish to write (a response that completes another
            // exchange): that one still goes before the upstreams.
            DeferredWriteSession clientC = logging("client C", false, log);
            KeySession wakerKey = new KeySession();
            DeferredWriteSession waker = DeferredWriteSession.wrap(wakerKey, false);
            wakerKey.handler = new RecordingHandler(handler -> {
                log.add("client waker");
                waker.write(ByteBuffer.allocate(1));
                waker.clearEvent(SelectionKey.OP_WRITE);
                clientC.setEvent(SelectionKey.OP_WRITE);
            });

            WorkerThread worker = WorkerThread.callbackStarted();
            upstreamA.setEvent(SelectionKey.OP_WRITE);
            clientA.setEvent(SelectionKey.OP_WRITE);
            upstreamB.setEvent(SelectionKey.OP_WRITE);
            waker.setEvent(SelectionKey.OP_WRITE);
            clientB.setEvent(SelectionKey.OP_WRITE);
            assertThat(log).isEmpty();
            worker.callbackEnded();

            assertThat(log).containsExactly("client A", "client waker", "client B", "client C", "upstream A",
                    "upstream B");
        });
    }

    @Test
    void outsideACallbackOrOnAnotherThreadTheKeyIsUsedAsBefore() throws Throwable {
        KeySession fromElsewhere = new KeySession();
        DeferredWriteSession[] holder = new DeferredWriteSession[1];
        onIoThread(() -> {
            holder[0] = wrapped(fromElsewhere);
            KeySession key = new KeySession();
            DeferredWriteSession session = wrapped(key);
            key.handler = writer(session, 1, true);
            session.setEvent(SelectionKey.OP_WRITE);
            assertThat(key.calls).containsExactly("setEvent 4");
            assertThat(key.handler.outputs).isZero();
        });
        fromElsewhere.handler = writer(holder[0], 1, true);
        holder[0].setEvent(SelectionKey.OP_WRITE);
        assertThat(fromElsewhere.calls).containsExactly("setEvent 4");
        holder[0].clearEvent(SelectionKey.OP_WRITE);
        assertThat(fromElsewhere.calls).containsExactly("setEvent 4", "clearEvent 4");
    }

    @Test
    void readInterestAlreadyInTheKeyIsNotSetAgain() throws Throwable {
        onIoThread(() -> {
            KeySession key = new KeySession();
            DeferredWriteSession session = wrapped(key);
            WorkerThread worker = WorkerThread.callbackStarted();
            session.setEvent(SelectionKey.OP_READ);
            session.clearEvent(SelectionKey.OP_READ);
            session.clearEvent(SelectionKey.OP_READ);
            session.setEvent(SelectionKey.OP_READ);
            worker.callbackEnded();
            assertThat(key.calls).containsExactly("clearEvent 1", "setEvent 1");
        });
    }

    @Test
    void aCommandEnqueuedInsideACallbackIsKeptAndRunByTheFlush() throws Throwable {
        onIoThread(() -> {
            KeySession key = new KeySession();
            DeferredWriteSession session = wrapped(key);
            List<Command> taken = new ArrayList<>();
            key.handler = new RecordingHandler(handler -> {
                for (Command command = session.poll(); command != null; command = session.poll()) {
                    taken.add(command);
                }
                session.clearEvent(SelectionKey.OP_WRITE);
            });
            Command fromElsewhere = () -> true;
            key.commands.add(fromElsewhere);
            Command request = () -> true;

            WorkerThread worker = WorkerThread.callbackStarted();
            session.enqueue(request, Command.Priority.NORMAL);
            assertThat(session.hasCommands()).isTrue();
            worker.callbackEnded();

            assertThat(taken).containsExactly(fromElsewhere, request);
            assertThat(key.calls).isEmpty();
            assertThat(session.hasCommands()).isFalse();
        });
    }

    @Test
    void aCommandForAClosedSessionIsCancelledAndUrgentOnesGoToHttpCore() throws Throwable {
        onIoThread(() -> {
            KeySession key = new KeySession();
            DeferredWriteSession session = wrapped(key);
            boolean[] cancelled = new boolean[1];
            WorkerThread worker = WorkerThread.callbackStarted();
            session.enqueue(() -> true, Command.Priority.IMMEDIATE);
            assertThat(key.calls).containsExactly("enqueue IMMEDIATE");
            key.open = false;
            session.enqueue(() -> cancelled[0] = true, Command.Priority.NORMAL);
            worker.callbackEnded();
            assertThat(cancelled[0]).isTrue();
        });
    }

    @Test
    void aFailingDeferredWriteIsReportedToItsHandlerAndClosesItsSessionOnly() throws Throwable {
        onIoThread(() -> {
            KeySession key = new KeySession();
            DeferredWriteSession session = wrapped(key);
            IOException broken = new IOException("connection reset by peer");
            key.handler = new RecordingHandler(handler -> {
                throw broken;
            });

            WorkerThread worker = WorkerThread.callbackStarted();
            session.setEvent(SelectionKey.OP_WRITE);
            worker.callbackEnded();

            assertThat(key.handler.failures).containsExactly(broken);
            assertThat(key.calls).containsExactly("close GRACEFUL");
        });
    }

    @Test
    void theWritesWishedForWhileTheKeysOfOneSelectAreHandledGoTogetherAfterTheLastKey() throws Throwable {
        onReadyWriters(3, 10, (keys, sessions) -> {
            for (int i = 0; i < 3; i++) {
                wishToWrite(keys.get(i), sessions.get(i));
                if (i < 2) {
                    assertThat(keys).as("nothing written before the last key of the select")
                            .allSatisfy(key -> assertThat(key.handler.outputs).isZero());
                    assertThat(keys.get(0).key.interestOps() & SelectionKey.OP_WRITE)
                            .as("the first waiting session's key holds the write interest meanwhile").isNotZero();
                }
            }
            assertThat(keys).allSatisfy(key -> {
                assertThat(key.handler.outputs).isEqualTo(1);
                assertThat(key.written).isEqualTo(10);
                assertThat(key.key.interestOps()).as("the interest set ends as it began").isEqualTo(SelectionKey.OP_READ);
                assertThat(key.calls).as("HttpCore's own setEvent, which wakes the selector, is not used").isEmpty();
            });
        });
    }

    @Test
    void whenAKeyOfTheSelectProducesNoCallbackTheHeldInterestEndsTheNextSelectAtOnce() throws Throwable {
        onReadyWriters(3, 10, (keys, sessions) -> {
            // The third key is cancelled before its turn, as a closed connection's is: no callback for it.
            keys.get(2).key.cancel();
            for (int i = 0; i < 2; i++) {
                wishToWrite(keys.get(i), sessions.get(i));
            }
            assertThat(keys.get(0).handler.outputs).isZero();
            Selector selector = keys.get(0).key.selector();
            selector.selectedKeys().clear();
            assertThat(selector.selectNow()).as("the next select does not wait").isPositive();
            assertThat(keys.get(0).key.readyOps() & SelectionKey.OP_WRITE).isNotZero();
            selector.selectedKeys().clear();

            // The reactor's next callback, whichever it is, ends the batch.
            WorkerThread worker = WorkerThread.callbackStarted(keys.get(0));
            worker.callbackEnded();
            assertThat(keys.get(0).handler.outputs).isEqualTo(1);
            assertThat(keys.get(1).handler.outputs).isEqualTo(1);
            assertThat(keys.get(0).key.interestOps()).isEqualTo(SelectionKey.OP_READ);
        });
    }

    @Test
    void noMoreThanSixtyFourSessionsWaitForTheEndOfASelect() throws Throwable {
        onReadyWriters(70, 1, (keys, sessions) -> {
            for (int i = 0; i < 64; i++) {
                wishToWrite(keys.get(i), sessions.get(i));
                assertThat(keys.get(0).handler.outputs).isEqualTo(i < 63 ? 0 : 1);
            }
            assertThat(keys.subList(0, 64)).allSatisfy(key -> assertThat(key.handler.outputs).isEqualTo(1));
            for (int i = 64; i < 70; i++) {
                wishToWrite(keys.get(i), sessions.get(i));
            }
            assertThat(keys).allSatisfy(key -> {
                assertThat(key.handler.outputs).isEqualTo(1);
                assertThat(key.key.interestOps()).isEqualTo(SelectionKey.OP_READ);
            });
        });
    }

    @Test
    void httpCoreSessionsRevealTheirSelectionKey() throws Exception {
        // Batching rests on these two fields; an HttpCore upgrade that drops them fails here, not in production.
        assertThat(SelectorProbe.holdsKey(Class.forName("org.apache.hc.core5.reactor.IOSessionImpl"))).isTrue();
        assertThat(SelectorProbe.wrapsSession(Class.forName("org.apache.hc.core5.reactor.InternalDataChannel")))
                .isTrue();
        assertThat(SelectorProbe.keyOf(new KeySession())).isNull();
    }

    private interface BatchBody {
        void run(List<KeySession> keys, List<DeferredWriteSession> sessions) throws Exception;
    }

    /**
     * Runs {@code body} on an I/O thread with {@code count} loopback connections readable in one select, each
     * wrapped with a handler that writes {@code bytes} once.
     */
    private static void onReadyWriters(int count, int bytes, BatchBody body) throws Throwable {
        try (Connections connections = new Connections(count)) {
            onIoThread(() -> {
                List<KeySession> keys = connections.readyKeys();
                body.run(keys, writers(keys, bytes));
            });
        }
    }

    /** Loopback connections whose server ends are registered with a selector and readable at once. */
    private static final class Connections implements AutoCloseable {
        private final Selector selector = Selector.open();
        private final List<SocketChannel> channels = new ArrayList<>();
        private final List<KeySession> keys = new ArrayList<>();

        Connections(int count) throws IOException {
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                for (int i = 0; i < count; i++) {
                    SocketChannel client = SocketChannel.open(server.getLocalAddress());
                    SocketChannel accepted = server.accept();
                    channels.add(client);
                    channels.add(accepted);
                    accepted.configureBlocking(false);
                    keys.add(new KeySession(accepted.register(selector, SelectionKey.OP_READ)));
                    client.write(ByteBuffer.wrap(new byte[] {1}));
                }
            }
        }

        /** Selects until every connection is readable; returns the sessions in the order of their keys. */
        List<KeySession> readyKeys() throws IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (selector.selectedKeys().size() < keys.size() && System.nanoTime() < deadline) {
                selector.select(100);
            }
            assertThat(selector.selectedKeys()).hasSize(keys.size());
            return keys;
        }

        @Override
        public void close() throws IOException {
            selector.close();
            for (SocketChannel channel : channels) {
                channel.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------

    private static DeferredWriteSession wrapped(KeySession key) {
        return DeferredWriteSession.wrap(key, false);
    }

    /** A session wrapped for a client or an upstream connection, whose handler logs its name when it writes. */
    private static DeferredWriteSession logging(String name, boolean upstream, List<String> log) {
        KeySession key = new KeySession();
        DeferredWriteSession session = DeferredWriteSession.wrap(key, upstream);
        key.handler = new RecordingHandler(handler -> {
            log.add(name);
            session.write(ByteBuffer.allocate(1));
            session.clearEvent(SelectionKey.OP_WRITE);
        });
        return session;
    }

    /**
     * Plays the reactor's callback for one selected key whose handler wishes to write. The reactor hands the
     * handler its plain session, the one that holds the key.
     */
    private static void wishToWrite(KeySession key, DeferredWriteSession session) {
        WorkerThread worker = WorkerThread.callbackStarted(key);
        session.setEvent(SelectionKey.OP_WRITE);
        worker.callbackEnded();
    }

    /**
     * Wraps each of {@code keys} with a handler that writes {@code bytes} once and is done; every other one as
     * an upstream connection, so the batch's limits are checked over both sides together.
     */
    private static List<DeferredWriteSession> writers(List<KeySession> keys, int bytes) {
        List<DeferredWriteSession> sessions = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            KeySession key = keys.get(i);
            DeferredWriteSession session = DeferredWriteSession.wrap(key, i % 2 == 1);
            key.handler = writer(session, bytes, true);
            sessions.add(session);
        }
        return sessions;
    }

    /** A handler that writes {@code bytes} through the session each time and, if told to, is then done. */
    private static RecordingHandler writer(DeferredWriteSession session, int bytes, boolean done) {
        return new RecordingHandler(handler -> {
            session.write(ByteBuffer.allocate(bytes));
            if (done) {
                session.clearEvent(SelectionKey.OP_WRITE);
            }
        });
    }

    private interface Output {
        void ready(RecordingHandler handler) throws Exception;
    }

    private static final class RecordingHandler implements IOEventHandler {
        private final Output output;
        int outputs;
        final List<Exception> failures = new ArrayList<>();

        RecordingHandler(Output output) {
            this.output = output;
        }

        @Override
        public void connected(IOSession session) {
        }

        @Override
        public void inputReady(IOSession session, ByteBuffer src) {
        }

        @Override
        public void outputReady(IOSession session) throws IOException {
            outputs++;
            try {
                output.ready(this);
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }

        @Override
        public void timeout(IOSession session, Timeout timeout) {
        }

        @Override
        public void exception(IOSession session, Exception cause) {
            failures.add(cause);
        }

        @Override
        public void disconnected(IOSession session) {
        }
    }

    /** HttpCore's session as far as the key goes: an interest set, a command queue, a socket of some capacity. */
    private static final class KeySession implements ProtocolIOSession {
        final List<String> calls = new ArrayList<>();
        final Deque<Command> commands = new ArrayDeque<>();
        final Lock lock = new ReentrantLock();
        int mask = SelectionKey.OP_READ;
        int capacity = Integer.MAX_VALUE;
        long written;
        boolean open = true;
        RecordingHandler handler;
        /** A real key of a real selector, as HttpCore's session holds one; null: the mask above plays it. */
        final SelectionKey key;

        KeySession() {
            this(null);
        }

        KeySession(SelectionKey key) {
            this.key = key;
        }

        @Override
        public int getEventMask() {
            return key != null ? key.interestOps() : mask;
        }

        @Override
        public void setEventMask(int ops) {
            calls.add("setEventMask " + ops);
            mask = ops;
            if (key != null) {
                key.interestOps(ops);
            }
        }

        @Override
        public void setEvent(int op) {
            calls.add("setEvent " + op);
            mask |= op;
            if (key != null) {
                key.interestOps(key.interestOps() | op);
            }
        }

        @Override
        public void clearEvent(int op) {
            calls.add("clearEvent " + op);
            mask &= ~op;
            if (key != null) {
                key.interestOps(key.interestOps() & ~op);
            }
        }

        @Override
        public void enqueue(Command command, Command.Priority priority) {
            calls.add("enqueue " + priority);
            commands.add(command);
        }

        @Override
        public boolean hasCommands() {
            return !commands.isEmpty();
        }

        @Override
        public Command poll() {
            return commands.poll();
        }

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(capacity, src.remaining());
            src.position(src.position() + n);
            written += n;
            return n;
        }

        @Override
        public int read(ByteBuffer dst) {
            return 0;
        }

        @Override
        public IOEventHandler getHandler() {
            return handler;
        }

        @Override
        public void close(CloseMode closeMode) {
            calls.add("close " + closeMode);
            open = false;
        }

        @Override
        public void close() {
            close(CloseMode.GRACEFUL);
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public Status getStatus() {
            return open ? Status.ACTIVE : Status.CLOSED;
        }

        @Override
        public void upgrade(IOEventHandler handler) {
        }

        @Override
        public Lock getLock() {
            return lock;
        }

        @Override
        public ByteChannel channel() {
            return this;
        }

        @Override
        public SocketAddress getRemoteAddress() {
            return new InetSocketAddress("127.0.0.1", 1);
        }

        @Override
        public SocketAddress getLocalAddress() {
            return new InetSocketAddress("127.0.0.1", 2);
        }

        @Override
        public Timeout getSocketTimeout() {
            return Timeout.INFINITE;
        }

        @Override
        public void setSocketTimeout(Timeout timeout) {
        }

        @Override
        public long getLastReadTime() {
            return 0;
        }

        @Override
        public long getLastWriteTime() {
            return 0;
        }

        @Override
        public long getLastEventTime() {
            return 0;
        }

        @Override
        public void updateReadTime() {
        }

        @Override
        public void updateWriteTime() {
        }

        @Override
        public String getId() {
            return "test";
        }

        @Override
        public NamedEndpoint getInitialEndpoint() {
            return null;
        }

        @Override
        public void startTls(SSLContext sslContext, NamedEndpoint endpoint, SSLBufferMode sslBufferMode,
                             SSLSessionInitializer initializer, SSLSessionVerifier verifier, Timeout handshakeTimeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public TlsDetails getTlsDetails() {
            return null;
        }
    }
}
