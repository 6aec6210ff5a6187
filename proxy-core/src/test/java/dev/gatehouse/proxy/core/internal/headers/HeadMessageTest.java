package dev.gatehouse.proxy.core.internal.headers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.junit.jupiter.api.Test;

/**
 * The proxy's heads keep HttpCore's message contract: the same changes made to a {@link HeadRequest} and to
 * HttpCore's own {@link BasicHttpRequest} leave the same fields, and every question gets the same answer.
 * The checked mark travels with its field: HttpCore's message keeps the header objects it was given, so a
 * field added checked is modelled there as a {@link Checked} header.
 */
class HeadMessageTest {

    private static final String[] NAMES = {"Host", "host", "X-A", "x-a", "Connection", "Content-Length", "Via", "transfer-encoding", "Expect"};
    private static final String[] VALUES = {"1", "2", "close", "", "a, b"};

    @Test
    void randomChangesLeaveTheSameFieldsAsHttpCoresMessage() throws Exception {
        Random random = new Random(42);
        for (int run = 0; run < 200; run++) {
            HeadRequest ours = new HeadRequest("GET", "/");
            BasicHttpRequest theirs = new BasicHttpRequest("GET", "/");
            for (int step = 0; step < 40; step++) {
                Header header = new BasicHeader(pick(random, NAMES), pick(random, VALUES));
                String name = pick(random, NAMES);
                switch (random.nextInt(9)) {
                    case 0, 1 -> {
                        ours.addHeader(header);
                        theirs.addHeader(header);
                    }
                    case 2 -> {
                        ours.addChecked(header.getName(), header.getValue());
                        theirs.addHeader(new Checked(header.getName(), header.getValue()));
                    }
                    case 3 -> {
                        ours.setHeader(header);
                        theirs.setHeader(header);
                    }
                    case 4 -> assertThat(ours.removeHeader(header)).isEqualTo(theirs.removeHeader(header));
                    case 5 -> {
                        // Every field equal to the header, one removal at a time: as HttpCore's removeHeaders(Header).
                        boolean removed = false;
                        while (ours.removeHeader(header)) {
                            removed = true;
                        }
                        assertThat(removed).isEqualTo(theirs.removeHeaders(header));
                    }
                    case 6 -> assertThat(ours.removeHeaders(name)).isEqualTo(theirs.removeHeaders(name));
                    case 7 -> {
                        // Removing through the named iterator after skipping some: HttpCore's equivalent is
                        // keeping the first fields of that name and no later ones.
                        int skip = random.nextInt(3);
                        removeByIterator(ours.headerIterator(name), skip);
                        List<Header> kept = new ArrayList<>();
                        int seen = 0;
                        for (Header h : theirs.getHeaders()) {
                            if (!h.getName().equalsIgnoreCase(name) || seen++ < skip) {
                                kept.add(h);
                            }
                        }
                        theirs.setHeaders(kept.toArray(new Header[0]));
                    }
                    default -> {
                        Header[] some = {header, new BasicHeader(name, "z")};
                        ours.setHeaders(some);
                        theirs.setHeaders(some);
                    }
                }
                assertSameAnswers(ours, theirs, name);
                Header[] all = theirs.getHeaders();
                for (int i = 0; i < all.length; i++) {
                    assertThat(ours.isChecked(i)).as("field %d of %s", i, fields(theirs)).isEqualTo(all[i] instanceof Checked);
                }
                assertThat(ours.fieldFacts().contentLengths()).isEqualTo(theirs.countHeaders("Content-Length"));
                assertThat(ours.fieldFacts().connection()).isEqualTo(FieldFacts.walk(theirs).connection());
            }
        }
    }

