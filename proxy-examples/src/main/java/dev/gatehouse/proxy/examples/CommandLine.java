package dev.gatehouse.proxy.examples;

import dev.gatehouse.proxy.RetryPolicy;
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
            "  --to URL[,weight=N]  an upstream, http://HOST:PORT, with an optional weight; repeat it to balance",
            "  --strategy NAME      round-robin (default), weighted-round-robin, random, weighted-random,",
            "                       least-connections, least-request, peak-ewma, consistent-hash, sticky",
            "  --hash-key KEY       consistent-hash key: header:NAME, cookie:NAME, query:NAME, path or",
            "                       client-ip (default)",
            "  --hash-balance-factor RATIO  consistent-hash with bounded loads: no upstream takes more than",
            "                       RATIO times the mean of requests in flight (such as 1.25)",
            "  --health-path PATH   check every upstream with GET PATH (2xx or 3xx is healthy)",
            "  --health-interval DURATION  time between health checks (default 5s)",
            "  --slow-start DURATION       ramp up upstreams that join or recover over this time",
            "  --retries N          retries after a failed attempt, on another upstream where there is one",
            "                       (default 1; 0 turns retries off). Only safe requests are retried: nothing",
            "                       sent yet, or an idempotent method",
            "  --retry-on LIST      what to retry, comma-separated: connect-failure, reset, timeout and 5xx",
            "                       statuses such as 502,503,504 (default connect-failure,reset)",
            "  --timeout DURATION   how long each try waits for the response head (default 60s)",
            "  --deadline DURATION  the most time for a response head over all tries (default none)",
            "  --max-connections N  connections per upstream; more requests wait, up to 1024, then 503",
            "  --max-body SIZE      largest request body, such as 10m or 512k (default: no limit); 413 beyond",
            "  --max-request-line SIZE, --max-header-bytes SIZE, --max-headers N",
            "                       request head limits (default 8k, 64k, 100); 431 beyond",
            "  --head-timeout DURATION   time allowed for a whole request head (default 10s; slowloris)",
            "  --body-timeout DURATION   longest silence inside a request body (default 30s); 408 beyond",
            "  --max-client-connections N  client connections at once (default 10000)",
            "  --max-pipelined N    requests a connection may pipeline (default 16)",
            "  --encoded-slashes reject|keep  %2F and %5C in paths: 400 (default) or kept encoded",
            "  --drain DURATION     how long to let requests in flight finish on shutdown (default 10s)",
            "  -h, --help           print this help",
            "",
            "Durations are written 500ms, 2s, 1m. The proxy stops on SIGINT or SIGTERM, draining first.");

    boolean help;
    InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 8080);
    final List<Upstream> upstreams = new ArrayList<>();
    Duration drain = Duration.ofSeconds(10);
    String strategy = "round-robin";
    String hashKey;
    double hashBalanceFactor;
    String healthPath;
    Duration healthInterval;
    Duration slowStart;
    Integer retries;
    final List<RetryPolicy.Condition> retryOn = new ArrayList<>();
    final List<Integer> retryOnStatus = new ArrayList<>();
    boolean retryOnSet;
    Duration timeout;
    Duration deadline;
    Integer maxConnections;
    Long maxBody;
    Integer maxRequestLine;
    Integer maxHeaderBytes;
    Integer maxHeaders;
    Duration headTimeout;
    Duration bodyTimeout;
    Integer maxClientConnections;
    Integer maxPipelined;
    Boolean rejectEncodedSlashes;

    /** The strategies --strategy accepts. */
    static final List<String> STRATEGIES = List.of("round-robin", "weighted-round-robin", "random",
            "weighted-random", "least-connections", "least-request", "peak-ewma", "consistent-hash", "sticky");

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
                        options.upstreams.add(upstream(value));
                        break;
                    case "--strategy":
                        value = value != null ? value : next(args, ++i, name);
                        if (!STRATEGIES.contains(value)) {
                            throw new UsageException("--strategy: \"" + value + "\" (expected one of "
                                    + String.join(", ", STRATEGIES) + ")");
                        }
                        options.strategy = value;
                        break;
                    case "--hash-key":
                        value = value != null ? value : next(args, ++i, name);
                        checkHashKey(value);
                        options.hashKey = value;
                        break;
                    case "--hash-balance-factor":
                        value = value != null ? value : next(args, ++i, name);
                        options.hashBalanceFactor = balanceFactor(value);
                        break;
                    case "--health-path":
                        value = value != null ? value : next(args, ++i, name);
                        if (!value.startsWith("/")) {
                            throw new UsageException("--health-path: \"" + value + "\" (expected: a path that starts with /)");
                        }
                        options.healthPath = value;
                        break;
                    case "--health-interval":
                        value = value != null ? value : next(args, ++i, name);
                        options.healthInterval = Durations.parse(name, value);
                        break;
                    case "--slow-start":
                        value = value != null ? value : next(args, ++i, name);
                        options.slowStart = Durations.parse(name, value);
                        break;
                    case "--retries":
                        value = value != null ? value : next(args, ++i, name);
                        options.retries = number(name, value, 0, 10);
                        break;
                    case "--retry-on":
                        value = value != null ? value : next(args, ++i, name);
                        retryOn(options, value);
                        break;
                    case "--timeout":
                        value = value != null ? value : next(args, ++i, name);
                        options.timeout = Durations.parse(name, value);
                        break;
                    case "--deadline":
                        value = value != null ? value : next(args, ++i, name);
                        options.deadline = Durations.parse(name, value);
                        break;
                    case "--max-connections":
                        value = value != null ? value : next(args, ++i, name);
                        options.maxConnections = number(name, value, 1, 1_000_000);
                        break;
                    case "--max-body":
                        value = value != null ? value : next(args, ++i, name);
                        options.maxBody = size(name, value, Long.MAX_VALUE);
                        break;
                    case "--max-request-line":
                        value = value != null ? value : next(args, ++i, name);
                        options.maxRequestLine = (int) size(name, value, 1 << 20);
                        break;
                    case "--max-header-bytes":
                        value = value != null ? value : next(args, ++i, name);
                        options.maxHeaderBytes = (int) size(name, value, 1 << 24);
                        break;
                    case "--max-headers":
                        value = value != null ? value : next(args, ++i, name);
                        options.maxHeaders = number(name, value, 1, 10_000);
                        break;
                    case "--head-timeout":
                        value = value != null ? value : next(args, ++i, name);
                        options.headTimeout = Durations.parse(name, value);
                        break;
                    case "--body-timeout":
                        value = value != null ? value : next(args, ++i, name);
                        options.bodyTimeout = Durations.parse(name, value);
                        break;
                    case "--max-client-connections":
                        value = value != null ? value : next(args, ++i, name);
                        options.maxClientConnections = number(name, value, 1, 10_000_000);
                        break;
                    case "--max-pipelined":
                        value = value != null ? value : next(args, ++i, name);
                        options.maxPipelined = number(name, value, 1, 10_000);
                        break;
                    case "--encoded-slashes":
                        value = value != null ? value : next(args, ++i, name);
                        if (!value.equals("reject") && !value.equals("keep")) {
                            throw new UsageException("--encoded-slashes: \"" + value + "\" (expected: reject or keep)");
                        }
                        options.rejectEncodedSlashes = value.equals("reject");
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
        if (options.hashKey != null && !options.strategy.equals("consistent-hash")) {
            throw new UsageException("--hash-key needs --strategy consistent-hash");
        }
        if (options.hashBalanceFactor > 0 && !options.strategy.equals("consistent-hash")) {
            throw new UsageException("--hash-balance-factor needs --strategy consistent-hash");
        }
        if (options.healthInterval != null && options.healthPath == null) {
            throw new UsageException("--health-interval needs --health-path");
        }
        return options;
    }

    /** Returns the retry policy the options ask for, or null when they leave the default. */
    RetryPolicy retryPolicy() {
        if (retries == null && !retryOnSet && timeout == null && deadline == null) {
            return null;
        }
        RetryPolicy.Builder policy = RetryPolicy.builder();
        if (retries != null) {
            policy.retries(retries);
        }
        if (retryOnSet) {
            policy.retryOn(retryOn.toArray(new RetryPolicy.Condition[0]));
            policy.retryOnStatus(retryOnStatus.stream().mapToInt(Integer::intValue).toArray());
        }
        if (timeout != null) {
            policy.perTryTimeout(timeout);
        }
        if (deadline != null) {
            policy.deadline(deadline);
        }
        return policy.build();
    }

    private static void retryOn(CommandLine options, String list) throws UsageException {
        options.retryOnSet = true;
        for (String item : list.split(",")) {
            String trimmed = item.trim();
            switch (trimmed) {
                case "connect-failure":
                    options.retryOn.add(RetryPolicy.Condition.CONNECT_FAILURE);
                    break;
                case "reset":
                    options.retryOn.add(RetryPolicy.Condition.RESET);
                    break;
                case "timeout":
                    options.retryOn.add(RetryPolicy.Condition.TIMEOUT);
                    break;
                default:
                    int status = trimmed.matches("5[0-9][0-9]") ? Integer.parseInt(trimmed) : -1;
                    if (status < 0) {
                        throw new UsageException("--retry-on: \"" + trimmed
                                + "\" (expected: connect-failure, reset, timeout or a status from 500 to 599)");
                    }
                    options.retryOnStatus.add(status);
                    break;
            }
        }
    }

    /** Parses a byte size: digits with an optional k or m (KiB, MiB). */
    private static long size(String option, String text, long max) throws UsageException {
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        long unit = lower.endsWith("k") ? 1024 : lower.endsWith("m") ? 1024 * 1024 : 1;
        String digits = unit == 1 ? lower : lower.substring(0, lower.length() - 1);
        long value = -1;
        if (!digits.isEmpty() && digits.length() < 13 && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            value = Long.parseLong(digits) * unit;
        }
        if (value < 1 || value > max) {
            throw new UsageException(option + ": \"" + text + "\" (expected: a size such as 512k or 10m)");
        }
        return value;
    }

    private static int number(String option, String text, int min, int max) throws UsageException {
        int number;
        try {
            number = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            number = Integer.MIN_VALUE;
        }
        if (number < min || number > max) {
            throw new UsageException(option + ": \"" + text + "\" (expected: a number from " + min + " to " + max + ")");
        }
        return number;
    }

    /** Parses {@code URL[,weight=N]}. */
    static Upstream upstream(String text) throws UsageException {
        String[] parts = text.split(",");
        Upstream upstream = Upstream.parse(parts[0]);
        for (int i = 1; i < parts.length; i++) {
            String option = parts[i].trim();
            if (!option.startsWith("weight=")) {
                throw new UsageException("--to: \"" + text + "\" has option \"" + option + "\" (expected: weight=N)");
            }
            try {
                upstream = upstream.withWeight(Integer.parseInt(option.substring(7)));
            } catch (NumberFormatException e) {
                throw new UsageException("--to: \"" + text + "\" has weight \"" + option.substring(7)
                        + "\" (expected: 1 to " + Upstream.MAX_WEIGHT + ")");
            }
        }
        return upstream;
    }

    private static double balanceFactor(String text) throws UsageException {
        double factor;
        try {
            factor = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            factor = Double.NaN;
        }
        if (!(factor > 1) || Double.isInfinite(factor)) {
            throw new UsageException("--hash-balance-factor: \"" + text + "\" (expected: a ratio above 1, such as 1.25)");
        }
        return factor;
    }

    private static void checkHashKey(String key) throws UsageException {
        boolean named = key.startsWith("header:") || key.startsWith("cookie:") || key.startsWith("query:");
        if (named ? key.indexOf(':') == key.length() - 1 : !key.equals("path") && !key.equals("client-ip")) {
            throw new UsageException("--hash-key: \"" + key
                    + "\" (expected: header:NAME, cookie:NAME, query:NAME, path or client-ip)");
        }
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
