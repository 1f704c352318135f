package io.herald.speaker.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.herald.common.ip.IpAddress;
import org.junit.jupiter.api.Test;

class UnsolicitedNeighborAdvertisementTest {
    static final MacAddress OURS = MacAddress.parse("02:00:00:00:00:01");

    @Test
    void isAnOverridingAdvertisementToAllNodes() {
        byte[] frame = UnsolicitedNeighborAdvertisement.frame(IpAddress.parse("2001:db8::100"), OURS);
        assertEquals(Hex.of(Hex.bytes(
                "33 33 00 00 00 01 | 02 00 00 00 00 01 | 86 dd",            // all-nodes multicast, from us, IPv6
                "60 00 00 00 | 00 20 | 3a | ff",                             // payload 32, ICMPv6, hop limit 255
                "2001 0db8 0000 0000 0000 0000 0000 0100",                   // source: the VIP
                "ff02 0000 0000 0000 0000 0000 0000 0001",                   // destination: all nodes
                "88 | 00 | f7 2c | 20 00 00 00",                             // NA, code 0, checksum, Override only
                "2001 0db8 0000 0000 0000 0000 0000 0100",                   // target: the VIP
                "02 01 | 02 00 00 00 00 01")),                                // Target Link-Layer Address: our MAC
                Hex.of(frame));
        assertEquals(Rfc1071.icmpv6OfFrame(frame), Rfc1071.carried(frame));
    }

    @Test
    void checksumFollowsTheAddresses() {
        byte[] frame = UnsolicitedNeighborAdvertisement.frame(IpAddress.parse("2001:db8:ffff::fffe"), MacAddress.parse("02:ff:ff:ff:ff:fe"));
        assertEquals(Rfc1071.icmpv6OfFrame(frame), Rfc1071.carried(frame));
    }

    @Test
    void refusesIpv4MulticastAndNonUnicastMacs() {
        assertThrows(IllegalArgumentException.class, () -> UnsolicitedNeighborAdvertisement.frame(IpAddress.parse("198.18.0.100"), OURS));
        assertThrows(IllegalArgumentException.class, () -> UnsolicitedNeighborAdvertisement.frame(IpAddress.parse("ff02::1"), OURS));
        assertThrows(IllegalArgumentException.class, () -> UnsolicitedNeighborAdvertisement.frame(IpAddress.parse("::"), OURS));
        assertThrows(IllegalArgumentException.class,
                () -> UnsolicitedNeighborAdvertisement.frame(IpAddress.parse("2001:db8::100"), MacAddress.IPV6_ALL_NODES));
    }
}