    @Test
    void anIteratorRemovesTheFieldItReturnedLast() {
        HeadResponse response = new HeadResponse(200, "OK");
        response.addField("A", "1");
        response.addField("B", "2");
        response.addField("a", "3");
        response.addField("C", "4");
        Iterator<Header> named = response.headerIterator("A");
        assertThat(named.next().getValue()).isEqualTo("1");
        named.remove();
        assertThat(named.next().getValue()).isEqualTo("3");
        named.remove();
        assertThat(named.hasNext()).isFalse();
        assertThatThrownBy(named::remove).isInstanceOf(IllegalStateException.class);
        assertThat(fields(response)).containsExactly("B: 2", "C: 4");
        assertThat(response.fieldCount()).isEqualTo(2);
        assertThat(response.fieldName(1)).isEqualTo("C");
        assertThatThrownBy(() -> response.fieldValue(2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void manyFieldsGrowTheStore() {
        HeadRequest request = new HeadRequest("GET", "/");
        for (int i = 0; i < 100; i++) {
            request.addField("X-" + i, Integer.toString(i));
        }
        assertThat(request.fieldCount()).isEqualTo(100);
        assertThat(request.getLastHeader("x-99").getValue()).isEqualTo("99");
        assertThat(request.getFirstHeader("X-0").getValue()).isEqualTo("0");
    }

    @Test
    void onlyTheFirstSixtyFourFieldsCarryTheCheckedMark() {
        HeadRequest request = new HeadRequest("GET", "/");
        for (int i = 0; i < 70; i++) {
            request.addChecked("X-" + i, Integer.toString(i));
        }
        assertThat(request.isChecked(0)).isTrue();
        assertThat(request.isChecked(63)).isTrue();
        assertThat(request.isChecked(64)).isFalse();
        // The field that moves down from 64 has no mark to bring: it stays unmarked, written the careful way.
        assertThat(request.removeHeaders("X-0")).isTrue();
        assertThat(request.fieldName(63)).isEqualTo("X-64");
        assertThat(request.isChecked(62)).isTrue();
        assertThat(request.isChecked(63)).isFalse();
        request.setHeader("X-1", "one");
        assertThat(request.isChecked(0)).isFalse();
        assertThat(request.isChecked(1)).isTrue();
        request.clear();
        request.addField("A", "1");
        assertThat(request.isChecked(0)).isFalse();
    }

    @Test
    void removingABitMovesTheHigherOnesDown() {
        assertThat(HeadMessage.withoutBit(0b1011L, 1)).isEqualTo(0b101L);
        assertThat(HeadMessage.withoutBit(0b1011L, 0)).isEqualTo(0b101L);
        assertThat(HeadMessage.withoutBit(0b1011L, 3)).isEqualTo(0b011L);
        assertThat(HeadMessage.withoutBit(-1L, 63)).isEqualTo(Long.MAX_VALUE);
        assertThat(HeadMessage.withoutBit(-1L, 0)).isEqualTo(Long.MAX_VALUE);
        assertThat(HeadMessage.withoutBit(0b1011L, 64)).isEqualTo(0b1011L);
    }

    /** A header HttpCore's message holds for a field the proxy's head was given checked. */
    private static final class Checked extends BasicHeader {
        Checked(String name, String value) {
            super(name, value);
        }
    }

    private static void removeByIterator(Iterator<Header> it, int skip) {
        int seen = 0;
        while (it.hasNext()) {
            it.next();
            if (seen++ >= skip) {
                it.remove();
            }
        }
    }

    private static void assertSameAnswers(HeadRequest ours, HttpMessage theirs, String name) throws Exception {
        assertThat(fields(ours)).isEqualTo(fields(theirs));
        assertThat(ours.containsHeader(name)).isEqualTo(theirs.containsHeader(name));
        assertThat(ours.countHeaders(name)).isEqualTo(theirs.countHeaders(name));
        assertThat(text(ours.getFirstHeader(name))).isEqualTo(text(theirs.getFirstHeader(name)));
        assertThat(text(ours.getLastHeader(name))).isEqualTo(text(theirs.getLastHeader(name)));
        assertThat(texts(ours.getHeaders(name))).isEqualTo(texts(theirs.getHeaders(name)));
        List<String> named = new ArrayList<>();
        ours.headerIterator(name).forEachRemaining(h -> named.add(text(h)));
        assertThat(named).isEqualTo(texts(theirs.getHeaders(name)));
        if (theirs.countHeaders(name) > 1) {
            assertThatThrownBy(() -> ours.getHeader(name)).isInstanceOf(ProtocolException.class);
        } else {
            assertThat(text(ours.getHeader(name))).isEqualTo(text(theirs.getHeader(name)));
        }
    }

    private static List<String> fields(HttpMessage message) {
        return texts(message.getHeaders());
    }

    private static List<String> texts(Header[] headers) {
        return Arrays.stream(headers).map(HeadMessageTest::text).toList();
    }

    private static String text(Header header) {
        return header == null ? null : header.getName() + ": " + header.getValue();
    }

    private static String pick(Random random, String[] from) {
        return from[random.nextInt(from.length)];
    }
}
