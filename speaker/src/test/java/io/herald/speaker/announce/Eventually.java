package io.herald.speaker.announce;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waiting: polls a condition every few milliseconds until it holds or the time is up. */
final class Eventually {
    private Eventually() {
    }

    /** Waits until {@code condition} holds; fails with {@code whatToCheck} after {@code limit}. Returns how long it took. */
    static Duration within(Duration limit, BooleanSupplier condition, Supplier<String> whatToCheck) {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            if (System.nanoTime() - deadline > 0) {
                fail("not within " + limit.toMillis() + " ms: " + whatToCheck.get());
            }
            pause(Duration.ofMillis(10));
        }
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
