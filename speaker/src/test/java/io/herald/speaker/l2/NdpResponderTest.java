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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NdpResponderTest {
    static final String OURS = "02 00 00 00 00 01";
    static final String ASKER = "02 00 00 00 00 02";
    static final String VIP = "2001 0db8 0000 0000 0000 0000 0000 0100";        // 2001:db8::100, announced here
    static final String ASKER_IP = "2001 0db8 0000 0000 0000 0000 0000 0001";   // 2001:db8::1
    static final String OTHER_VIP = "2001 0db8 0000 0000 0000 0000 0000 0101";  // announced elsewhere
    static final String VIP_SOLICITED_NODE = "ff02 0000 0000 0000 0000 0001 ff00 0100";
    static final String VIP_SOLICITED_NODE_MAC = "33 33 ff 00 01 00";
    static final String UNSPECIFIED = "0000".repeat(8);
    static final String ASKER_LINK_LAYER = "01 01 " + ASKER; // Source Link-Layer Address option
    static final int HOP_LIMIT_AT = 21;
    static final int ICMP_AT = 54;

    static final InterfaceInfo ETH0 = new InterfaceInfo("eth0", MacAddress.parse("02:00:00:00:00:01"), 2);
    static final Predicate<IpAddress> OWNS_VIP = ip -> ip.equals(IpAddress.parse("2001:db8::100"));

    private final NdpResponder responder = new NdpResponder();

    /** A Neighbor Solicitation with hop limit 255, code 0 and a correct checksum. */
    static byte[] solicitation(String ethDst, String ethSrc, String src, String dst, String target, String options) {
        byte[] message = Hex.bytes("87 00 0000 00000000", target, options);
        return Rfc1071.seal(Hex.bytes(ethDst, ethSrc, "86dd",
                "6000 0000", String.format("%04x", message.length), "3a ff", src, dst, Hex.of(message)));
    }

    static byte[] whoHasVip() {
        return solicitation(VIP_SOLICITED_NODE_MAC, ASKER, ASKER_IP, VIP_SOLICITED_NODE, VIP, ASKER_LINK_LAYER);
    }

    private Decision handle(byte[] frame) {
        return responder.handle(frame, ETH0, OWNS_VIP);
    }

    @Test
    void answersASolicitationForAnOwnedVipWithASolicitedAdvertisement() {
        Reply reply = assertInstanceOf(Reply.class, handle(whoHasVip()));
        assertEquals(IpAddress.parse("2001:db8::100"), reply.vip());
        assertEquals(MacAddress.parse("02:00:00:00:00:02"), reply.asker());

        byte[] f = reply.frame();
        assertEquals(86, f.length);
        assertEquals("020000000002", Hex.field(f, 0, 6), "Ethernet destination: the source link-layer option");
        assertEquals("020000000001", Hex.field(f, 6, 12), "Ethernet source: our interface");
        assertEquals("86dd", Hex.field(f, 12, 14));
        assertEquals("60000000", Hex.field(f, 14, 18), "IPv6, traffic class and flow label 0");
        assertEquals("0020", Hex.field(f, 18, 20), "payload: 24 bytes and one 8-byte option");
        assertEquals("3a", Hex.field(f, 20, 21), "next header ICMPv6");
        assertEquals("ff", Hex.field(f, 21, 22), "hop limit 255");
        assertEquals(Hex.of(Hex.bytes(VIP)), Hex.field(f, 22, 38), "IPv6 source: the VIP");
        assertEquals(Hex.of(Hex.bytes(ASKER_IP)), Hex.field(f, 38, 54), "IPv6 destination: the solicitation's source");
        assertEquals("88", Hex.field(f, 54, 55), "type 136");
        assertEquals("00", Hex.field(f, 55, 56), "code 0");
        assertEquals(Rfc1071.icmpv6OfFrame(f), Rfc1071.carried(f), "checksum over the pseudo-header");
        assertEquals("60", Hex.field(f, 58, 59), "Solicited and Override set, Router clear");
        assertEquals("000000", Hex.field(f, 59, 62), "reserved");
        assertEquals(Hex.of(Hex.bytes(VIP)), Hex.field(f, 62, 78), "target: the VIP");
        assertEquals("0201" + "020000000001", Hex.field(f, 78, 86), "Target Link-Layer Address option: our MAC");

        assertEquals(Hex.of(Hex.bytes(
                "020000000002 020000000001 86dd",
                "60000000 0020 3a ff", VIP, ASKER_IP,
                "88 00 8876 60000000", VIP, "0201 020000000001")), Hex.of(f));
    }

    @Test
    void answersTheEthernetSourceWhenTheSolicitationHasNoLinkLayerOption() {
        // Neighbour unreachability detection: unicast to our MAC and the VIP, option omitted (RFC 4861 7.2.4).
        byte[] frame = solicitation(OURS, ASKER, ASKER_IP, VIP, VIP, "");
        Reply reply = assertInstanceOf(Reply.class, handle(frame));
        assertEquals("020000000002", Hex.field(reply.frame(), 0, 6));
        assertEquals(Hex.of(Hex.bytes(ASKER_IP)), Hex.field(reply.frame(), 38, 54));
    }

    @Test
    void prefersTheLinkLayerOptionToTheEthernetSource() {
        byte[] frame = solicitation(VIP_SOLICITED_NODE_MAC, "02 00 00 00 00 09", ASKER_IP, VIP_SOLICITED_NODE, VIP, ASKER_LINK_LAYER);
        Reply reply = assertInstanceOf(Reply.class, handle(frame));
        assertEquals("020000000002", Hex.field(reply.frame(), 0, 6));
        assertEquals(MacAddress.parse("02:00:00:00:00:02"), reply.asker());
    }

    @Test
    void skipsUnknownOptionsAndKeepsTheFirstRepeatedLinkLayerOption() {
        String nonce = "0e 01 01 02 03 04 05 06"; // RFC 3971 nonce, which Herald does not use
        byte[] frame = solicitation(VIP_SOLICITED_NODE_MAC, ASKER, ASKER_IP, VIP_SOLICITED_NODE, VIP,
                nonce + ASKER_LINK_LAYER + "01 01 02 00 00 00 00 09");
        Reply reply = assertInstanceOf(Reply.class, handle(frame));
        assertEquals("020000000002", Hex.field(reply.frame(), 0, 6));
    }

    @Test
    void defendsTheVipAgainstDuplicateAddressDetection() {
        byte[] dad = solicitation(VIP_SOLICITED_NODE_MAC, ASKER, UNSPECIFIED, VIP_SOLICITED_NODE, VIP, "");
        Reply reply = assertInstanceOf(Reply.class, handle(dad));
        assertEquals(MacAddress.parse("02:00:00:00:00:02"), reply.asker());
        byte[] f = reply.frame();
        assertEquals("333300000001", Hex.field(f, 0, 6), "Ethernet all-nodes multicast");
        assertEquals(Hex.of(Hex.bytes(VIP)), Hex.field(f, 22, 38));
        assertEquals("ff020000000000000000000000000001", Hex.field(f, 38, 54), "to all nodes: the prober has no address yet");
        assertEquals("20", Hex.field(f, 58, 59), "Override only: Solicited must be clear when sent to all nodes");
        assertEquals(Rfc1071.icmpv6OfFrame(f), Rfc1071.carried(f));
        assertEquals("f72c", Hex.field(f, 56, 58));
    }

    @Test
    void dropsDuplicateAddressDetectionThatBreaksItsRules() {
        byte[] withLinkLayer = solicitation(VIP_SOLICITED_NODE_MAC, ASKER, UNSPECIFIED, VIP_SOLICITED_NODE, VIP, ASKER_LINK_LAYER);
        assertEquals(new Drop(DropReason.MALFORMED), handle(withLinkLayer));
        byte[] toUnicast = solicitation(OURS, ASKER, UNSPECIFIED, VIP, VIP, "");
        assertEquals(new Drop(DropReason.MALFORMED), handle(toUnicast));
    }

    @Test
    void doesNotAnswerForAddressesItDoesNotOwn() {
        byte[] frame = solicitation("33 33 ff 00 01 01", ASKER, ASKER_IP, "ff02 0000 0000 0000 0000 0001 ff00 0101", OTHER_VIP, ASKER_LINK_LAYER);
        assertEquals(new Drop(DropReason.NOT_OWNED), handle(frame));
    }

    @Test
    void ignoresItsOwnFramesAndOtherHostsUnicast() {
        byte[] own = solicitation(VIP_SOLICITED_NODE_MAC, OURS, ASKER_IP, VIP_SOLICITED_NODE, VIP, "01 01 " + OURS);
        assertEquals(new Drop(DropReason.OWN_FRAME), handle(own));
        byte[] reflected = solicitation(VIP_SOLICITED_NODE_MAC, "02 00 00 00 00 09", ASKER_IP, VIP_SOLICITED_NODE, VIP, "01 01 " + OURS);
        assertEquals(new Drop(DropReason.OWN_FRAME), handle(reflected), "never answer ourselves");
        byte[] elsewhere = solicitation("02 00 00 00 00 03", ASKER, ASKER_IP, VIP, VIP, ASKER_LINK_LAYER);
        assertEquals(new Drop(DropReason.NOT_ADDRESSED_TO_US), handle(elsewhere));
    }

    @Test
    void rejectsASolicitationThatMayHaveCrossedARouter() {
        byte[] frame = whoHasVip();
        frame[HOP_LIMIT_AT] = 64;
        assertEquals(new Drop(DropReason.BAD_HOP_LIMIT), handle(Rfc1071.seal(frame)));
    }

    @Test
    void rejectsABadChecksum() {
        byte[] frame = whoHasVip();
        frame[57] ^= 0x01;
        assertEquals(new Drop(DropReason.BAD_CHECKSUM), handle(frame));
        byte[] changedAfterSealing = whoHasVip();
        changedAfterSealing[ICMP_AT + 8 + 15] = 0x01; // the target's last byte
        assertEquals(new Drop(DropReason.BAD_CHECKSUM), handle(changedAfterSealing));
    }

    @Test
    void rejectsANonZeroCodeAndAMulticastTarget() {
        byte[] code = whoHasVip();
        code[ICMP_AT + 1] = 1;
        assertEquals(new Drop(DropReason.BAD_ICMP_CODE), handle(Rfc1071.seal(code)));

        byte[] multicast = solicitation("33 33 00 00 00 01", ASKER, ASKER_IP, "ff02 0000 0000 0000 0000 0000 0000 0001",
                "ff02 0000 0000 0000 0000 0000 0000 0001", ASKER_LINK_LAYER);
        assertEquals(new Drop(DropReason.MULTICAST_TARGET), responder.handle(multicast, ETH0, ip -> true));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "01 00 02 00 00 00 00 02",              // zero-length option, which would loop forever
        "01 02 02 00 00 00 00 02",              // option longer than the message
        "01 02 02 00 00 00 00 02 00 00 00 00 00 00 00 00", // link-layer option of 16 bytes on Ethernet
    })
    void rejectsBadOptions(String options) {
        byte[] frame = solicitation(VIP_SOLICITED_NODE_MAC, ASKER, ASKER_IP, VIP_SOLICITED_NODE, VIP, options);
        assertEquals(new Drop(DropReason.MALFORMED), handle(frame));
    }

    @Test
    void rejectsShortMessagesAndOtherIpVersions() {
        // A solicitation cut to 20 bytes by its own length fields: nothing is missing from the frame.
        byte[] message = Hex.bytes("87 00 0000 00000000 2001 0db8 0000 0000 0000 0000");
        byte[] shortMessage = Rfc1071.seal(Hex.bytes(VIP_SOLICITED_NODE_MAC, ASKER, "86dd 6000 0000 0014 3a ff",
                ASKER_IP, VIP_SOLICITED_NODE, Hex.of(message)));
        assertEquals(new Drop(DropReason.MALFORMED), handle(shortMessage));

        byte[] version4 = whoHasVip();
        version4[14] = 0x40;
        assertEquals(new Drop(DropReason.MALFORMED), handle(version4));
    }

    @Test
    void dropsWhatIsNotANeighborSolicitation() {
        byte[] arp = ArpResponderTest.whoHasVip();
        assertEquals(new Drop(DropReason.NOT_ICMPV6), handle(arp));

        byte[] udp = whoHasVip();
        udp[20] = 17;
        assertEquals(new Drop(DropReason.NOT_ICMPV6), handle(udp));

        byte[] hopByHop = whoHasVip();
        hopByHop[20] = 0;
        assertEquals(new Drop(DropReason.NOT_ICMPV6), handle(hopByHop));

        byte[] advertisement = UnsolicitedNeighborAdvertisement.frame(IpAddress.parse("2001:db8::1"), MacAddress.parse("02:00:00:00:00:02"));
        assertEquals(new Drop(DropReason.NOT_A_REQUEST), handle(advertisement));

        byte[] echo = whoHasVip();
        echo[ICMP_AT] = (byte) 128;
        assertEquals(new Drop(DropReason.NOT_A_REQUEST), handle(Rfc1071.seal(echo)));
    }

    @Test
    void flagsAnotherHostUsingAnOwnedVipAsItsSource() {
        byte[] frame = solicitation("33 33 ff 00 00 01", ASKER, VIP, "ff02 0000 0000 0000 0000 0001 ff00 0001", ASKER_IP, ASKER_LINK_LAYER);
        assertEquals(new Drop(DropReason.ADDRESS_CONFLICT), handle(frame));
    }

    @Test
    void doesNotAnswerSendersNoHostCanBe() {
        byte[] multicastLinkLayer = solicitation(VIP_SOLICITED_NODE_MAC, ASKER, ASKER_IP, VIP_SOLICITED_NODE, VIP, "01 01 33 33 00 00 00 01");
        assertEquals(new Drop(DropReason.BAD_SENDER), handle(multicastLinkLayer));
        byte[] multicastSource = solicitation(VIP_SOLICITED_NODE_MAC, ASKER, "ff02 0000 0000 0000 0000 0000 0000 0001", VIP_SOLICITED_NODE, VIP, ASKER_LINK_LAYER);
        assertEquals(new Drop(DropReason.BAD_SENDER), handle(multicastSource));
        byte[] loopbackSource = solicitation(VIP_SOLICITED_NODE_MAC, ASKER, "0000 0000 0000 0000 0000 0000 0000 0001", VIP_SOLICITED_NODE, VIP, ASKER_LINK_LAYER);
        assertEquals(new Drop(DropReason.BAD_SENDER), handle(loopbackSource));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8100", "88a8"})
    void dropsVlanTaggedFrames(String tpid) {
        byte[] plain = whoHasVip();
        byte[] tagged = Hex.bytes(Hex.of(Arrays.copyOf(plain, 12)), tpid, "0064", Hex.of(Arrays.copyOfRange(plain, 12, plain.length)));
        assertEquals(new Drop(DropReason.VLAN_TAGGED), handle(tagged));
    }

    @Test
    void truncatedAtEveryLengthDropsAndNeverThrows() {
        byte[] full = whoHasVip();
        for (int length = 0; length < full.length; length++) {
            byte[] cut = Arrays.copyOf(full, length);
            Decision decision = assertDoesNotThrow(() -> handle(cut), "length " + length);
            assertEquals(new Drop(DropReason.TRUNCATED), decision, "length " + length);
        }
        byte[] withTrailer = Arrays.copyOf(full, full.length + 4); // an FCS some drivers keep
        assertInstanceOf(Reply.class, handle(withTrailer));
    }

    @Test
    void randomBytesNeverThrow() {
        Set<DropReason> seen = HostileFrames.randomFramesNeverThrow(responder::handle, whoHasVip(), 20250102, 120, 62);
        assertTrue(seen.containsAll(List.of(DropReason.TRUNCATED, DropReason.NOT_ICMPV6, DropReason.BAD_CHECKSUM)),
                "the fuzzing reached the decoder: " + seen);
    }

    @Test
    void asksOwnershipOnlyAboutIpv6Addresses() {
        List<IpAddress> asked = HostileFrames.addressesAskedAbout(responder::handle, whoHasVip());
        assertTrue(asked.stream().allMatch(ip -> ip.family() == Family.IPV6), asked.toString());
        assertTrue(asked.contains(IpAddress.parse("2001:db8::100")), asked.toString());
    }
}
