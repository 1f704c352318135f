package io.herald.common.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {
    static Stream<Arguments> canonicalText() {
        return Stream.of(
                Arguments.of("198.18.0.1", "198.18.0.1"),
                Arguments.of(" 198.18.0.1 ", "198.18.0.1"),
                Arguments.of("0.0.0.0", "0.0.0.0"),
                Arguments.of("255.255.255.255", "255.255.255.255"),
                Arguments.of("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
                Arguments.of("2001:0db8::0001", "2001:db8::1"),
                Arguments.of("0:0:0:0:0:0:0:0", "::"),
                Arguments.of("0:0:0:0:0:0:0:1", "::1"),
                Arguments.of("1:0:0:0:0:0:0:0", "1::"),
                Arguments.of("2001:db8:0:0:0:0:0:0", "2001:db8::"),
                // one zero group is written out, not compressed (RFC 5952 4.2.2)
                Arguments.of("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
                // the longest run is compressed; of equal runs, the first (RFC 5952 4.2.3)
                Arguments.of("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
                Arguments.of("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
                Arguments.of("fe80::1:2", "fe80::1:2"),
                // an IPv4-mapped IPv6 address is the IPv4 address
                Arguments.of("::ffff:198.18.0.7", "198.18.0.7"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource
    void canonicalText(String written, String canonical) {
        assertEquals(canonical, IpAddress.parse(written).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"198.18.0.300", "198.18.0", "198.18.0.1.2", "198.18.00.1", "2001:db8::g", "2001:db8:::1",
            "fe80::1%eth0", "[::1]", "example.com", ".::1", "1.2.3.4:80"})
    void rejectsWhatIsNotALiteralAddress(String written) {
        var e = assertThrows(IllegalArgumentException.class, () -> IpAddress.parse(written));
        assertEquals("\"" + written + "\" is not an IP address", e.getMessage());
    }

    @Test
    void emptyTextSaysSo() {
        assertEquals("an empty string is not an IP address",
                assertThrows(IllegalArgumentException.class, () -> IpAddress.parse(" ")).getMessage());
    }

    @Test
    void familiesAreOrderedIpv4First() {
        assertTrue(IpAddress.parse("255.255.255.255").compareTo(IpAddress.parse("::")) < 0);
        assertTrue(IpAddress.parse("198.18.0.9").compareTo(IpAddress.parse("198.18.0.10")) < 0);
    }

    @Test
    void nextStopsAtTheEndOfTheSpace() {
        assertEquals(Optional.of(IpAddress.parse("198.18.1.0")), IpAddress.parse("198.18.0.255").next());
        assertEquals(Optional.empty(), IpAddress.parse("255.255.255.255").next());
        assertEquals(Optional.of(IpAddress.parse("2001:db8::1:0")), IpAddress.parse("2001:db8::ffff").next());
        assertEquals(Optional.empty(), IpAddress.parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").next());
    }

    @Test
    void plusStaysInsideTheFamily() {
        assertEquals(IpAddress.parse("198.18.1.4"), IpAddress.parse("198.18.0.250").plus(BigInteger.TEN));
        assertThrows(IllegalArgumentException.class, () -> IpAddress.parse("255.255.255.250").plus(BigInteger.TEN));
    }

    @Test
    void bytesAndInetAddressRoundTrip() throws Exception {
        for (String text : new String[] {"198.18.0.1", "0.0.0.1", "2001:db8::1", "::"}) {
            IpAddress ip = IpAddress.parse(text);
            assertEquals(ip.family().bits() / 8, ip.bytes().length);
            assertEquals(ip, IpAddress.of(ip.toInetAddress()));
        }
    }

    @Test
    void buggyAddressesAreIpv4DotZeroAndDot255Only() {
        assertTrue(IpAddress.parse("198.18.1.0").isBuggyForOldFirmware());
        assertTrue(IpAddress.parse("198.18.0.255").isBuggyForOldFirmware());
        assertFalse(IpAddress.parse("198.18.0.1").isBuggyForOldFirmware());
        assertFalse(IpAddress.parse("2001:db8::ff").isBuggyForOldFirmware());
        assertFalse(IpAddress.parse("2001:db8::").isBuggyForOldFirmware());
    }
}
