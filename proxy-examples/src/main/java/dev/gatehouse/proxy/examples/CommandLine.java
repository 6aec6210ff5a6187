package dev.gatehouse.proxy.examples;

import dev.gatehouse.proxy.Upstream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The standalone proxy's options. Each option is one case in {@link #parse}; a new option adds a field, a
 * case and a line in {@link #USAGE}. Unknown options are refused with the usage text.
 */
final class CommandLine {

    static final String USAGE = String.join("\n",
            "Usage: java -jar gatehouse.jar                           run the quick-start demo on 127.0.0.1:8080",
            "       java -jar gatehouse.jar --to URL [--to URL ...] [options]   run a reverse proxy",
            "",
            "Options:",
            "  --listen HOST:PORT   where to listen; :PORT listens on every interface (default 127.0.0.1:8080)",
            "  --to URL             an upstream, http://HOST:PORT; repeat it to balance round robin",
            "  --drain DURATION     how long to let requests in flight finish on shutdown (default 10s)",
            "  -h, --help           print this help",
            "",
            "Durations are written 500ms, 2s, 1m. The proxy stops on SIGINT or SIGTERM, draining first.");

    boolean help;
    InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 8080);
    final List<Upstream> upstreams = new ArrayList<>();
    Duration drain = Duration.ofSeconds(10);

    /** Thrown for arguments that cannot be run; the message says why. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static CommandLine parse(String[] args) throws UsageException {
        CommandLine options = new CommandLine();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                name = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            try {
                switch (name) {
                    case "-h":
                    case "--help":
                        options.help = true;
                        break;
                    case "--listen":
                        value = value != null ? value : next(args, ++i, name);
                        options.listen = listenAddress(value);
                        break;
                    case "--to":
                        value = value != null ? value : next(args, ++i, name);
                        options.upstreams.add(Upstream.parse(value));
                        break;
                    case "--drain":
                        value = value != null ? value : next(args, ++i, name);
                        options.drain = Durations.parse(name, value);
                        break;
                    default:
                        throw new UsageException("unknown option: " + arg);
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        if (!options.help && options.upstreams.isEmpty()) {
            throw new UsageException("no upstream (expected: at least one --to http://HOST:PORT)");
        }
        return options;
    }

    private static String next(String[] args, int index, String option) throws UsageException {
        if (index >= args.length || args[index].startsWith("--")) {
            throw new UsageException(option + " needs a value");
        }
        return args[index];
    }

    /** Parses {@code HOST:PORT}, {@code [IPV6]:PORT} or {@code :PORT} (every interface). */
    static InetSocketAddress listenAddress(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--listen: \"" + text + "\" (expected: HOST:PORT or :PORT)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--listen: \"" + text + "\" has an invalid port (expected: 0 to 65535)");
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }
}
