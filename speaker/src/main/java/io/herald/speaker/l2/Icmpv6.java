package io.herald.speaker.l2;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import java.math.BigInteger;

/** ICMPv6 directly inside IPv6 inside Ethernet: the layout Neighbor Discovery uses, and its checksum. */
final class Icmpv6 {
    static final int IP = EthernetHeader.LENGTH;
    static final int IPV6_HEADER = 40;
    static final int MESSAGE = IP + IPV6_HEADER;
    static final int NEXT_HEADER = 58;
    /** Neighbor Discovery is sent with hop limit 255 and accepted only so, which proves it never crossed a router (RFC 4861 3.1). */
    static final int HOP_LIMIT = 255;

    static final IpAddress UNSPECIFIED = IpAddress.of(Family.IPV6, BigInteger.ZERO);
    static final IpAddress ALL_NODES = IpAddress.parse("ff02::1");

    private Icmpv6() {
    }

    /**
     * The Internet checksum (RFC 1071) of the ICMPv6 message of {@code length} bytes at
     * {@link #MESSAGE}, with the IPv6 pseudo-header of the header at {@link #IP} (RFC 8200
     * 8.1). Over a message whose checksum field is zero, this is the value to write there;
     * over a received message, zero means it adds up.
     */
    static int checksum(byte[] frame, int length) {
        long sum = sum(frame, IP + 8, 32); // source and destination address
        sum += (length >>> 16) + (length & 0xffff);
        sum += NEXT_HEADER;
        sum += sum(frame, MESSAGE, length);
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) ~sum & 0xffff;
    }

    private static long sum(byte[] frame, int offset, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += NetworkOrder.u16(frame, offset + i);
        }
        if ((length & 1) != 0) {
            sum += NetworkOrder.u8(frame, offset + length - 1) << 8;
        }
        return sum;
    }

    static boolean isMulticast(IpAddress address) {
        return address.family() == Family.IPV6 && address.value().shiftRight(120).intValue() == 0xff;
    }
}
