package io.herald.speaker.l2;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.l2.Decision.Drop;
import io.herald.speaker.l2.Decision.Reply;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ArpResponderTest {
    // Ours, the asker's, and the Ethernet broadcast address.
    static final String OURS = "02 00 00 00 00 01";
    static final String ASKER = "02 00 00 00 00 02";
    static final String BROADCAST = "ff ff ff ff ff ff";
    // 198.18.0.100 (announced here), 198.18.0.1 (the asker), 198.18.0.101 (announced elsewhere).
    static final String VIP = "c6 12 00 64";
    static final String ASKER_IP = "c6 12 00 01";
    static final String OTHER_VIP = "c6 12 00 65";
    static final String REQUEST = "0001";
    static final String REPLY = "0002";

    static final InterfaceInfo ETH0 = new InterfaceInfo("eth0", MacAddress.parse("02:00:00:00:00:01"), 2);
    static final Predicate<IpAddress> OWNS_VIP = ip -> ip.equals(IpAddress.parse("198.18.0.100"));

    private final ArpResponder responder = new ArpResponder();

    /** An ARP frame for IPv4 over Ethernet, padded to 60 bytes as it arrives from the wire. */
    static byte[] arp(String ethDst, String ethSrc, String op, String sha, String spa, String tha, String tpa) {
        return Hex.bytes(ethDst, ethSrc, "0806", "0001 0800 06 04", op, sha, spa, tha, tpa, Hex.zeros(18));
    }

    static byte[] whoHasVip() {
        return arp(BROADCAST, ASKER, REQUEST, ASKER, ASKER_IP, "00 00 00 00 00 00", VIP);
    }

    private Decision handle(byte[] frame) {
        return responder.handle(frame, ETH0, OWNS_VIP);
    }

    @Test
    void answersARequestForAnOwnedVipWithAUnicastReply() {
        Reply reply = assertInstanceOf(Reply.class, handle(whoHasVip()));
        assertEquals(IpAddress.parse("198.18.0.100"), reply.vip());
        assertEquals(MacAddress.parse("02:00:00:00:00:02"), reply.asker());

        byte[] f = reply.frame();
        assertEquals(60, f.length, "padded to the Ethernet minimum");
        assertEquals("020000000002", Hex.field(f, 0, 6), "Ethernet destination: the asker, not broadcast");
        assertEquals("020000000001", Hex.field(f, 6, 12), "Ethernet source: our interface");
        assertEquals("0806", Hex.field(f, 12, 14), "EtherType ARP");
        assertEquals("0001", Hex.field(f, 14, 16), "hardware type Ethernet");
        assertEquals("0800", Hex.field(f, 16, 18), "protocol type IPv4");
        assertEquals("0604", Hex.field(f, 18, 20), "address lengths");
        assertEquals("0002", Hex.field(f, 20, 22), "opcode reply");
        assertEquals("020000000001", Hex.field(f, 22, 28), "sender MAC: ours");
        assertEquals("c6120064", Hex.field(f, 28, 32), "sender IP: the VIP");
        assertEquals("020000000002", Hex.field(f, 32, 38), "target MAC: the asker's");
        assertEquals("c6120001", Hex.field(f, 38, 42), "target IP: the asker's");
        assertEquals(Hex.zeros(18), Hex.field(f, 42, 60), "zero padding");

        assertEquals(
                "020000000002 020000000001 0806 0001 0800 06 04 0002 020000000001 c6120064 020000000002 c6120001"
                        .replace(" ", "") + Hex.zeros(18),
                Hex.of(f));
    }

    @Test
    void answersAnUnpaddedRequestAndOneUnicastToOurMac() {
        byte[] unpadded = Arrays.copyOf(whoHasVip(), 42);
        assertInstanceOf(Reply.class, handle(unpadded));

        // Linux re-checks a cached entry with a unicast request to the MAC it has.
        byte[] unicast = arp(OURS, ASKER, REQUEST, ASKER, ASKER_IP, "00 00 00 00 00 00", VIP);
        assertInstanceOf(Reply.class, handle(unicast));
    }

    @Test
    void repliesToTheSenderHardwareAddressAsLinuxDoes() {
        // A bridge or proxy may forward a request with another Ethernet source; the ARP sender is who asked.
        byte[] viaProxy = arp(BROADCAST, "02 00 00 00 00 09", REQUEST, ASKER, ASKER_IP, "00 00 00 00 00 00", VIP);
        Reply reply = assertInstanceOf(Reply.class, handle(viaProxy));
        assertEquals("020000000002", Hex.field(reply.frame(), 0, 6));
        assertEquals("020000000002", Hex.field(reply.frame(), 32, 38));
        assertEquals(MacAddress.parse("02:00:00:00:00:02"), reply.asker());
    }

    @Test
    void answersIeee802HardwareTypeWithEthernetsAsLinuxDoes() {
        byte[] frame = whoHasVip();
        frame[15] = 6; // ARPHRD_IEEE802
        Reply reply = assertInstanceOf(Reply.class, handle(frame));
        assertEquals("0001", Hex.field(reply.frame(), 14, 16));
    }

    @Test
    void answersAnAddressProbeSoTheProberBacksOff() {
        // RFC 5227 probe: sender IP 0.0.0.0. Linux replies unicast to the prober, target IP 0.0.0.0.
        byte[] probe = arp(BROADCAST, ASKER, REQUEST, ASKER, "00 00 00 00", "00 00 00 00 00 00", VIP);
        Reply reply = assertInstanceOf(Reply.class, handle(probe));
        byte[] f = reply.frame();
        assertEquals("020000000002", Hex.field(f, 0, 6));
        assertEquals("0002", Hex.field(f, 20, 22));
        assertEquals("020000000001" + "c6120064", Hex.field(f, 22, 32));
        assertEquals("020000000002" + "00000000", Hex.field(f, 32, 42));
    }

    @Test
    void doesNotAnswerForAddressesItDoesNotOwn() {
        byte[] frame = arp(BROADCAST, ASKER, REQUEST, ASKER, ASKER_IP, "00 00 00 00 00 00", OTHER_VIP);
        assertEquals(new Drop(DropReason.NOT_OWNED), handle(frame));
        assertEquals(new Drop(DropReason.NOT_OWNED), responder.handle(whoHasVip(), ETH0, ip -> false));
    }

    @Test
    void ignoresItsOwnFramesSeenAgain() {
        byte[] ownAnnouncement = GratuitousArp.frame(IpAddress.parse("198.18.0.100"), ETH0.mac());
        assertEquals(new Drop(DropReason.OWN_FRAME), handle(ownAnnouncement));
        byte[] ownRequest = arp(BROADCAST, OURS, REQUEST, OURS, VIP, "00 00 00 00 00 00", ASKER_IP);
        assertEquals(new Drop(DropReason.OWN_FRAME), handle(ownRequest));
        byte[] reflected = arp(BROADCAST, "02 00 00 00 00 09", REQUEST, OURS, VIP, "00 00 00 00 00 00", ASKER_IP);
        assertEquals(new Drop(DropReason.OWN_FRAME), handle(reflected), "not an address conflict with ourselves");
    }

    @Test
    void doesNotAnswerRepliesOrOtherHostsAnnouncements() {
        byte[] reply = arp(OURS, ASKER, REPLY, ASKER, ASKER_IP, OURS, "c6 12 00 02");
        assertEquals(new Drop(DropReason.NOT_A_REQUEST), handle(reply));

        byte[] rarp = arp(BROADCAST, ASKER, "0003", ASKER, ASKER_IP, ASKER, VIP);
        assertEquals(new Drop(DropReason.NOT_A_REQUEST), handle(rarp));

        byte[] gratuitousRequest = arp(BROADCAST, ASKER, REQUEST, ASKER, ASKER_IP, "00 00 00 00 00 00", ASKER_IP);
        assertEquals(new Drop(DropReason.GRATUITOUS), handle(gratuitousRequest));

        byte[] gratuitousReply = arp(BROADCAST, ASKER, REPLY, ASKER, ASKER_IP, ASKER, ASKER_IP);
        assertEquals(new Drop(DropReason.NOT_A_REQUEST), handle(gratuitousReply));
    }

    @Test
    void flagsAnotherHostClaimingAnOwnedVip() {
        byte[] previousOwnersAnnouncement = GratuitousArp.frame(IpAddress.parse("198.18.0.100"), MacAddress.parse("02:00:00:00:00:03"));
        assertEquals(new Drop(DropReason.ADDRESS_CONFLICT), handle(previousOwnersAnnouncement));

        byte[] replyFromVip = arp(OURS, ASKER, REPLY, ASKER, VIP, OURS, ASKER_IP);
        assertEquals(new Drop(DropReason.ADDRESS_CONFLICT), handle(replyFromVip));

        byte[] requestFromVip = arp(BROADCAST, ASKER, REQUEST, ASKER, VIP, "00 00 00 00 00 00", "c6 12 00 02");
        assertEquals(new Drop(DropReason.ADDRESS_CONFLICT), handle(requestFromVip));
    }

    @Test
    void ignoresUnicastForOtherHostsSeenInPromiscuousMode() {
        byte[] frame = arp("02 00 00 00 00 03", ASKER, REQUEST, ASKER, ASKER_IP, "00 00 00 00 00 00", VIP);
        assertEquals(new Drop(DropReason.NOT_ADDRESSED_TO_US), handle(frame));
    }

    static Stream<Arguments> unanswerableSenders() {
        return Stream.of(
                Arguments.of("multicast MAC", "01 00 5e 00 00 01", ASKER_IP),
                Arguments.of("broadcast MAC", BROADCAST, ASKER_IP),
                Arguments.of("zero MAC", "00 00 00 00 00 00", ASKER_IP),
                Arguments.of("loopback IP", ASKER, "7f 00 00 01"),
                Arguments.of("multicast IP", ASKER, "e0 00 00 01"),
                Arguments.of("broadcast IP", ASKER, "ff ff ff ff"),
                Arguments.of("this-network IP", ASKER, "00 01 02 03"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unanswerableSenders")
    void doesNotAnswerSendersNoHostCanBe(String what, String sha, String spa) {
        byte[] frame = arp(BROADCAST, ASKER, REQUEST, sha, spa, "00 00 00 00 00 00", VIP);
        assertEquals(new Drop(DropReason.BAD_SENDER), handle(frame));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0800", "86dd", "88cc", "0026"})
    void dropsOtherEtherTypes(String etherType) {
        byte[] frame = whoHasVip();
        byte[] type = Hex.bytes(etherType);
        frame[12] = type[0];
        frame[13] = type[1];
        assertEquals(new Drop(DropReason.NOT_ARP), handle(frame));
    }

    @Test
    void dropsArpForOtherProtocolsAndMalformedLengths() {
        byte[] ipv6 = whoHasVip();
        ipv6[16] = (byte) 0x86;
        ipv6[17] = (byte) 0xdd;
        assertEquals(new Drop(DropReason.NOT_ARP), handle(ipv6));

        byte[] tokenRing = whoHasVip();
        tokenRing[15] = 4;
        assertEquals(new Drop(DropReason.NOT_ARP), handle(tokenRing));

        byte[] longHardwareAddress = whoHasVip();
        longHardwareAddress[18] = 8;
        assertEquals(new Drop(DropReason.MALFORMED), handle(longHardwareAddress));

        byte[] longProtocolAddress = whoHasVip();
        longProtocolAddress[19] = 16;
        assertEquals(new Drop(DropReason.MALFORMED), handle(longProtocolAddress));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8100", "88a8", "9100"})
    void dropsVlanTaggedFramesBecauseTheReplyWouldLeaveUntagged(String tpid) {
        // The same request behind a tag for VLAN 100: serve VLANs from their own interface.
        byte[] plain = whoHasVip();
        byte[] tagged = Hex.bytes(Hex.of(Arrays.copyOf(plain, 12)), tpid, "0064", Hex.of(Arrays.copyOfRange(plain, 12, 60)));
        assertEquals(new Drop(DropReason.VLAN_TAGGED), handle(tagged));
    }

    @Test
    void truncatedAtEveryLengthDropsAndNeverThrows() {
        byte[] full = whoHasVip();
        for (int length = 0; length < full.length; length++) {
            byte[] cut = Arrays.copyOf(full, length);
            Decision decision = assertDoesNotThrow(() -> handle(cut), "length " + length);
            if (length < 42) {
                assertEquals(new Drop(DropReason.TRUNCATED), decision, "length " + length);
            } else {
                assertInstanceOf(Reply.class, decision, "length " + length + " holds the whole ARP packet");
            }
        }
    }

    @Test
    void randomBytesNeverThrow() {
        Set<DropReason> seen = HostileFrames.randomFramesNeverThrow(responder::handle, whoHasVip(), 20250101, 80, 22);
        assertTrue(seen.containsAll(List.of(DropReason.TRUNCATED, DropReason.NOT_ARP)), "the fuzzing reached the decoder: " + seen);
    }

    @Test
    void asksOwnershipOnlyAboutIpv4Addresses() {
        List<IpAddress> asked = HostileFrames.addressesAskedAbout(responder::handle, whoHasVip());
        assertTrue(asked.stream().allMatch(ip -> ip.family() == Family.IPV4), asked.toString());
        assertTrue(asked.contains(IpAddress.parse("198.18.0.100")), asked.toString());
    }
}
