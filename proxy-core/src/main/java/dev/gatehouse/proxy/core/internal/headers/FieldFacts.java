package dev.gatehouse.proxy.core.internal.headers;

import java.util.Iterator;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpMessage;

/**
 * What the fields of one message say about its framing, its connection and its routing, gathered in one pass:
 * {@code Content-Length}, {@code Transfer-Encoding}, {@code Connection}, {@code Proxy-Connection},
 * {@code Keep-Alive}, {@code Host} and {@code Expect}. The proxy's head parsers fill one while they read each
 * field, so the checks that need these fields later (keep-alive on both sides, the names {@code Connection}
 * nominates, the upstream's idle timeout, the request's authority and expectation) read them here instead of
 * walking the message again, with an iterator and a name comparison per field each time: up to seven walks
 * per exchange. A message with several fields of one name has their
 * values joined with commas, as RFC 9110 5.3 allows for list-valued fields; of {@code Content-Length},
 * {@code Host} and {@code Expect}, which are no lists, the count and one value are kept.
 */
public final class FieldFacts {

    private int contentLengths;
    private String contentLength;
    private int transferEncodings;
    private String transferEncoding;
    private String connection;
    private String proxyConnection;
    private String keepAlive;
    private int hosts;
    private String host;
    private int expects;
    private String expect;

    /** Notes one field; every field of the message goes through here, in order. */
    public void add(String name, String value) {
        String text = value != null ? value : "";
        switch (name.length()) {
            case 4:
                if (name.equalsIgnoreCase("Host")) {
                    hosts++;
                    host = text;
                }
                break;
            case 6:
                if (name.equalsIgnoreCase("Expect") && expects++ == 0) {
                    expect = text;
                }
                break;
            case 10:
                if (name.equalsIgnoreCase("Connection")) {
                    connection = join(connection, text);
                } else if (name.equalsIgnoreCase("Keep-Alive")) {
                    keepAlive = join(keepAlive, text);
                }
                break;
            case 14:
                if (name.equalsIgnoreCase("Content-Length") && contentLengths++ == 0) {
                    contentLength = text;
                }
                break;
            case 16:
                if (name.equalsIgnoreCase("Proxy-Connection")) {
                    proxyConnection = join(proxyConnection, text);
                }
                break;
            case 17:
                if (name.equalsIgnoreCase("Transfer-Encoding") && transferEncodings++ == 0) {
                    transferEncoding = text;
                }
                break;
            default:
                break;
        }
    }

    /**
     * Returns true when these facts show that no field is named {@code name}: for the names they count
     * ({@code Host}, {@code Expect}, {@code Content-Length}, {@code Transfer-Encoding}); false for any other
     * name, or when one is present.
     */
    public boolean absent(String name) {
        switch (name.length()) {
            case 4:
                return hosts == 0 && name.equalsIgnoreCase("Host");
            case 6:
                return expects == 0 && name.equalsIgnoreCase("Expect");
            case 14:
                return contentLengths == 0 && name.equalsIgnoreCase("Content-Length");
            case 17:
                return transferEncodings == 0 && name.equalsIgnoreCase("Transfer-Encoding");
            default:
                return false;
        }
    }

    private static String join(String before, String value) {
        return before == null ? value : before + "," + value;
    }

    /**
     * Returns the facts {@code message} carries when it is one of the proxy's heads ({@link HeadMessage}), or
     * gathers them with one walk over its fields.
     */
    public static FieldFacts of(HttpMessage message) {
        if (message instanceof HeadMessage) {
            return ((HeadMessage) message).fieldFacts();
        }
        return walk(message);
    }

    /** Gathers the facts of {@code message} with one walk over its fields, whatever it carries. */
    static FieldFacts walk(HttpMessage message) {
        FieldFacts facts = new FieldFacts();
        for (Iterator<Header> it = message.headerIterator(); it.hasNext(); ) {
            Header header = it.next();
            facts.add(header.getName(), header.getValue());
        }
        return facts;
    }

    /** Returns how many {@code Content-Length} fields the message has. */
    public int contentLengths() {
        return contentLengths;
    }

    /** Returns the value of the first {@code Content-Length}, or null. */
    public String contentLength() {
        return contentLength;
    }

    /** Returns how many {@code Transfer-Encoding} fields the message has. */
    public int transferEncodings() {
        return transferEncodings;
    }

    /** Returns the value of the first {@code Transfer-Encoding}, or null. */
    public String transferEncoding() {
        return transferEncoding;
    }

    /** Returns the values of the {@code Connection} fields joined with commas, or null when there is none. */
    public String connection() {
        return connection;
    }

    /** Returns the values of the {@code Proxy-Connection} fields joined with commas, or null when there is none. */
    public String proxyConnection() {
        return proxyConnection;
    }

    /** Returns the values of the {@code Keep-Alive} fields joined with commas, or null when there is none. */
    public String keepAlive() {
        return keepAlive;
    }

    /** Returns how many {@code Host} fields the message has. */
    public int hosts() {
        return hosts;
    }

    /** Returns the value of the last {@code Host}, or null. */
    public String host() {
        return host;
    }

    /** Returns how many {@code Expect} fields the message has. */
    public int expects() {
        return expects;
    }

    /** Returns the value of the first {@code Expect}, or null. */
    public String expect() {
        return expect;
    }
}
