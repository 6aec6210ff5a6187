package dev.gatehouse.proxy.examples;

import java.time.Duration;

/** Parses command-line durations: {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}. */
final class Durations {

    private Durations() {
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException with the accepted forms, for text that is not one of them
     */
    static Duration parse(String option, String text) {
        String trimmed = text.trim();
        int split = 0;
        while (split < trimmed.length() && Character.isDigit(trimmed.charAt(split))) {
            split++;
        }
        if (split == 0 || split > 12) {
            throw new IllegalArgumentException(option + ": \"" + text + "\" (expected: a duration such as 500ms, 2s, 1m)");
        }
        long amount = Long.parseLong(trimmed.substring(0, split));
        switch (trimmed.substring(split)) {
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            case "m":
                return Duration.ofMinutes(amount);
            case "h":
                return Duration.ofHours(amount);
            default:
                throw new IllegalArgumentException(option + ": \"" + text
                        + "\" (expected: a duration such as 500ms, 2s, 1m)");
        }
    }
}
