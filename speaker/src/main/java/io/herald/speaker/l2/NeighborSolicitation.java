package io.herald.speaker.l2;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import java.math.BigInteger;
import java.util.Optional;

/**
 * An ICMPv6 Neighbor Solicitation (RFC 4861 4.3) that passed the receiver's validity
 * checks of RFC 4861 7.1.1.
 *
 * @param sourceLinkLayer the Source Link-Layer Address option, if present
 */
record NeighborSolicitation(EthernetHeader ethernet, IpAddress source, IpAddress target, Optional<MacAddress> sourceLinkLayer) {
    private static final int TYPE = 135;
    private static final int FIXED = 24; // type, code, checksum, reserved, target
    private static final int OPTION_SOURCE_LINK_LAYER = 1;
    private static final BigInteger SOLICITED_NODE_PREFIX = IpAddress.parse("ff02::1:ff00:0").value().shiftRight(24);

    /** Reads the solicitation after {@code ethernet}; rejects it with a reason if it is not one we can answer. */
    static NeighborSolicitation decode(byte[] frame, EthernetHeader ethernet) {
        int ip = Icmpv6.IP;
        int icmp = Icmpv6.MESSAGE;
        if (frame.length < icmp) {
            throw new FrameRejected(DropReason.TRUNCATED);
        }
        if (NetworkOrder.u8(frame, ip) >>> 4 != 6) {
            throw new FrameRejected(DropReason.MALFORMED);
        }
        int length = NetworkOrder.u16(frame, ip + 4);
        if (frame.length < icmp + length) {
            throw new FrameRejected(DropReason.TRUNCATED);
        }
        if (NetworkOrder.u8(frame, ip + 6) != Icmpv6.NEXT_HEADER) {
            throw new FrameRejected(DropReason.NOT_ICMPV6);
        }
        if (length < 4) {
            throw new FrameRejected(DropReason.MALFORMED);
        }
        if (NetworkOrder.u8(frame, icmp) != TYPE) {
            throw new FrameRejected(DropReason.NOT_A_REQUEST);
        }
        if (NetworkOrder.u8(frame, ip + 7) != Icmpv6.HOP_LIMIT) {
            throw new FrameRejected(DropReason.BAD_HOP_LIMIT);
        }
        if (Icmpv6.checksum(frame, length) != 0) {
            throw new FrameRejected(DropReason.BAD_CHECKSUM);
        }
        if (NetworkOrder.u8(frame, icmp + 1) != 0) {
            throw new FrameRejected(DropReason.BAD_ICMP_CODE);
        }
        if (length < FIXED) {
            throw new FrameRejected(DropReason.MALFORMED);
        }
        IpAddress target = NetworkOrder.ip(Family.IPV6, frame, icmp + 8);
        if (Icmpv6.isMulticast(target)) {
            throw new FrameRejected(DropReason.MULTICAST_TARGET);
        }
        MacAddress sourceLinkLayer = sourceLinkLayer(frame, icmp + FIXED, icmp + length);
        IpAddress source = NetworkOrder.ip(Family.IPV6, frame, ip + 8);
        if (source.equals(Icmpv6.UNSPECIFIED)
                && (sourceLinkLayer != null || !isSolicitedNodeMulticast(NetworkOrder.ip(Family.IPV6, frame, ip + 24)))) {
            // RFC 4861 7.1.1: duplicate address detection goes to a solicited-node group and carries no source address option.
            throw new FrameRejected(DropReason.MALFORMED);
        }
        return new NeighborSolicitation(ethernet, source, target, Optional.ofNullable(sourceLinkLayer));
    }

    /** Walks the options; returns the first Source Link-Layer Address, as Linux keeps the first of a repeated option. */
    private static MacAddress sourceLinkLayer(byte[] frame, int from, int end) {
        MacAddress found = null;
        int at = from;
        while (at < end) {
            if (end - at < 2) {
                throw new FrameRejected(DropReason.MALFORMED);
            }
            int type = NetworkOrder.u8(frame, at);
            int length = NetworkOrder.u8(frame, at + 1) * 8;
            if (length == 0 || at + length > end) {
                throw new FrameRejected(DropReason.MALFORMED);
            }
            if (type == OPTION_SOURCE_LINK_LAYER && found == null) {
                if (length != 8) { // one 8-byte unit on Ethernet (RFC 2464 section 8)
                    throw new FrameRejected(DropReason.MALFORMED);
                }
                found = MacAddress.read(frame, at + 2);
            }
            at += length; // options we do not know are skipped, as RFC 4861 4.6 requires
        }
        return found;
    }

    /** ff02::1:ff00:0/104 (RFC 4291 2.7.1). */
    private static boolean isSolicitedNodeMulticast(IpAddress destination) {
        return destination.value().shiftRight(24).equals(SOLICITED_NODE_PREFIX);
    }
}
