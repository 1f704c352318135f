package io.herald.controller.allocation;

import static io.herald.controller.allocation.Fixtures.ip;
import static io.herald.controller.allocation.Fixtures.ranges;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import java.math.BigInteger;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FreeAddressesTest {
    private static BigInteger v(String address) {
        return ip(address).value();
    }

    private static Optional<String> lowest(FreeAddresses free, Family family) {
        return free.lowest().map(value -> IpAddress.of(family, value).toString());
    }

    @Test
    void handsOutInOrderAcrossRangesAndTakesBackWithoutFragmenting() {
        FreeAddresses free = new FreeAddresses(Family.IPV4, ranges("10.0.0.1-10.0.0.2", "10.0.0.10/31"), false);
        assertEquals(Optional.of("10.0.0.1"), lowest(free, Family.IPV4));
        free.take(v("10.0.0.1"));
        free.take(v("10.0.0.2"));
        assertEquals(Optional.of("10.0.0.10"), lowest(free, Family.IPV4));
        free.take(v("10.0.0.11"));
        free.take(v("10.0.0.10"));
        assertEquals(Optional.empty(), free.lowest());
        free.give(v("10.0.0.11"));
        free.give(v("10.0.0.2"));
        free.give(v("10.0.0.1"));
        free.give(v("10.0.0.10"));
        assertEquals(2, free.intervalCount(), "one interval per range: the gap between them stays a gap");
        assertFalse(free.isFree(v("10.0.0.5")));
    }

    @Test
    void takingFromTheMiddleSplitsAndGivingBackMerges() {
        FreeAddresses free = new FreeAddresses(Family.IPV4, ranges("10.0.0.0/28"), false);
        free.take(v("10.0.0.7"));
        assertEquals(2, free.intervalCount());
        assertFalse(free.isFree(v("10.0.0.7")));
        free.take(v("10.0.0.7"));
        assertEquals(2, free.intervalCount(), "taking a held address changes nothing");
        free.give(v("10.0.0.7"));
        assertEquals(1, free.intervalCount());
        assertTrue(free.isFree(v("10.0.0.7")));
    }

    @Test
    void avoidBuggyIpsSkipsDotZeroAndDot255AsHolesInsideIntervals() {
        FreeAddresses free = new FreeAddresses(Family.IPV4, ranges("10.0.0.0/23"), true);
        assertEquals(1, free.intervalCount());
        assertEquals(Optional.of("10.0.0.1"), lowest(free, Family.IPV4));
        assertFalse(free.isFree(v("10.0.0.255")));
        assertFalse(free.isFree(v("10.0.1.0")));
        assertFalse(free.isFree(v("10.0.1.255")));
        for (int i = 1; i <= 254; i++) {
            free.take(v("10.0.0." + i));
        }
        assertEquals(Optional.of("10.0.1.1"), lowest(free, Family.IPV4));
        free.give(v("10.0.0.254"));
        assertEquals(1, free.intervalCount(), ".254 and .1 of the next /24 are neighbours");
        free.take(v("10.0.0.254"));
        assertEquals(Optional.of("10.0.1.1"), lowest(free, Family.IPV4));
    }

    @Test
    void aRangeOfOnlyAvoidedAddressesHasNothingFree() {
        FreeAddresses free = new FreeAddresses(Family.IPV4, ranges("10.0.0.255-10.0.1.0"), true);
        assertEquals(Optional.empty(), free.lowest());
    }

    @Test
    void avoidBuggyIpsMeansNothingForIpv6() {
        FreeAddresses free = new FreeAddresses(Family.IPV6, ranges("2001:db8::ff-2001:db8::100"), true);
        assertEquals(Optional.of("2001:db8::ff"), lowest(free, Family.IPV6));
    }

    @Test
    void aSlash64StaysOneIntervalWhileHandingOutFromItsStart() {
        FreeAddresses free = new FreeAddresses(Family.IPV6, ranges("2001:db8::/64"), false);
        for (int i = 0; i < 1000; i++) {
            free.take(free.lowest().orElseThrow());
        }
        assertEquals(1, free.intervalCount());
        assertEquals(Optional.of("2001:db8::3e8"), lowest(free, Family.IPV6));
        free.take(v("2001:db8::ffff:ffff:ffff:ffff"));
        assertEquals(1, free.intervalCount());
        assertFalse(free.isFree(v("2001:db8::ffff:ffff:ffff:ffff")));
        assertTrue(free.isFree(v("2001:db8::ffff:ffff:ffff:fffe")));
    }
}
