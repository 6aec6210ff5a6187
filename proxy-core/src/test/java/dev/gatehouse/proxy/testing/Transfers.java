package dev.gatehouse.proxy.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Uploads and downloads of {@link BytePattern} bodies over raw sockets, verified as they stream. Unlike the
 * JDK's HttpClient, the upload reads the response while it is still sending, which a streaming echo
 * needs: the JDK client waits for its body to be sent and deadlocks against any server that echoes.
 */
public final class Transfers {

    private Transfers() {
    }

    /**
     * Sends {@code size} pattern bytes to {@code path} (with a Content-Length, or chunked) and verifies that
     * the response body is the same pattern; returns the response, whose {@code length} is the body size.
     */
    public static RawHttp.Response upload(InetSocketAddress proxy, String path, long size, boolean chunked)
            throws Exception {
        try (RawHttp client = RawHttp.connect(proxy)) {
            client.timeout(30_000);
            String head = "POST " + path + " HTTP/1.1\r\nHost: example.com\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + size + "\r\n") + "\r\n";
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    client.send(head);
                    if (chunked) {
                        BytePattern.writeChunked(client.output(), size);
                    } else {
                        BytePattern.write(client.output(), size);
                        client.output().flush();
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            BytePattern.Verifier verifier = BytePattern.verifier();
            RawHttp.Response response = client.read(false, verifier);
            sent.get(60, TimeUnit.SECONDS);
            return response;
        }
    }

    /** GETs {@code path} and verifies that the body is the pattern; returns the response. */
    public static RawHttp.Response download(InetSocketAddress proxy, String path) throws IOException {
        try (RawHttp client = RawHttp.connect(proxy)) {
            client.timeout(30_000);
            client.send("GET " + path + " HTTP/1.1\r\nHost: example.com\r\n\r\n");
            return client.read(false, BytePattern.verifier());
        }
    }
}
