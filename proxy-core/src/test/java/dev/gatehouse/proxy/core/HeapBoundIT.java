package dev.gatehouse.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.testing.RawHttp;
import dev.gatehouse.proxy.testing.TestProxies;
import dev.gatehouse.proxy.testing.TestUpstream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A 1 GiB body streams through in each direction while the heap in use after collection stays flat: the
 * proxy never holds more than its flow-control window per exchange, whatever the body size. (The test JVM
 * also hosts the upstream and the client; both stream too.) Nothing here is timed.
 */
class HeapBoundIT {

    private static final long GIB = 1024L * 1024 * 1024;
    /** Far below the body size; far above the proxy's window and the test machinery's buffers. */
    private static final long MAX_GROWTH = 48L * 1024 * 1024;

    @RegisterExtension
    static final TestUpstream upstream = new TestUpstream("origin");

    @Test
    void keepsTheHeapFlatWhileAGibibyteStreamsEachWay() throws Exception {
        upstream.handle("/gib", exchange -> {
            exchange.sendResponseHeaders(200, GIB);
            byte[] block = new byte[64 * 1024];
            Arrays.fill(block, (byte) 'x');
            try (OutputStream out = exchange.getResponseBody()) {
                for (long sent = 0; sent < GIB; sent += block.length) {
                    out.write(block);
                }
            }
        });
        upstream.handle("/sink", exchange -> {
            long count = 0;
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = exchange.getRequestBody()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    count += read;
                }
            }
            TestUpstream.text(exchange, 200, Long.toString(count));
        });
        try (ReverseProxy proxy = TestProxies.startRoundRobin(upstream.upstream())) {
            HeapSampler sampler = new HeapSampler();
            long baseline = sampler.usedAfterGc();
            sampler.start();

            long downloaded;
            try (RawHttp client = RawHttp.connect(proxy.address())) {
                client.timeout(60_000).send("GET /gib HTTP/1.1\r\nHost: example.com\r\n\r\n");
                RawHttp.Response response = client.read(false, OutputStream.nullOutputStream());
                assertThat(response.complete).isTrue();
                downloaded = response.length;
            }
            String uploaded;
            try (RawHttp client = RawHttp.connect(proxy.address())) {
                client.timeout(60_000).send("POST /sink HTTP/1.1\r\nHost: example.com\r\nContent-Length: " + GIB + "\r\n\r\n");
                byte[] block = new byte[64 * 1024];
                Arrays.fill(block, (byte) 'y');
                for (long sent = 0; sent < GIB; sent += block.length) {
                    client.output().write(block);
                }
                client.output().flush();
                uploaded = client.read().text();
            }
            long peak = sampler.stop();

            System.out.printf("HeapBoundIT: heap after GC %d MiB before, %d MiB at the peak while 2 GiB streamed%n",
                    baseline >> 20, peak >> 20);
            assertThat(downloaded).isEqualTo(GIB);
            assertThat(uploaded).isEqualTo(Long.toString(GIB));
            assertThat(peak - baseline)
                    .as("heap growth after GC while 2 GiB streamed (baseline %d MiB, peak %d MiB)",
                            baseline >> 20, peak >> 20)
                    .isLessThan(MAX_GROWTH);
        }
    }

    /** Samples the heap in use after a collection, every 100 ms, and keeps the peak. */
    private static final class HeapSampler {
        private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong peak = new AtomicLong();
        private CompletableFuture<Void> task;

        long usedAfterGc() {
            System.gc();
            return memory.getHeapMemoryUsage().getUsed();
        }

        void start() {
            task = CompletableFuture.runAsync(() -> {
                while (running.get()) {
                    peak.accumulateAndGet(usedAfterGc(), Math::max);
                    try {
                        TimeUnit.MILLISECONDS.sleep(100);     // a sampling period, not a synchronisation
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        long stop() throws Exception {
            running.set(false);
            task.get(10, TimeUnit.SECONDS);
            return Math.max(peak.get(), usedAfterGc());
        }
    }
}
