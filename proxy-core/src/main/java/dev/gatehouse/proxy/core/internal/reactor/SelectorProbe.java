package dev.gatehouse.proxy.core.internal.reactor;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import org.apache.hc.core5.reactor.IOSession;

/**
 * Finds the selection key of a session of HttpCore's reactor, so that an I/O thread can tell when it has
 * handled every key one select returned, and can hold a key's write interest without waking its own
 * selector. HttpCore keeps the key in a private field of its plain session, which its data channel wraps,
 * and offers no accessor: the fields are found by their types and read by reflection. Where they cannot be
 * found (another HttpCore version, a decorated session), the answer is null and the callers fall back on
 * what works without it: writes after every callback, correct, only less economical.
 */
final class SelectorProbe {

    /** How a class holds its key: directly, or through a wrapped session; both null when it does not. */
    private record Access(Field key, Field inner) {
    }

    private static final ClassValue<Access> ACCESS = new ClassValue<>() {
        @Override
        protected Access computeValue(Class<?> type) {
            Field key = null;
            Field inner = null;
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field field : c.getDeclaredFields()) {
                    if (Modifier.isStatic(field.getModifiers())) {
                        continue;
                    }
                    if (key == null && field.getType() == SelectionKey.class) {
                        key = accessible(field);
                    } else if (inner == null && field.getType() == IOSession.class) {
                        inner = accessible(field);
                    }
                }
            }
            return new Access(key, inner);
        }
    };

    private SelectorProbe() {
    }

    private static Field accessible(Field field) {
        try {
            field.setAccessible(true);
            return field;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Returns whether instances of {@code type} hold their key themselves. */
    static boolean holdsKey(Class<?> type) {
        return ACCESS.get(type).key() != null;
    }

    /** Returns whether instances of {@code type} wrap a session that may hold the key. */
    static boolean wrapsSession(Class<?> type) {
        return ACCESS.get(type).inner() != null;
    }

    /** Returns the key {@code session} (HttpCore's plain session, or its data channel) is registered with, or null. */
    static SelectionKey keyOf(Object session) {
        return keyOf(session, 2);
    }

    private static SelectionKey keyOf(Object holder, int depth) {
        if (holder == null || depth == 0) {
            return null;
        }
        Access access = ACCESS.get(holder.getClass());
        try {
            if (access.key() != null) {
                return (SelectionKey) access.key().get(holder);
            }
            if (access.inner() != null) {
                return keyOf(access.inner().get(holder), depth - 1);
            }
        } catch (IllegalAccessException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** Returns the selector {@code session} is registered with, or null when it does not say. */
    static Selector selectorOf(Object session) {
        SelectionKey key = keyOf(session);
        return key != null ? key.selector() : null;
    }
}
