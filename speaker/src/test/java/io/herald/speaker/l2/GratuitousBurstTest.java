package io.herald.speaker.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.ip.Family;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GratuitousBurstTest {

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    @Test
    void arpSendsFiveFramesOverFourSecondsThenOneAMinute() {
        assertEquals(List.of(ms(0), ms(1100), ms(2200), ms(3300), ms(4400)), GratuitousBurst.ARP.burst());
        assertEquals(Duration.ofSeconds(60), GratuitousBurst.ARP.refresh());
        assertEquals(List.of(ms(0), ms(1100), ms(2200), ms(3300), ms(4400), ms(64_400), ms(124_400)),
                GratuitousBurst.ARP.sendsUntil(Duration.ofSeconds(130)));
    }

    @Test
    void everyArpFrameLandsOutsideTheLocktimeTheOneBeforeOpened() {
        List<Duration> burst = GratuitousBurst.ARP.burst();
        for (int i = 1; i < burst.size(); i++) {
            assertTrue(burst.get(i).minus(burst.get(i - 1)).compareTo(GratuitousBurst.LINUX_ARP_LOCKTIME) > 0, "gap before frame " + i);
        }
    }

    @Test
    void ndpKeepsToRfc4861sThreeAdvertisementsASecondApart() {
        List<Duration> burst = GratuitousBurst.NDP.burst();
        assertEquals(List.of(ms(0), ms(1100), ms(2200)), burst);
        assertEquals(Duration.ofSeconds(60), GratuitousBurst.NDP.refresh());
    }

    @Test
    void picksTheScheduleByFamily() {
        assertSame(GratuitousBurst.ARP, GratuitousBurst.forFamily(Family.IPV4));
        assertSame(GratuitousBurst.NDP, GratuitousBurst.forFamily(Family.IPV6));
    }

    static Stream<Arguments> nextSends() {
        return Stream.of(
                Arguments.of("before the takeover: the first frame", ms(-1), ms(0)),
                Arguments.of("just after the first", ms(0), ms(1100)),
                Arguments.of("between burst frames", ms(1000), ms(1100)),
                Arguments.of("on a burst frame: the next", ms(1100), ms(2200)),
                Arguments.of("woke late: skip, do not bunch", ms(3500), ms(4400)),
                Arguments.of("after the burst: the first refresh", ms(4400), ms(64_400)),
                Arguments.of("just before a refresh", ms(64_399), ms(64_400)),
                Arguments.of("on a refresh: the next", ms(64_400), ms(124_400)),
                Arguments.of("a day later", Duration.ofDays(1), ms(4400).plus(Duration.ofMinutes(1440))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nextSends")
    void nextAfter(String step, Duration elapsed, Duration next) {
        assertEquals(next, GratuitousBurst.ARP.nextAfter(elapsed));
    }

    @Test
    void walkingNextAfterFromTheTakeoverGivesEverySend() {
        GratuitousBurst schedule = new GratuitousBurst(List.of(ms(0), ms(500), ms(2000)), ms(700));
        List<Duration> walked = new ArrayList<>();
        for (Duration at = ms(0); at.compareTo(ms(5000)) <= 0; at = schedule.nextAfter(at)) {
            walked.add(at);
        }
        assertEquals(List.of(ms(0), ms(500), ms(2000), ms(2700), ms(3400), ms(4100), ms(4800)), walked);
        assertEquals(walked, schedule.sendsUntil(ms(5000)));
    }

    @Test
    void rejectsSchedulesThatCannotBeKept() {
        assertThrows(IllegalArgumentException.class, () -> new GratuitousBurst(List.of(), ms(1000)));
        assertThrows(IllegalArgumentException.class, () -> new GratuitousBurst(List.of(ms(-1), ms(1000)), ms(1000)));
        assertThrows(IllegalArgumentException.class, () -> new GratuitousBurst(List.of(ms(0), ms(1000), ms(1000)), ms(1000)));
        assertThrows(IllegalArgumentException.class, () -> new GratuitousBurst(List.of(ms(0), ms(2000), ms(1000)), ms(1000)));
        assertThrows(IllegalArgumentException.class, () -> new GratuitousBurst(List.of(ms(0)), Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> GratuitousBurst.evenlySpaced(0, ms(1100), ms(1000)));
    }

    @Test
    void keepsItsOwnCopyOfTheBurst() {
        List<Duration> times = new ArrayList<>(List.of(ms(0), ms(1100)));
        GratuitousBurst schedule = new GratuitousBurst(times, ms(60_000));
        times.add(ms(2200));
        assertEquals(2, schedule.burst().size());
        assertThrows(UnsupportedOperationException.class, () -> schedule.burst().add(ms(3300)));
    }
}
