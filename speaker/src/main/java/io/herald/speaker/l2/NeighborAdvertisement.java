package io.herald.speaker.l2;

import io.herald.common.ip.IpAddress;

/** Builds ICMPv6 Neighbor Advertisements (RFC 4861 4.4) that announce a VIP at our MAC. */
final class NeighborAdvertisement {
    static final int SOLICITED = 0x40;
    /** Replace a cached link-layer address: without it a neighbour that cached the previous owner's MAC keeps it (RFC 4861 7.2.5). */
    static final int OVERRIDE = 0x20;

    private static final int TYPE = 136;
    private static final int OPTION_TARGET_LINK_LAYER = 2;
    private static final int LENGTH = 32; // 24 fixed bytes and one 8-byte option

    private NeighborAdvertisement() {
    }

    /**
     * An advertisement that {@code vip} is at {@code mac}, sent from the VIP itself as Linux
     * sends advertisements for its own addresses, with hop limit 255 and the Target
     * Link-Layer Address option. The Router flag stays clear: a VIP is not a router.
     */
    static byte[] frame(MacAddress ethernetDestination, MacAddress mac, IpAddress vip, IpAddress destination, int flags) {
        byte[] frame = new EthernetHeader(ethernetDestination, mac, EthernetHeader.IPV6).newFrame(Icmpv6.IPV6_HEADER + LENGTH);
        int ip = Icmpv6.IP;
        frame[ip] = 0x60; // version 6, traffic class and flow label 0
        NetworkOrder.putU16(frame, ip + 4, LENGTH);
        frame[ip + 6] = Icmpv6.NEXT_HEADER;
        frame[ip + 7] = (byte) Icmpv6.HOP_LIMIT;
        NetworkOrder.putIp(frame, ip + 8, vip);
        NetworkOrder.putIp(frame, ip + 24, destination);

        int icmp = Icmpv6.MESSAGE;
        frame[icmp] = (byte) TYPE;
        frame[icmp + 4] = (byte) flags;
        NetworkOrder.putIp(frame, icmp + 8, vip);
        frame[icmp + 24] = OPTION_TARGET_LINK_LAYER;
        frame[icmp + 25] = 1;
        mac.write(frame, icmp + 26);
        NetworkOrder.putU16(frame, icmp + 2, Icmpv6.checksum(frame, LENGTH));
        return frame;
    }
}
