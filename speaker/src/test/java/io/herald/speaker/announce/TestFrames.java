package io.herald.speaker.announce;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.l2.MacAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Frames a host on the LAN sends, written out field by field (RFC 826, RFC 4861) so the
 * tests do not build them with the code under test.
 */
final class TestFrames {
    static final MacAddress BROADCAST = MacAddress.BROADCAST;

    private TestFrames() {
    }

    /** "Who has {@code target}? Tell {@code senderIp}": a broadcast ARP request. */
    static byte[] arpRequest(MacAddress senderMac, IpAddress senderIp, IpAddress target) {
        return arpRequest(BROADCAST, senderMac, senderIp, target);
    }

    /** An ARP request to {@code ethernetDestination}, which Linux sends unicast to refresh a cached entry. */
    static byte[] arpRequest(MacAddress ethernetDestination, MacAddress senderMac, IpAddress senderIp, IpAddress target) {
        ByteBuffer frame = ByteBuffer.allocate(60); // padded to the Ethernet minimum, as a NIC sends it
        frame.put(ethernetDestination.bytes()).put(senderMac.bytes()).putShort((short) 0x0806);
        frame.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        frame.put(senderMac.bytes()).put(senderIp.bytes()).put(new byte[6]).put(target.bytes());
        return frame.array();
    }

    /** A Neighbor Solicitation for {@code target} from {@code source}, to the target's solicited-node group, with the Source Link-Layer Address option. */
    static byte[] neighborSolicitation(MacAddress senderMac, IpAddress source, IpAddress target, int hopLimit) {
        IpAddress group = SolicitedNodeGroups.groupOf(target);
        byte[] groupBytes = group.bytes();
        byte[] ethernetGroup = {0x33, 0x33, groupBytes[12], groupBytes[13], groupBytes[14], groupBytes[15]};
        int icmpLength = 32;
        ByteBuffer frame = ByteBuffer.allocate(14 + 40 + icmpLength);
        frame.put(ethernetGroup).put(senderMac.bytes()).putShort((short) 0x86dd);
        frame.putInt(0x6000_0000).putShort((short) icmpLength).put((byte) 58).put((byte) hopLimit);
        frame.put(source.bytes()).put(groupBytes);
        int icmp = frame.position();
        frame.put((byte) 135).put((byte) 0).putShort((short) 0).putInt(0).put(target.bytes());
        frame.put((byte) 1).put((byte) 1).put(senderMac.bytes());
        byte[] bytes = frame.array();
        int checksum = icmpv6Checksum(bytes, icmp, icmpLength);
        bytes[icmp + 2] = (byte) (checksum >>> 8);
        bytes[icmp + 3] = (byte) checksum;
        return bytes;
    }

    /** The same frame with its ICMPv6 checksum off by one. */
    static byte[] withBadChecksum(byte[] solicitation) {
        byte[] copy = solicitation.clone();
        copy[14 + 40 + 3] ^= 1;
        return copy;
    }

    /** The first {@code length} bytes of {@code frame}. */
    static byte[] truncated(byte[] frame, int length) {
        return Arrays.copyOf(frame, length);
    }

    /** RFC 1071 over the IPv6 pseudo-header (RFC 8200 8.1) and the ICMPv6 message. */
    private static int icmpv6Checksum(byte[] frame, int icmp, int length) {
        long sum = 0;
        for (int i = 14 + 8; i < 14 + 40; i += 2) {
            sum += ((frame[i] & 0xff) << 8) | (frame[i + 1] & 0xff);
        }
        sum += length + 58;
        for (int i = icmp; i < icmp + length; i += 2) {
            sum += ((frame[i] & 0xff) << 8) | (i + 1 < icmp + length ? frame[i + 1] & 0xff : 0);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) ~sum & 0xffff;
    }

    /** An address from the test ranges only: 198.18.0.0/15, 2001:db8::/32, or link-local multicast ff02::/16. */
    static IpAddress ip(String text) {
        IpAddress ip = IpAddress.parse(text);
        byte[] b = ip.bytes();
        boolean inRange = ip.family() == Family.IPV4
                ? (b[0] & 0xff) == 198 && (b[1] == 18 || b[1] == 19)
                : (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && (b[3] & 0xff) == 0xb8) || ((b[0] & 0xff) == 0xff && b[1] == 0x02);
        if (!inRange) {
            throw new IllegalArgumentException(text + " is outside the test ranges 198.18.0.0/15 and 2001:db8::/32 (and link-local multicast)");
        }
        return ip;
    }
}
