package dev.gatehouse.proxy.core.internal.routing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A compiled path template: literal segments and {@code {name}} segments, with an optional last
 * {@code {*name}} that takes the rest. Matching walks the path once and allocates only on a match.
 * Immutable and thread-safe.
 */
final class PathTemplate {

    private final String[] literals;     // null where the segment is a variable
    private final String[] variables;    // null where the segment is a literal
    private final String restVariable;   // the {*name} at the end, or null
    private final int literalCount;

    PathTemplate(String template) {
        String[] segments = template.substring(1).split("/", -1);
        int count = segments.length;
        String rest = null;
        if (count > 0 && segments[count - 1].startsWith("{*")) {
            String last = segments[count - 1];
            rest = last.substring(2, last.length() - 1);
            count--;
        }
        this.literals = new String[count];
        this.variables = new String[count];
        int literalsSeen = 0;
        for (int i = 0; i < count; i++) {
            String segment = segments[i];
            if (segment.startsWith("{") && segment.endsWith("}")) {
                variables[i] = segment.substring(1, segment.length() - 1);
            } else {
                literals[i] = segment;
                literalsSeen++;
            }
        }
        this.restVariable = rest;
        this.literalCount = literalsSeen;
    }

    /** Returns the number of literal segments: templates with more of them are more specific. */
    int literalCount() {
        return literalCount;
    }

    /** Returns the number of segments, counting a final {@code {*name}} as one. */
    int segmentCount() {
        return literals.length + (restVariable != null ? 1 : 0);
    }

    /** Returns the captured values when {@code path} matches, else null. */
    Map<String, String> match(String path) {
        if (!path.startsWith("/")) {
            return null;
        }
        int position = 1;
        int length = path.length();
        for (int i = 0; i < literals.length; i++) {
            if (position > length) {
                return null;
            }
            int end = path.indexOf('/', position);
            if (end < 0) {
                end = length;
            }
            String literal = literals[i];
            if (literal != null) {
                if (end - position != literal.length() || !path.startsWith(literal, position)) {
                    return null;
                }
            } else if (end == position) {
                return null;      // a variable never matches an empty segment
            }
            position = end + 1;
        }
        if (restVariable == null) {
            // Every segment consumed and nothing left: position is one past the end.
            return position == length + 1 ? capture(path, null) : null;
        }
        return position <= length + 1 ? capture(path, position <= length ? path.substring(position) : "") : null;
    }

    private Map<String, String> capture(String path, String rest) {
        Map<String, String> values = new LinkedHashMap<>();
        int position = 1;
        for (int i = 0; i < literals.length; i++) {
            int end = path.indexOf('/', position);
            if (end < 0) {
                end = path.length();
            }
            if (variables[i] != null) {
                values.put(variables[i], path.substring(position, end));
            }
            position = end + 1;
        }
        if (restVariable != null) {
            values.put(restVariable, rest);
        }
        return values;
    }

    /** Fills {@code template} ({@code /v2/users/{id}}) with captured values. */
    static String expand(String template, Map<String, String> values) {
        StringBuilder out = new StringBuilder(template.length() + 16);
        int position = 0;
        while (position < template.length()) {
            int open = template.indexOf('{', position);
            if (open < 0) {
                out.append(template, position, template.length());
                break;
            }
            int close = template.indexOf('}', open);
            out.append(template, position, open);
            String name = template.substring(open + 1, close);
            if (name.startsWith("*")) {
                name = name.substring(1);
            }
            String value = values.getOrDefault(name, "");
            // A {*rest} that captured nothing must not leave a trailing "/" + "" = "//" behind.
            if (value.isEmpty() && out.length() > 1 && out.charAt(out.length() - 1) == '/'
                    && close + 1 == template.length()) {
                out.setLength(out.length() - 1);
            }
            out.append(value);
            position = close + 1;
        }
        return out.length() == 0 ? "/" : out.toString();
    }
}
