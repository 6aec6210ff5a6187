package dev.gatehouse.proxy.core.internal.headers;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The peers whose forwarding headers ({@code X-Forwarded-*}, {@code Forwarded}) are believed: a list of
 * addresses and CIDR blocks such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}. Immutable.
 */
public final class TrustedProxies {

    private static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<Block> blocks;

    private TrustedProxies(List<Block> blocks) {
        this.blocks = blocks;
    }

    /** Returns the empty list: no peer is trusted. */
    public static TrustedProxies none() {
        return NONE;
    }

    /**
     * Parses addresses and CIDR blocks.
     *
     * @throws IllegalArgumentException naming the first entry that is not an IP literal or CIDR block
     */
    public static TrustedProxies parse(List<String> entries) {
        List<Block> blocks = new ArrayList<>();
        for (String entry : entries) {
            String text = entry.trim();
            int slash = text.indexOf('/');
            InetAddress address = IpLiterals.parse(slash < 0 ? text : text.substring(0, slash));
            if (address == null) {
                throw new IllegalArgumentException("trusted proxy: \"" + entry
                        + "\" (expected: an IP address or a CIDR block such as 10.0.0.0/8)");
            }
            byte[] bytes = address.getAddress();
            int prefix = bytes.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(text.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > bytes.length * 8) {
                    throw new IllegalArgumentException("trusted proxy: \"" + entry + "\" has prefix length \""
                            + text.substring(slash + 1) + "\" (expected: 0 to " + bytes.length * 8 + ")");
                }
            }
            blocks.add(new Block(bytes, prefix, entry));
        }
        return blocks.isEmpty() ? NONE : new TrustedProxies(List.copyOf(blocks));
    }

    /** Returns true when no peer is trusted. */
    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /** Returns true when {@code address} is in one of the blocks. */
    public boolean contains(InetAddress address) {
        if (blocks.isEmpty() || address == null) {
            return false;
        }
        byte[] bytes = normalize(address);
        for (Block block : blocks) {
            if (block.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        List<String> texts = new ArrayList<>();
        for (Block block : blocks) {
            texts.add(block.text);
        }
        return texts.toString();
    }

    /** IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are compared as the IPv4 address they carry. */
    private static byte[] normalize(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address && isMapped(bytes)) {
            byte[] v4 = new byte[4];
            System.arraycopy(bytes, 12, v4, 0, 4);
            return v4;
        }
        return bytes;
    }

    private static boolean isMapped(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    private static final class Block {
        private final byte[] network;
        private final int prefix;
        private final String text;

        Block(byte[] network, int prefix, String text) {
            this.network = network;
            this.prefix = prefix;
            this.text = text;
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    static boolean isV4(InetAddress address) {
        return address instanceof Inet4Address;
    }
}
