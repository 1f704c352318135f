package io.herald.speaker.l2;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;

/** An ARP packet that resolves IPv4 over Ethernet (RFC 826): 28 bytes after the Ethernet header. */
record ArpPacket(int operation, MacAddress senderMac, IpAddress senderIp, MacAddress targetMac, IpAddress targetIp) {
    static final int REQUEST = 1;
    static final int REPLY = 2;

    private static final int LENGTH = 28;
    private static final int FIXED = 8;
    private static final int HARDWARE_ETHERNET = 1;
    // Linux accepts ARP from Ethernet-like links with either hardware type (net/ipv4/arp.c).
    private static final int HARDWARE_IEEE802 = 6;
    private static final int PROTOCOL_IPV4 = 0x0800;

    /** Reads the ARP packet that starts at {@code offset}; rejects it with a reason if it is not one we can answer. */
    static ArpPacket decode(byte[] frame, int offset) {
        if (frame.length < offset + FIXED) {
            throw new FrameRejected(DropReason.TRUNCATED);
        }
        int hardware = NetworkOrder.u16(frame, offset);
        if ((hardware != HARDWARE_ETHERNET && hardware != HARDWARE_IEEE802)
                || NetworkOrder.u16(frame, offset + 2) != PROTOCOL_IPV4) {
            throw new FrameRejected(DropReason.NOT_ARP);
        }
        if (NetworkOrder.u8(frame, offset + 4) != MacAddress.LENGTH || NetworkOrder.u8(frame, offset + 5) != 4) {
            throw new FrameRejected(DropReason.MALFORMED);
        }
        if (frame.length < offset + LENGTH) {
            throw new FrameRejected(DropReason.TRUNCATED);
        }
        return new ArpPacket(
                NetworkOrder.u16(frame, offset + 6),
                MacAddress.read(frame, offset + 8),
                NetworkOrder.ip(Family.IPV4, frame, offset + 14),
                MacAddress.read(frame, offset + 18),
                NetworkOrder.ip(Family.IPV4, frame, offset + 24));
    }

    /** This packet in a padded Ethernet frame. The hardware type is always Ethernet's, as Linux sends it. */
    byte[] frame(MacAddress ethernetDestination, MacAddress ethernetSource) {
        byte[] frame = new EthernetHeader(ethernetDestination, ethernetSource, EthernetHeader.ARP).newFrame(LENGTH);
        int at = EthernetHeader.LENGTH;
        NetworkOrder.putU16(frame, at, HARDWARE_ETHERNET);
        NetworkOrder.putU16(frame, at + 2, PROTOCOL_IPV4);
        frame[at + 4] = MacAddress.LENGTH;
        frame[at + 5] = 4;
        NetworkOrder.putU16(frame, at + 6, operation);
        senderMac.write(frame, at + 8);
        NetworkOrder.putIp(frame, at + 14, senderIp);
        targetMac.write(frame, at + 18);
        NetworkOrder.putIp(frame, at + 24, targetIp);
        return frame;
    }
}
