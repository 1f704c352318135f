package io.herald.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.common.ip.IpRange;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AddressPoolTest {
    private static AddressPool pool(boolean avoidBuggyIps, String... addresses) {
        List<IpRange> ranges = Arrays.stream(addresses).map(IpRange::parse).sorted().toList();
        return new AddressPool("p", ranges, true, avoidBuggyIps, List.of(), List.of(), List.of());
    }

    static Stream<Arguments> sizeLeavesOutDotZeroAndDot255WhenAsked() {
        return Stream.of(
                Arguments.of("198.18.0.0/24", 256, 254),
                Arguments.of("198.18.0.0/22", 1024, 1016), // four /24s: .0 and .255 of each
                Arguments.of("198.18.0.0/15", 131072, 131072 - 2 * 512),
                Arguments.of("198.18.0.255-198.18.1.0", 2, 0),
                Arguments.of("198.18.0.254-198.18.1.1", 4, 2),
                Arguments.of("198.18.0.1-198.18.0.254", 254, 254),
                Arguments.of("198.18.0.200-198.18.3.10", 579, 579 - 6), // .255 of 0,1,2 and .0 of 1,2,3
                Arguments.of("198.18.0.0", 1, 0),
                Arguments.of("198.18.0.255", 1, 0),
                Arguments.of("198.18.0.128", 1, 1),
                Arguments.of("0.0.0.0-0.0.0.255", 256, 254),
                Arguments.of("255.255.255.0/24", 256, 254));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void sizeLeavesOutDotZeroAndDot255WhenAsked(String range, long all, long withoutBuggy) {
        assertEquals(BigInteger.valueOf(all), pool(false, range).size(Family.IPV4));
        assertEquals(BigInteger.valueOf(withoutBuggy), pool(true, range).size(Family.IPV4));
        assertEquals(BigInteger.valueOf(withoutBuggy), countAssignable(pool(true, range), IpRange.parse(range)),
                "size agrees with mayAssign walked address by address");
    }

    private static BigInteger countAssignable(AddressPool pool, IpRange range) {
        long count = 0;
        for (IpAddress ip = range.first(); ; ip = ip.next().orElseThrow()) {
            count += pool.mayAssign(ip) ? 1 : 0;
            if (ip.equals(range.last())) {
                return BigInteger.valueOf(count);
            }
        }
    }

    @Test
    void sizeCountsEachFamilyOverSeveralRanges() {
        AddressPool pool = pool(true, "198.18.0.100-198.18.0.150", "198.18.1.0/28", "2001:db8::100/124");
        assertEquals(BigInteger.valueOf(51 + 15), pool.size(Family.IPV4)); // 198.18.1.0 is left out
        assertEquals(BigInteger.valueOf(16), pool.size(Family.IPV6), "avoid-buggy-ips is about IPv4 only");
        assertTrue(pool.mayAssign(IpAddress.parse("2001:db8::100")));
        assertFalse(pool.mayAssign(IpAddress.parse("198.18.1.0")));
        assertTrue(pool.mayAssign(IpAddress.parse("198.18.1.1")));
    }
}
