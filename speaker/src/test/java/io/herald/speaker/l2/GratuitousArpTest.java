package io.herald.speaker.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.herald.common.ip.IpAddress;
import org.junit.jupiter.api.Test;

class GratuitousArpTest {
    static final MacAddress OURS = MacAddress.parse("02:00:00:00:00:01");

    @Test
    void isABroadcastRequestFromTheVipForTheVip() {
        byte[] frame = GratuitousArp.frame(IpAddress.parse("198.18.0.100"), OURS);
        assertEquals(
                Hex.of(Hex.bytes(
                        "ff ff ff ff ff ff | 02 00 00 00 00 01 | 08 06",  // broadcast, from us, ARP
                        "00 01 | 08 00 | 06 | 04 | 00 01",                // Ethernet, IPv4, lengths, request
                        "02 00 00 00 00 01 | c6 12 00 64",                // sender: our MAC, the VIP
                        "00 00 00 00 00 00 | c6 12 00 64",                // target: no MAC, the VIP
                        Hex.zeros(18))),                                   // padding to 60 bytes
                Hex.of(frame));
    }

    @Test
    void otherSpeakersTakeItForAnAnnouncementNotAQuestion() {
        byte[] fromAnotherNode = GratuitousArp.frame(IpAddress.parse("198.18.0.101"), MacAddress.parse("02:00:00:00:00:03"));
        InterfaceInfo eth0 = new InterfaceInfo("eth0", OURS, 2);
        assertEquals(new Decision.Drop(DropReason.GRATUITOUS), new ArpResponder().handle(fromAnotherNode, eth0, ip -> false));
    }

    @Test
    void refusesIpv6AndNonUnicastMacs() {
        assertThrows(IllegalArgumentException.class, () -> GratuitousArp.frame(IpAddress.parse("2001:db8::1"), OURS));
        assertThrows(IllegalArgumentException.class, () -> GratuitousArp.frame(IpAddress.parse("198.18.0.100"), MacAddress.BROADCAST));
    }
}
