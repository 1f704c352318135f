package io.herald.speaker.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OwnLeaseTest {
    static final long T0 = -3_000_000_000L; // nanoTime may well be negative
    static final long SECOND = 1_000_000_000L;
    static final long SIX = 6 * SECOND;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("not fresh before the first renewal",
                        (UnaryOperator<OwnLease>) l -> l, 0L, false),
                Arguments.of("fresh just under one duration after the renewal request was sent",
                        (UnaryOperator<OwnLease>) l -> l.renewed(T0, SIX), SIX - 1, true),
                Arguments.of("stale exactly one duration after the renewal request was sent",
                        (UnaryOperator<OwnLease>) l -> l.renewed(T0, SIX), SIX, false),
                Arguments.of("each renewal starts a new duration",
                        (UnaryOperator<OwnLease>) l -> l.renewed(T0, SIX).renewed(T0 + 2 * SECOND, SIX), 7 * SECOND, true),
                Arguments.of("a late reply to an older request does not move the renewal back",
                        (UnaryOperator<OwnLease>) l -> l.renewed(T0 + 2 * SECOND, SIX).renewed(T0, SIX), 7 * SECOND, true),
                Arguments.of("released on graceful stop: not fresh at once",
                        (UnaryOperator<OwnLease>) l -> l.renewed(T0, SIX).released(), 1L, false),
                Arguments.of("renewed again after release",
                        (UnaryOperator<OwnLease>) l -> l.renewed(T0, SIX).released().renewed(T0 + SECOND, SIX), 2 * SECOND, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void freshness(String behaviour, UnaryOperator<OwnLease> history, long nanosAfterT0, boolean fresh) {
        OwnLease own = history.apply(OwnLease.notHeld("n1"));
        assertEquals(fresh, own.isFresh(T0 + nanosAfterT0));
    }
}
