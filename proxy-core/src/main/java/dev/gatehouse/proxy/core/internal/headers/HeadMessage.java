package dev.gatehouse.proxy.core.internal.headers;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.message.BasicHeader;

/**
 * The fields of a message head the proxy reads or writes, kept as plain name and value strings side by
 * side in one array, with the {@link FieldFacts} they carry.
 *
 * <p>HttpCore's messages keep a {@code Header} object per field in a list; the proxy's own code reads
 * fields by index ({@link #fieldCount()}, {@link #fieldName}, {@link #fieldValue}) and adds them as strings,
 * so a field costs no object of its own. HttpCore's {@code Header} views are made only when something asks
 * for them through {@link HttpMessage}, whose contract this class keeps: names compare without case, a
 * replacement replaces the first field of that name, {@code removeHeader} removes the first field equal to
 * the one given.
 *
 * <p>Adding a field notes it in the facts; replacing or removing fields drops the facts (a removal that
 * finds nothing changes nothing), and the next question reads the fields once. The facts decide framing
 * (the duplexers read body lengths from them through {@code FieldLength}), so they must never disagree with
 * the fields, whoever changes them.
 *
 * <p>A field taken from a {@code Headers} list ({@link #addChecked}) is marked checked, for the first
 * {@value #MARKED} fields: its name is a token and its value holds nothing but ISO-8859-1 characters and no
 * control character but tab, so the head writer copies it out without looking at each character again. The
 * mark travels with its field and is dropped when the field is replaced. Not thread-safe: a head belongs to
 * one exchange at a time.
 */
public abstract class HeadMessage implements HttpMessage {

    private static final Header[] NO_HEADERS = new Header[0];
    /** How many fields, from the first, can carry the checked mark: one bit each in a {@code long}. */
    static final int MARKED = 64;

    /** Names at even indexes, each followed by its value. */
    private String[] fields = new String[16];
    private int size;
    private ProtocolVersion version;
    /** What the fields say; null after a field was replaced or removed, until asked again. */
    private FieldFacts facts = new FieldFacts();
    /** Bit i: field i was added by {@link #addChecked}. */
    private long checked;

    /** Returns how many fields the head has. */
    public final int fieldCount() {
        return size;
    }

    /** Returns the name of field {@code index}, as it was added. */
    public final String fieldName(int index) {
        return fields[2 * Objects.checkIndex(index, size)];
    }

    /** Returns the value of field {@code index}, as it was added (null if it was added without one). */
    public final String fieldValue(int index) {
        return fields[2 * Objects.checkIndex(index, size) + 1];
    }

    /**
     * Returns {@code message} itself when it is a head of the proxy's own, or a copy of its fields: for the
     * few places that read the fields of any message, so they read them by index either way.
     */
    public static HeadMessage fieldsOf(HttpMessage message) {
        if (message instanceof HeadMessage) {
            return (HeadMessage) message;
        }
        HeadMessage copy = new HeadMessage() { };
        for (Iterator<Header> it = message.headerIterator(); it.hasNext(); ) {
            Header header = it.next();
            copy.addField(header.getName(), header.getValue());
        }
        return copy;
    }

    /** Adds a field at the end and notes what it says. */
    public final void addField(String name, String value) {
        Objects.requireNonNull(name, "name");
        if (2 * size == fields.length) {
            fields = Arrays.copyOf(fields, fields.length * 2);
        }
        fields[2 * size] = name;
        fields[2 * size + 1] = value;
        size++;
        if (facts != null) {
            facts.add(name, value);
        }
    }

    /**
     * Adds a field whose name is an RFC 9110 token and whose value holds only ISO-8859-1 characters and no
     * control character but tab, as every field of a {@code Headers} list does ({@code Headers} checks both),
     * and marks it checked.
     */
    public final void addChecked(String name, String value) {
        addField(name, value);
        if (size <= MARKED) {
            checked |= 1L << (size - 1);
        }
    }

    /**
     * Returns whether field {@code index} came from {@link #addChecked}: its characters need no check before
     * they are written as bytes.
     */
    public final boolean isChecked(int index) {
        return index < MARKED && (checked & 1L << index) != 0;
    }

    /** Returns what the fields say, kept true as fields are added, replaced or removed. */
    public final FieldFacts fieldFacts() {
        if (facts == null) {
            FieldFacts gathered = new FieldFacts();
            for (int i = 0; i < size; i++) {
                gathered.add(fields[2 * i], fields[2 * i + 1]);
            }
            facts = gathered;
        }
        return facts;
    }

    // ------------------------------------------------------------------------------------------------
    // HttpCore's view.

    @Override
    public final ProtocolVersion getVersion() {
        return version;
    }

    @Override
    public final void setVersion(ProtocolVersion version) {
        this.version = version;
    }

    @Override
    public final void addHeader(Header header) {
        if (header != null) {
            addField(header.getName(), header.getValue());
        }
    }

    @Override
    public final void addHeader(String name, Object value) {
        addField(name, value != null ? value.toString() : null);
    }

