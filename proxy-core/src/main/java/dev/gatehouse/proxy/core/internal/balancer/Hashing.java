package dev.gatehouse.proxy.core.internal.balancer;

/** 64-bit hashing of strings without allocation: FNV-1a over the chars, then MurmurHash3's finalizer. */
final class Hashing {

    private Hashing() {
    }

    static long hash(CharSequence text, long seed) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (int i = 0; i < text.length(); i++) {
            h ^= text.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    static long hash(CharSequence text) {
        return hash(text, 0);
    }

    /** MurmurHash3 fmix64: spreads every input bit over every output bit. */
    static long mix(long value) {
        long h = value;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
