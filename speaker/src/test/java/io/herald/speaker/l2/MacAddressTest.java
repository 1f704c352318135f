package io.herald.speaker.l2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {

    @Test
    void parsesAndPrintsLowercaseColonForm() {
        MacAddress mac = MacAddress.parse("02:00:5E:0A:bC:ff");
        assertEquals("02:00:5e:0a:bc:ff", mac.toString());
        assertEquals(0x02005e0abcffL, mac.value());
        assertEquals(mac, MacAddress.parse(mac.toString()));
    }

    @Test
    void bytesRoundTripInNetworkOrder() {
        byte[] bytes = {0x02, 0x00, 0x00, 0x00, 0x00, (byte) 0xfe};
        MacAddress mac = MacAddress.of(bytes);
        assertEquals("02:00:00:00:00:fe", mac.toString());
        assertArrayEquals(bytes, mac.bytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "02:00:00:00:00", "02:00:00:00:00:01:02", "02-00-00-00-00-01", "0200.0000.0001",
            "2:0:0:0:0:1", "02:00:00:00:00:0g", "020000000001"})
    void rejectsWhatIsNotSixColonPairs(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
        assertTrue(e.getMessage().contains("02:00:00:00:00:01"), e.getMessage());
    }

    @Test
    void rejectsWrongByteCountsAndValuesOutside48Bits() {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.of(new byte[5]));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.of(new byte[8]));
        assertThrows(IllegalArgumentException.class, () -> new MacAddress(1L << 48));
        assertThrows(IllegalArgumentException.class, () -> new MacAddress(-1));
    }

    @Test
    void knowsBroadcastMulticastAndUnicast() {
        assertTrue(MacAddress.BROADCAST.isBroadcast());
        assertTrue(MacAddress.BROADCAST.isMulticast());
        assertFalse(MacAddress.BROADCAST.isUnicast());

        assertEquals("33:33:00:00:00:01", MacAddress.IPV6_ALL_NODES.toString());
        assertTrue(MacAddress.IPV6_ALL_NODES.isMulticast());
        assertFalse(MacAddress.IPV6_ALL_NODES.isBroadcast());
        assertTrue(MacAddress.parse("01:00:5e:00:00:01").isMulticast());

        MacAddress host = MacAddress.parse("02:00:00:00:00:01");
        assertTrue(host.isUnicast());
        assertFalse(host.isMulticast());
        assertTrue(host.isLocallyAdministered());
        assertFalse(MacAddress.parse("00:1b:21:00:00:01").isLocallyAdministered());

        assertEquals("00:00:00:00:00:00", MacAddress.ZERO.toString());
        assertFalse(MacAddress.ZERO.isUnicast(), "nobody can be answered at the zero address");
    }

    @Test
    void interfaceNeedsANameAUnicastMacAndARealIndex() {
        MacAddress mac = MacAddress.parse("02:00:00:00:00:01");
        assertEquals("eth0", new InterfaceInfo("eth0", mac, 2).name());
        assertThrows(IllegalArgumentException.class, () -> new InterfaceInfo(" ", mac, 2));
        assertThrows(IllegalArgumentException.class, () -> new InterfaceInfo("eth0", MacAddress.BROADCAST, 2));
        assertThrows(IllegalArgumentException.class, () -> new InterfaceInfo("eth0", mac, 0));
    }
}
