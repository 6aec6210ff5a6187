package dev.gatehouse.proxy.filter;

import static java.util.Objects.requireNonNull;

/**
 * A typed key for per-exchange state, compared by identity: keep one in a static final field.
 *
 * <pre>{@code
 * static final AttributeKey<Instant> STARTED = AttributeKey.of("started");
 * exchange.putAttribute(STARTED, Instant.now());
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param <T> the type of the value stored under this key
 */
public final class AttributeKey<T> {

    private final String name;

    private AttributeKey(String name) {
        this.name = name;
    }

    /** Returns a new key; {@code name} is only used in {@link #toString()}. */
    public static <T> AttributeKey<T> of(String name) {
        return new AttributeKey<>(requireNonNull(name, "name"));
    }

    /** Returns the name given to {@link #of(String)}. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "AttributeKey[" + name + "]";
    }
}
