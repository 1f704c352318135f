package io.herald.speaker.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.ip.IpAddress;
import java.net.Inet6Address;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV6CommonPacket;
import org.pcap4j.packet.IcmpV6NeighborAdvertisementPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV6NeighborDiscoveryTargetLinkLayerAddressOption;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.namednumber.ArpOperation;

/** A second opinion: pcap4j's parsers, which share no code with ours, read our frames as meant. */
class Pcap4jReadsOurFramesTest {
    static final InterfaceInfo ETH0 = new InterfaceInfo("eth0", MacAddress.parse("02:00:00:00:00:01"), 2);

    @Test
    void arpReply() throws IllegalRawDataException {
        Decision.Reply reply = assertInstanceOf(Decision.Reply.class,
                new ArpResponder().handle(ArpResponderTest.whoHasVip(), ETH0, ArpResponderTest.OWNS_VIP));
        byte[] frame = reply.frame();
        EthernetPacket ethernet = EthernetPacket.newPacket(frame, 0, frame.length);
        org.pcap4j.packet.ArpPacket.ArpHeader arp = ethernet.get(org.pcap4j.packet.ArpPacket.class).getHeader();
        assertEquals(ArpOperation.REPLY, arp.getOperation());
        assertEquals("02:00:00:00:00:01", arp.getSrcHardwareAddr().toString());
        assertEquals("198.18.0.100", arp.getSrcProtocolAddr().getHostAddress());
        assertEquals("02:00:00:00:00:02", arp.getDstHardwareAddr().toString());
        assertEquals("198.18.0.1", arp.getDstProtocolAddr().getHostAddress());
        assertEquals(18, ethernet.getPad().length);
    }

    @Test
    void gratuitousArp() throws IllegalRawDataException {
        byte[] frame = GratuitousArp.frame(IpAddress.parse("198.18.0.100"), ETH0.mac());
        EthernetPacket ethernet = EthernetPacket.newPacket(frame, 0, frame.length);
        assertEquals("ff:ff:ff:ff:ff:ff", ethernet.getHeader().getDstAddr().toString());
        org.pcap4j.packet.ArpPacket.ArpHeader arp = ethernet.get(org.pcap4j.packet.ArpPacket.class).getHeader();
        assertEquals(ArpOperation.REQUEST, arp.getOperation());
        assertEquals(arp.getSrcProtocolAddr(), arp.getDstProtocolAddr());
    }

    @Test
    void solicitedNeighborAdvertisement() throws IllegalRawDataException {
        Decision.Reply reply = assertInstanceOf(Decision.Reply.class,
                new NdpResponder().handle(NdpResponderTest.whoHasVip(), ETH0, NdpResponderTest.OWNS_VIP));
        IcmpV6NeighborAdvertisementPacket.IcmpV6NeighborAdvertisementHeader na = readAdvertisement(reply.frame(), "2001:db8:0:0:0:0:0:1");
        assertTrue(na.getSolicitedFlag());
        assertTrue(na.getOverrideFlag());
        assertFalse(na.getRouterFlag());
    }

    @Test
    void unsolicitedNeighborAdvertisement() throws IllegalRawDataException {
        byte[] frame = UnsolicitedNeighborAdvertisement.frame(IpAddress.parse("2001:db8::100"), ETH0.mac());
        IcmpV6NeighborAdvertisementPacket.IcmpV6NeighborAdvertisementHeader na = readAdvertisement(frame, "ff02:0:0:0:0:0:0:1");
        assertFalse(na.getSolicitedFlag());
        assertTrue(na.getOverrideFlag());
        assertFalse(na.getRouterFlag());
    }

    private static IcmpV6NeighborAdvertisementPacket.IcmpV6NeighborAdvertisementHeader readAdvertisement(byte[] frame, String destination)
            throws IllegalRawDataException {
        EthernetPacket ethernet = EthernetPacket.newPacket(frame, 0, frame.length);
        IpV6Packet.IpV6Header ip = ethernet.get(IpV6Packet.class).getHeader();
        assertEquals(255, ip.getHopLimitAsInt());
        assertEquals("2001:db8:0:0:0:0:0:100", ip.getSrcAddr().getHostAddress());
        assertEquals(destination, ip.getDstAddr().getHostAddress());
        IcmpV6CommonPacket icmp = ethernet.get(IcmpV6CommonPacket.class);
        assertTrue(icmp.hasValidChecksum((Inet6Address) ip.getSrcAddr(), (Inet6Address) ip.getDstAddr(), false), "pcap4j agrees with the checksum");
        IcmpV6NeighborAdvertisementPacket.IcmpV6NeighborAdvertisementHeader na =
                ethernet.get(IcmpV6NeighborAdvertisementPacket.class).getHeader();
        assertEquals("2001:db8:0:0:0:0:0:100", na.getTargetAddress().getHostAddress());
        assertEquals(1, na.getOptions().size());
        IpV6NeighborDiscoveryTargetLinkLayerAddressOption option =
                assertInstanceOf(IpV6NeighborDiscoveryTargetLinkLayerAddressOption.class, na.getOptions().get(0));
        assertNotNull(option.getLinkLayerAddressAsMacAddress());
        assertEquals("02:00:00:00:00:01", option.getLinkLayerAddressAsMacAddress().toString());
        return na;
    }
}
