package dev.gatehouse.proxy.core.internal.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void allowsTheShareOfRequestsPlusTheFloorPerSecond() {
        RetryBudget budget = new RetryBudget(20, 2);
        long now = 1000 * SECOND;
        for (int i = 0; i < 100; i++) {
            budget.recordRequest(now);
        }
        int allowed = 0;
        while (budget.tryRetry(now) && allowed < 1000) {
            allowed++;
        }
        // 20 % of 100 requests; the floor of 2 a second is used up by the first two.
        assertThat(allowed).isEqualTo(20);
    }

    @Test
    void theFloorAllowsRetriesWithoutRequestsEachSecond() {
        RetryBudget budget = new RetryBudget(20, 3);
        long now = 50 * SECOND;
        int first = 0;
        while (budget.tryRetry(now) && first < 100) {
            first++;
        }
        int second = 0;
        while (budget.tryRetry(now + SECOND) && second < 100) {
            second++;
        }
        assertThat(first).isEqualTo(3);
        assertThat(second).isEqualTo(3);
    }

    @Test
    void requestsOlderThanTenSecondsNoLongerCount() {
        RetryBudget budget = new RetryBudget(50, 0);
        long start = 7 * SECOND;
        for (int i = 0; i < 10; i++) {
            budget.recordRequest(start);
        }
        assertThat(budget.tryRetry(start + 9 * SECOND)).isTrue();
        assertThat(budget.tryRetry(start + 11 * SECOND)).isFalse();
    }

    @Test
    void zeroPercentAndNoFloorNeverRetries() {
        RetryBudget budget = new RetryBudget(0, 0);
        budget.recordRequest(SECOND);
        assertThat(budget.tryRetry(SECOND)).isFalse();
    }
}
