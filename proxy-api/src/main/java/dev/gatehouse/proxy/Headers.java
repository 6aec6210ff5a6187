package dev.gatehouse.proxy;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An ordered, case-insensitive list of HTTP header fields.
 *
 * <p>Repeated fields keep their order and stay separate lines, so {@code Set-Cookie} is never joined
 * with commas. Names keep the case they were given in; lookups ignore case. Instances are immutable:
 * {@link #with}, {@link #withAdded} and {@link #without} return new lists.
 *
 * <p>Names must be RFC 9110 tokens. Values are sent one byte per character, so they must hold ISO-8859-1
 * characters only ({@code U+0000} to {@code U+00FF}) and no control character but tab: no CR, LF or NUL.
 * Both are checked here, so a filter cannot inject a header line, and a character a byte cannot hold is
 * refused rather than changed on the wire, as the JDK's own HTTP client refuses it. Text beyond ISO-8859-1
 * must be encoded first, for example percent-encoded or as RFC 8187 {@code UTF-8''...}. Instances are
 * immutable and safe to share between threads.
 */
public final class Headers implements Iterable<Map.Entry<String, String>> {

    private static final String[] NO_FIELDS = new String[0];
    private static final Headers EMPTY = new Headers(NO_FIELDS, 0);

    /** Names and values alternate: fields[2i] is a name, fields[2i+1] its value. */
    private final String[] fields;
    private final int size;

    private Headers(String[] fields, int size) {
        this.fields = fields;
        this.size = size;
    }

    /** Returns the empty list. */
    public static Headers empty() {
        return EMPTY;
    }

    /**
     * Returns a list of the given names and values, in order: {@code of("Accept", "*&#47;*", "X-Id", "7")}.
     *
     * @throws IllegalArgumentException if the count is odd, or a name or value is invalid
     */
    public static Headers of(String... namesAndValues) {
        requireNonNull(namesAndValues, "namesAndValues");
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException(
                    "namesAndValues: " + namesAndValues.length + " strings (expected: an even count)");
        }
        Builder builder = builder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            builder.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return builder.build();
    }

    /** Returns a new, empty builder. */
    public static Builder builder() {
        return new Builder(8);
    }

    /** Returns the number of fields, counting repeated names once per line. */
    public int size() {
        return size;
    }

    /** Returns true when there are no fields. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** Returns the name of the field at {@code index}, in the case it was given in. */
    public String name(int index) {
        return fields[2 * checkIndex(index)];
    }

    /** Returns the value of the field at {@code index}. */
    public String value(int index) {
        return fields[2 * checkIndex(index) + 1];
    }

    /** Returns the first value of {@code name}, or null when there is none. */
    public String first(String name) {
        requireNonNull(name, "name");
        for (int i = 0; i < size; i++) {
            if (fields[2 * i].equalsIgnoreCase(name)) {
                return fields[2 * i + 1];
            }
        }
        return null;
    }

    /** Returns every value of {@code name}, in order; empty when there is none. */
    public List<String> all(String name) {
        requireNonNull(name, "name");
        List<String> values = null;
        for (int i = 0; i < size; i++) {
            if (fields[2 * i].equalsIgnoreCase(name)) {
                if (values == null) {
                    values = new ArrayList<>(2);
                }
                values.add(fields[2 * i + 1]);
            }
        }
        return values == null ? List.of() : Collections.unmodifiableList(values);
    }

    /** Returns how many lines carry {@code name}. */
    public int count(String name) {
        requireNonNull(name, "name");
        int count = 0;
        for (int i = 0; i < size; i++) {
            if (fields[2 * i].equalsIgnoreCase(name)) {
                count++;
            }
        }
        return count;
    }

    /** Returns true when at least one line carries {@code name}. */
    public boolean contains(String name) {
        return first(name) != null;
    }

    /** Returns the distinct names, in first-seen order and in the case first seen. */
    public Set<String> names() {
        Set<String> lowerSeen = new LinkedHashSet<>();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < size; i++) {
            String name = fields[2 * i];
            if (lowerSeen.add(name.toLowerCase(java.util.Locale.ROOT))) {
                names.add(name);
            }
        }
        return Collections.unmodifiableSet(names);
    }

    /** Returns a copy in which {@code name} has exactly one line, {@code value}, where the first one stood. */
    public Headers with(String name, String value) {
        checkName(name);
        checkValue(name, value);
        Builder builder = new Builder(size + 1);
        boolean placed = false;
        for (int i = 0; i < size; i++) {
            if (fields[2 * i].equalsIgnoreCase(name)) {
                if (!placed) {
                    builder.addUnchecked(name, value);
                    placed = true;
                }
            } else {
                builder.addUnchecked(fields[2 * i], fields[2 * i + 1]);
            }
        }
        if (!placed) {
            builder.addUnchecked(name, value);
        }
        return builder.build();
    }

    /** Returns a copy with one more line, {@code name: value}, at the end. */
    public Headers withAdded(String name, String value) {
        checkName(name);
        checkValue(name, value);
        String[] copy = Arrays.copyOf(fields, 2 * size + 2);
        copy[2 * size] = name;
        copy[2 * size + 1] = value;
        return new Headers(copy, size + 1);
    }

    /** Returns a copy without any line named {@code name}; this list itself when there is none. */
    public Headers without(String name) {
        requireNonNull(name, "name");
        if (!contains(name)) {
            return this;
        }
        Builder builder = new Builder(size);
        for (int i = 0; i < size; i++) {
            if (!fields[2 * i].equalsIgnoreCase(name)) {
                builder.addUnchecked(fields[2 * i], fields[2 * i + 1]);
            }
        }
        return builder.build();
    }

    /** Returns a builder that starts with these fields. */
    public Builder toBuilder() {
        Builder builder = new Builder(size + 4);
        System.arraycopy(fields, 0, builder.fields, 0, 2 * size);
        builder.size = size;
        return builder;
    }

    /** Iterates over the fields in order, as immutable entries. */
    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public Map.Entry<String, String> next() {
                if (next >= size) {
                    throw new NoSuchElementException();
                }
                int i = next++;
                return Map.entry(fields[2 * i], fields[2 * i + 1]);
            }
        };
    }

    /** Equal when the same names (ignoring case) and values appear in the same order. */
    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof Headers)) {
            return false;
        }
        Headers that = (Headers) other;
        if (size != that.size) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (!fields[2 * i].equalsIgnoreCase(that.fields[2 * i])
                    || !fields[2 * i + 1].equals(that.fields[2 * i + 1])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int hash = 1;
        for (int i = 0; i < size; i++) {
            hash = 31 * hash + fields[2 * i].toLowerCase(java.util.Locale.ROOT).hashCode();
            hash = 31 * hash + fields[2 * i + 1].hashCode();
        }
        return hash;
    }

    /**
     * Returns the fields one per line. Values of {@code Authorization}, {@code Proxy-Authorization},
     * {@code Cookie} and {@code Set-Cookie} are masked, so a Headers can be logged safely.
     */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < size; i++) {
            String name = fields[2 * i];
            text.append(name).append(": ").append(isSensitive(name) ? "<masked>" : fields[2 * i + 1]).append('\n');
        }
        return text.toString();
    }

    private static boolean isSensitive(String name) {
        return name.equalsIgnoreCase("Authorization") || name.equalsIgnoreCase("Proxy-Authorization")
                || name.equalsIgnoreCase("Cookie") || name.equalsIgnoreCase("Set-Cookie");
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index: " + index + " (expected: 0 to " + (size - 1) + ")");
        }
        return index;
    }

    /** Throws unless {@code name} is a non-empty RFC 9110 token. */
    static void checkName(String name) {
        requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("header name is empty (expected: an RFC 9110 token)");
        }
        for (int i = 0; i < name.length(); i++) {
            if (!isTokenChar(name.charAt(i))) {
                throw new IllegalArgumentException("header name: \"" + printable(name)
                        + "\" has an invalid character at index " + i + " (expected: an RFC 9110 token)");
            }
        }
    }

    /**
     * Throws if {@code value} contains CR, LF, NUL or another control character except TAB, or a character
     * beyond ISO-8859-1, which one byte cannot carry.
     */
    static void checkValue(String name, String value) {
        requireNonNull(value, "value");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new IllegalArgumentException("value of header " + name + " has control character 0x"
                        + Integer.toHexString(c) + " at index " + i + " (expected: none but TAB)");
            }
            if (c > 0xff) {
                throw new IllegalArgumentException("value of header " + name + " has character U+"
                        + String.format("%04X", (int) c) + " at index " + i
                        + " (expected: ISO-8859-1 only; encode other text first, e.g. percent-encoded)");
            }
        }
    }

    /**
     * Returns true for a character an RFC 9110 token may hold: letters, digits and {@code !#$%&'*+-.^_`|~}.
     * A header name, and a method, is one or more of them.
     *
     * @param c the character
     * @return true when {@code c} is a token character
     */
    public static boolean isTokenChar(char c) {
        return c < 128 && TOKEN_CHARS[c];
    }

    /** RFC 9110 tchar, indexed by character: one load per character of every name checked. */
    private static final boolean[] TOKEN_CHARS = new boolean[128];

    static {
        for (int c = 0; c < 128; c++) {
            TOKEN_CHARS[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }
    }

    private static String printable(String s) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                text.append(String.format("\\x%02x", (int) c));
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }

    /**
     * Builds a {@link Headers}. Mutable and not thread-safe; {@code build()} does not change it, so a
     * builder can be reused.
     */
    public static final class Builder {
        private String[] fields;
        private int size;
        /**
         * True once {@link #build()} handed {@link #fields} to a Headers: a removal copies it first. Adding
         * writes only past the built size, which no Headers reads, so it copies nothing.
         */
        private boolean shared;

        private Builder(int capacity) {
            this.fields = capacity == 0 ? NO_FIELDS : new String[2 * capacity];
        }

        /** Appends the line {@code name: value}. */
        public Builder add(String name, String value) {
            checkName(name);
            checkValue(name, value);
            return addUnchecked(name, value);
        }

        /** Replaces every line named {@code name} with one line, {@code name: value}, at the end. */
        public Builder set(String name, String value) {
            remove(name);
            return add(name, value);
        }

        /** Removes every line named {@code name}. */
        public Builder remove(String name) {
            requireNonNull(name, "name");
            int kept = 0;
            while (kept < size && !fields[2 * kept].equalsIgnoreCase(name)) {
                kept++;
            }
            if (kept == size) {
                return this;
            }
            unshare();
            for (int i = kept + 1; i < size; i++) {
                if (!fields[2 * i].equalsIgnoreCase(name)) {
                    fields[2 * kept] = fields[2 * i];
                    fields[2 * kept + 1] = fields[2 * i + 1];
                    kept++;
                }
            }
            Arrays.fill(fields, 2 * kept, 2 * size, null);
            size = kept;
            return this;
        }

        private void unshare() {
            if (shared) {
                fields = fields.clone();
                shared = false;
            }
        }

        /** Returns the first value of {@code name} added so far, or null. */
        public String first(String name) {
            for (int i = 0; i < size; i++) {
                if (fields[2 * i].equalsIgnoreCase(name)) {
                    return fields[2 * i + 1];
                }
            }
            return null;
        }

        /** Returns the headers built so far. */
        public Headers build() {
            if (size == 0) {
                return EMPTY;
            }
            // The array is handed over rather than copied; the builder copies it before it removes anything.
            shared = true;
            return new Headers(fields, size);
        }

        Builder addUnchecked(String name, String value) {
            if (2 * size == fields.length) {
                fields = Arrays.copyOf(fields, Math.max(8, fields.length * 2));
                shared = false;
            }
            fields[2 * size] = name;
            fields[2 * size + 1] = value;
            size++;
            return this;
        }
    }
}
