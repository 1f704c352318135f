package io.herald.common.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HealthTest {
    @Test
    void readyOnlyWhenEveryCheckPassesAndSaysWhichFails() {
        Health health = new Health();
        AtomicBoolean synced = new AtomicBoolean(false);
        health.addLiveness("process", Optional::empty);
        health.addReadiness("services-synced", () -> synced.get() ? Optional.empty() : Optional.of("cache not synced"));

        assertTrue(health.live().ok());
        Health.Report notReady = health.ready();
        assertFalse(notReady.ok());
        assertEquals("[+]process ok\n[-]services-synced failed: cache not synced\nfailed\n", notReady.text());

        synced.set(true);
        assertEquals("[+]process ok\n[+]services-synced ok\nok\n", health.ready().text());
    }

    @Test
    void aFailingLivenessCheckAlsoMeansNotReady() {
        Health health = new Health();
        health.addLiveness("watch", () -> Optional.of("services watch down for 90 s"));
        assertFalse(health.live().ok());
        assertFalse(health.ready().ok());
    }

    @Test
    void aCheckThatThrowsFailsInsteadOfBreakingTheEndpoint() {
        Health health = new Health();
        health.addReadiness("broken", () -> {
            throw new IllegalStateException("boom");
        });
        Health.Report report = health.ready();
        assertFalse(report.ok());
        assertTrue(report.text().contains("[-]broken failed: check threw java.lang.IllegalStateException: boom"), report.text());
    }
}
