package io.herald.common.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IpRangeTest {
    static Stream<Arguments> everyWrittenForm() {
        return Stream.of(
                Arguments.of("198.18.1.0/28", "198.18.1.0-198.18.1.15", 16),
                Arguments.of("198.18.0.100-198.18.0.150", "198.18.0.100-198.18.0.150", 51),
                Arguments.of("198.18.0.100 - 198.18.0.150", "198.18.0.100-198.18.0.150", 51),
                Arguments.of("198.18.0.7", "198.18.0.7", 1),
                Arguments.of("198.18.0.7/32", "198.18.0.7", 1),
                Arguments.of("198.18.0.7-198.18.0.7", "198.18.0.7", 1),
                Arguments.of("0.0.0.0/0", "0.0.0.0-255.255.255.255", 1L << 32),
                Arguments.of("2001:db8::100/124", "2001:db8::100-2001:db8::10f", 16),
                Arguments.of("2001:db8::1-2001:db8::ff", "2001:db8::1-2001:db8::ff", 255),
                Arguments.of("2001:db8::5", "2001:db8::5", 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void everyWrittenForm(String written, String canonical, long size) {
        IpRange range = IpRange.parse(written);
        assertEquals(canonical, range.toString());
        assertEquals(BigInteger.valueOf(size), range.size());
    }

    static Stream<Arguments> errorsSayWhatToWrite() {
        return Stream.of(
                Arguments.of("198.18.0.300", "\"198.18.0.300\" is not an IP address"),
                Arguments.of("198.18.0.1-198.18.0.300", "\"198.18.0.300\" is not an IP address"),
                Arguments.of("198.18.0.1/24", "\"198.18.0.1/24\" has host bits set; did you mean 198.18.0.0/24?"),
                Arguments.of("2001:db8::1/64", "\"2001:db8::1/64\" has host bits set; did you mean 2001:db8::/64?"),
                Arguments.of("198.18.0.0/33", "\"198.18.0.0/33\": the prefix length must be 0-32 for IPv4"),
                Arguments.of("2001:db8::/129", "\"2001:db8::/129\": the prefix length must be 0-128 for IPv6"),
                Arguments.of("198.18.0.0/", "\"198.18.0.0/\": the prefix length must be 0-32 for IPv4"),
                Arguments.of("/24", "\"/24\" lacks the address before the '/'; write a CIDR as ADDRESS/PREFIX"),
                Arguments.of("198.18.0.9-198.18.0.1",
                        "\"198.18.0.9-198.18.0.1\" ends before it starts; write the lower address first"),
                Arguments.of("198.18.0.1-2001:db8::1", "\"198.18.0.1-2001:db8::1\" mixes IPv4 and IPv6"),
                Arguments.of("198.18.0.1-", "\"198.18.0.1-\" lacks an address; write a range as FIRST-LAST"),
                Arguments.of("-198.18.0.1", "\"-198.18.0.1\" lacks an address; write a range as FIRST-LAST"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void errorsSayWhatToWrite(String written, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> IpRange.parse(written)).getMessage());
    }

    @Test
    void containsOnlyItsOwnFamilyAndBounds() {
        IpRange range = IpRange.parse("198.18.0.10-198.18.0.20");
        assertTrue(range.contains(IpAddress.parse("198.18.0.10")));
        assertTrue(range.contains(IpAddress.parse("198.18.0.20")));
        assertFalse(range.contains(IpAddress.parse("198.18.0.9")));
        assertFalse(range.contains(IpAddress.parse("198.18.0.21")));
        // the same number in the other family is another address
        assertFalse(IpRange.parse("::/96").contains(IpAddress.parse("198.18.0.10")));
    }

    @Test
    void overlapsWhenTheyShareOneAddress() {
        IpRange range = IpRange.parse("198.18.0.16/28");
        assertTrue(range.overlaps(IpRange.parse("198.18.0.31-198.18.0.40")));
        assertTrue(range.overlaps(IpRange.parse("198.18.0.0-198.18.0.16")));
        assertTrue(range.overlaps(IpRange.parse("198.18.0.20")));
        assertTrue(range.overlaps(IpRange.parse("198.18.0.0/24")));
        assertFalse(range.overlaps(IpRange.parse("198.18.0.32/28")));
        assertFalse(range.overlaps(IpRange.parse("198.18.0.0-198.18.0.15")));
        assertFalse(IpRange.parse("::/96").overlaps(IpRange.parse("0.0.0.0/0")));
    }

    @Test
    void sortsByFamilyThenFirstAddress() {
        var sorted = Stream.of("2001:db8::/64", "198.18.1.0/24", "198.18.0.0/24").map(IpRange::parse).sorted().map(IpRange::toString).toList();
        assertEquals(java.util.List.of("198.18.0.0-198.18.0.255", "198.18.1.0-198.18.1.255", "2001:db8::-2001:db8::ffff:ffff:ffff:ffff"), sorted);
    }
}
