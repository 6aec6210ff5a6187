package dev.gatehouse.proxy.core.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PathTemplateTest {

    @Test
    void capturesWholeNonEmptySegments() {
        PathTemplate template = new PathTemplate("/users/{id}/orders/{order}");
        assertThat(template.match("/users/42/orders/7")).containsExactly(Map.entry("id", "42"), Map.entry("order", "7"));
        assertThat(template.match("/users/42/orders")).isNull();
        assertThat(template.match("/users//orders/7")).isNull();
        assertThat(template.match("/users/42/orders/7/x")).isNull();
        assertThat(template.match("/users/42/order/7")).isNull();
        assertThat(template.literalCount()).isEqualTo(2);
    }

    @Test
    void aTrailingRestVariableTakesTheRestPossiblyEmpty() {
        PathTemplate template = new PathTemplate("/files/{*path}");
        assertThat(template.match("/files/a/b.txt")).containsEntry("path", "a/b.txt");
        assertThat(template.match("/files/")).containsEntry("path", "");
        assertThat(template.match("/files")).containsEntry("path", "");
        assertThat(template.match("/filesx")).isNull();
    }

    @Test
    void expandsATemplateWithoutDoubleSlashes() {
        assertThat(PathTemplate.expand("/v2/{id}", Map.of("id", "9"))).isEqualTo("/v2/9");
        assertThat(PathTemplate.expand("/v2/{*rest}", Map.of("rest", ""))).isEqualTo("/v2");
        assertThat(PathTemplate.expand("/v2/{*rest}", Map.of("rest", "a/b"))).isEqualTo("/v2/a/b");
    }

    @Test
    void decodesQueryValuesOnlyToCompareThem() {
        assertThat(QueryParameters.matches("a=1&b=x%2Fy", "b", "x/y")).isTrue();
        assertThat(QueryParameters.matches("a=1&b", "b", "")).isTrue();
        assertThat(QueryParameters.matches("a=1&b", "b", null)).isTrue();
        assertThat(QueryParameters.matches("ab=1", "a", null)).isFalse();
        assertThat(QueryParameters.matches("a=%zz", "a", "%zz")).isTrue();
        assertThat(QueryParameters.matches(null, "a", null)).isFalse();
    }
}
