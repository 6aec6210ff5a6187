package dev.gatehouse.proxy.core.internal.server;

/**
 * How request paths are normalised before routing, filters and the upstream see them (all see the same).
 *
 * @param rejectEncodedSlashes whether {@code %2F} and {@code %5C} in a path are refused with 400 (else kept
 *     encoded, never decoded, so they never split a segment)
 * @param mergeSlashes whether runs of {@code /} are merged into one, as nginx, HAProxy and Envoy can
 */
public record PathPolicy(boolean rejectEncodedSlashes, boolean mergeSlashes) {

    /** The defaults: encoded slashes refused, slashes merged. */
    public static final PathPolicy DEFAULTS = new PathPolicy(true, true);
}