    @Override
    public final void setHeader(Header header) {
        if (header == null) {
            return;
        }
        int at = indexOf(header.getName(), 0);
        if (at < 0) {
            addField(header.getName(), header.getValue());
        } else {
            fields[2 * at] = header.getName();
            fields[2 * at + 1] = header.getValue();
            if (at < MARKED) {
                checked &= ~(1L << at);
            }
            facts = null;
        }
    }

    @Override
    public final void setHeader(String name, Object value) {
        setHeader(new BasicHeader(name, value));
    }

    @Override
    public final void setHeaders(Header... headers) {
        clear();
        if (headers != null) {
            for (Header header : headers) {
                addHeader(header);
            }
        }
    }

    /** Removes every field. */
    public final void clear() {
        Arrays.fill(fields, 0, 2 * size, null);
        size = 0;
        checked = 0;
        facts = null;
    }

    @Override
    public final boolean removeHeader(Header header) {
        if (header == null) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (equal(i, header)) {
                removeAt(i);
                return true;
            }
        }
        return false;
    }

    @Override
    public final boolean removeHeaders(String name) {
        if (name == null || facts != null && facts.absent(name)) {
            return false;                   // the request sent upstream loses its length fields here, mostly none
        }
        boolean removed = false;
        for (int i = size - 1; i >= 0; i--) {
            if (name.equalsIgnoreCase(fields[2 * i])) {
                removeAt(i);
                removed = true;
            }
        }
        return removed;
    }

    @Override
    public final boolean containsHeader(String name) {
        return indexOf(name, 0) >= 0;
    }

    @Override
    public final int countHeaders(String name) {
        int count = 0;
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
            count++;
        }
        return count;
    }

    @Override
    public final Header getFirstHeader(String name) {
        int at = indexOf(name, 0);
        return at < 0 ? null : header(at);
    }

    @Override
    public final Header getLastHeader(String name) {
        for (int i = size - 1; i >= 0; i--) {
            if (fields[2 * i].equalsIgnoreCase(name)) {
                return header(i);
            }
        }
        return null;
    }

    @Override
    public final Header getHeader(String name) throws ProtocolException {
        int at = indexOf(name, 0);
        if (at >= 0 && indexOf(name, at + 1) >= 0) {
            throw new ProtocolException("multiple '%s' headers found", name);
        }
        return at < 0 ? null : header(at);
    }

    @Override
    public final Header[] getHeaders() {
        Header[] all = new Header[size];
        for (int i = 0; i < size; i++) {
            all[i] = header(i);
        }
        return all;
    }

    @Override
    public final Header[] getHeaders(String name) {
        int count = countHeaders(name);
        if (count == 0) {
            return NO_HEADERS;
        }
        Header[] found = new Header[count];
        int n = 0;
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
            found[n++] = header(i);
        }
        return found;
    }

    @Override
    public final Iterator<Header> headerIterator() {
        return new Fields(null);
    }

    @Override
    public final Iterator<Header> headerIterator(String name) {
        return new Fields(name);
    }

    private int indexOf(String name, int from) {
        if (name == null) {
            return -1;
        }
        for (int i = from; i < size; i++) {
            if (fields[2 * i].equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    private boolean equal(int index, Header header) {
        return fields[2 * index].equalsIgnoreCase(header.getName())
                && Objects.equals(fields[2 * index + 1], header.getValue());
    }

    private Header header(int index) {
        return new BasicHeader(fields[2 * index], fields[2 * index + 1]);
    }

    private void removeAt(int index) {
        System.arraycopy(fields, 2 * index + 2, fields, 2 * index, 2 * (size - index - 1));
        size--;
        fields[2 * size] = null;
        fields[2 * size + 1] = null;
        checked = withoutBit(checked, index);
        facts = null;
    }

    /** Returns {@code marks} without bit {@code index}, the bits above it moved down one, as the fields move. */
    static long withoutBit(long marks, int index) {
        if (index >= MARKED) {
            return marks;
        }
        long below = (1L << index) - 1;
        return marks & below | marks >>> 1 & ~below;
    }

    /** Appends the fields, one {@code name: value} per line, for {@code toString}. */
    final StringBuilder appendFields(StringBuilder out) {
        for (int i = 0; i < size; i++) {
            out.append('\n').append(fields[2 * i]).append(": ").append(fields[2 * i + 1]);
        }
        return out;
    }

    /** The fields, or those of one name, as HttpCore headers; {@code remove} removes the field last returned. */
    private final class Fields implements Iterator<Header> {
        private final String name;
        private int next;
        private int last = -1;

        Fields(String name) {
            this.name = name;
            this.next = name == null ? 0 : indexOf(name, 0);
        }

        @Override
        public boolean hasNext() {
            return next >= 0 && next < size;
        }

        @Override
        public Header next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            last = next;
            next = name == null ? next + 1 : indexOf(name, next + 1);
            return header(last);
        }

        @Override
        public void remove() {
            if (last < 0) {
                throw new IllegalStateException("next() was not called");
            }
            removeAt(last);
            if (next > last) {
                next--;
            }
            last = -1;
        }
    }
}
