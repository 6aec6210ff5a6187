package dev.gatehouse.proxy.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.proxy.core.ReverseProxy;
import dev.gatehouse.proxy.testing.RecordingBackend;
import dev.gatehouse.proxy.testing.TestProxies;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every case of the request catalogue against Gatehouse, in front of a backend that records what it gets. */
class ConformanceIT {

    private static RecordingBackend backend;
    private static ReverseProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        backend = new RecordingBackend();
        proxy = TestProxies.start(ConformanceReport.gatehouse(TestProxies.builder(), backend.port()));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    static List<Conformance.Case> catalogue() {
        return Conformance.catalogue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void passes(Conformance.Case test) throws Exception {
        Conformance.Outcome outcome = Conformance.run(test, proxy.address(), backend, 300);
        assertThat(Conformance.passes(test, outcome))
                .as("%s: expected %s, got %s; backend got %s", test, test.expect(), outcome.describe(), outcome.received())
                .isTrue();
    }
}
