package io.herald.speaker.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MembershipTest {
    /** An arbitrary origin: nanoTime has no meaning across hosts or restarts. */
    static final long T0 = 5_000_000_000_000L;
    static final long SECOND = 1_000_000_000L;

    /** One thing the Lease informer tells the observer, at an observer time in seconds after T0. */
    sealed interface Step {
        Membership apply(Membership m);
    }

    record Seen(String node, String marker, double durationSeconds, double at) implements Step {
        public Membership apply(Membership m) {
            return m.observe(node, marker, (long) (durationSeconds * SECOND), time(at));
        }
    }

    record Deleted(String node) implements Step {
        public Membership apply(Membership m) {
            return m.deleted(node);
        }
    }

    static long time(double secondsAfterT0) {
        return T0 + (long) (secondsAfterT0 * SECOND);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("a Lease seen for the first time counts as renewed then",
                        List.of(new Seen("n1", "r1", 6, 0)), 5.999, Set.of("n1")),
                Arguments.of("it expires one duration after first sight",
                        List.of(new Seen("n1", "r1", 6, 0)), 6, Set.of()),
                Arguments.of("seeing the same renewTime again is not a renewal",
                        List.of(new Seen("n1", "r1", 6, 0), new Seen("n1", "r1", 6, 5)), 6, Set.of()),
                Arguments.of("a changed renewTime is a renewal when the observer sees it",
                        List.of(new Seen("n1", "r1", 6, 0), new Seen("n1", "r2", 6, 5)), 10.999, Set.of("n1")),
                Arguments.of("a renewal lasts one duration from when it was seen",
                        List.of(new Seen("n1", "r1", 6, 0), new Seen("n1", "r2", 6, 5)), 11, Set.of()),
                Arguments.of("a renewTime far in the future by the wall clock does not keep a node alive",
                        List.of(new Seen("n1", "2999-01-01T00:00:00.000000Z", 6, 0)), 6, Set.of()),
                Arguments.of("a renewTime far in the past by the wall clock does not kill a node",
                        List.of(new Seen("n1", "1970-01-01T00:00:00.000000Z", 6, 0)), 5.999, Set.of("n1")),
                Arguments.of("a renewTime going backwards is still a change, hence a renewal",
                        List.of(new Seen("n1", "2026-01-01T00:00:02Z", 6, 0),
                                new Seen("n1", "2026-01-01T00:00:01Z", 6, 4)), 9, Set.of("n1")),
                Arguments.of("a Lease without renewTime is live from first sight",
                        List.of(new Seen("n1", null, 6, 0)), 5, Set.of("n1")),
                Arguments.of("renewTime set on a Lease that had none is a renewal",
                        List.of(new Seen("n1", null, 6, 0), new Seen("n1", "r1", 6, 5)), 10, Set.of("n1")),
                Arguments.of("a deleted Lease (graceful stop) removes the node at once",
                        List.of(new Seen("n1", "r1", 6, 0), new Seen("n2", "r1", 6, 0), new Deleted("n1")),
                        0.001, Set.of("n2")),
                Arguments.of("a Lease created again after deletion counts as renewed at its new first sight",
                        List.of(new Seen("n1", "r1", 6, 0), new Deleted("n1"), new Seen("n1", "r1", 6, 10)),
                        15, Set.of("n1")),
                Arguments.of("deleting an unknown Lease changes nothing",
                        List.of(new Seen("n1", "r1", 6, 0), new Deleted("n9")), 1, Set.of("n1")),
                Arguments.of("a shorter duration written without renewing applies at once",
                        List.of(new Seen("n1", "r1", 6, 0), new Seen("n1", "r1", 2, 1)), 2, Set.of()),
                Arguments.of("a longer duration written without renewing extends the same renewal",
                        List.of(new Seen("n1", "r1", 6, 0), new Seen("n1", "r1", 20, 1)), 19, Set.of("n1")),
                Arguments.of("a Lease with a zero duration never makes a node live",
                        List.of(new Seen("n1", "r1", 0, 0)), 0, Set.of()),
                Arguments.of("each node has its own clock entry",
                        List.of(new Seen("n1", "r1", 6, 0), new Seen("n2", "r1", 6, 3), new Seen("n3", "r1", 6, 5)),
                        9, Set.of("n3")),
                Arguments.of("a node never seen is not live",
                        List.of(), 0, Set.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void liveness(String behaviour, List<Step> steps, double at, Set<String> live) {
        Membership m = Membership.EMPTY;
        for (Step step : steps) {
            m = step.apply(m);
        }
        assertEquals(live, m.liveAt(time(at)));
        for (String node : List.of("n1", "n2", "n3")) {
            assertEquals(live.contains(node), m.isLive(node, time(at)), node);
        }
    }

    @Test
    void survivesNanoTimeWrappingAround() {
        long beforeWrap = Long.MAX_VALUE - 2 * SECOND;
        Membership m = Membership.EMPTY.observe("n1", "r1", 6 * SECOND, beforeWrap);
        assertTrue(m.isLive("n1", beforeWrap + 5 * SECOND)); // overflows to a negative number
        assertFalse(m.isLive("n1", beforeWrap + 6 * SECOND));
    }

    @Test
    void saysWhenTheNextLeaseExpires() {
        Membership m = Membership.EMPTY
                .observe("n1", "r1", 6 * SECOND, time(0))
                .observe("n2", "r1", 6 * SECOND, time(2));
        assertEquals(OptionalLong.of(6 * SECOND), m.nanosUntilNextExpiry(time(0)));
        assertEquals(OptionalLong.of(2 * SECOND), m.nanosUntilNextExpiry(time(6))); // n1 is gone, n2 is next
        assertEquals(OptionalLong.empty(), m.nanosUntilNextExpiry(time(8)));
    }

    @Test
    void isAValueThatObservingDoesNotChange() {
        Membership before = Membership.EMPTY.observe("n1", "r1", 6 * SECOND, time(0));
        before.observe("n1", "r2", 6 * SECOND, time(5)).deleted("n1");
        assertEquals("r1", before.lease("n1").orElseThrow().renewMarker());
        assertFalse(before.isLive("n1", time(6)));
    }

    @Test
    void refusesALeaseFiledUnderAnotherNode() {
        assertThrows(IllegalArgumentException.class,
                () -> new Membership(Map.of("n1", new NodeLease("n2", "r1", SECOND, 0))));
    }

    /** Renewing is a stricter test than live: half a duration without a renewal, and a node that died has stopped. */
    @Test
    void renewingMeansARenewalSeenWithinHalfTheDuration() {
        Membership m = Membership.EMPTY.observe("n1", "r1", 6 * SECOND, time(0)).observe("n2", "r1", 6 * SECOND, time(0))
                .observe("n2", "r2", 6 * SECOND, time(2));
        assertEquals(Set.of("n1", "n2"), m.renewingAt(time(2.9)));
        assertEquals(Set.of("n2"), m.renewingAt(time(3)));
        assertEquals(Set.of("n1", "n2"), m.liveAt(time(3)), "n1 is still live by the Lease rule");
        assertEquals(Set.of(), m.renewingAt(time(5)));
    }
}
