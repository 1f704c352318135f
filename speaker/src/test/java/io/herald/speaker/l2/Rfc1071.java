package io.herald.speaker.l2;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The ICMPv6 checksum written the plain way, from RFC 1071 and RFC 8200 8.1, so tests check
 * the codec's checksum against code that shares nothing with it.
 */
final class Rfc1071 {
    private Rfc1071() {
    }

    /** The checksum of {@code message} (its checksum field zeroed first) under the pseudo-header of source and destination. */
    static int icmpv6(byte[] source, byte[] destination, byte[] message) {
        byte[] zeroed = message.clone();
        zeroed[2] = 0;
        zeroed[3] = 0;
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(source);
        data.writeBytes(destination);
        data.writeBytes(new byte[] {
            (byte) (message.length >>> 24), (byte) (message.length >>> 16), (byte) (message.length >>> 8), (byte) message.length,
            0, 0, 0, 58});
        data.writeBytes(zeroed);
        byte[] all = data.toByteArray();
        if (all.length % 2 == 1) {
            all = Arrays.copyOf(all, all.length + 1);
        }
        int sum = 0;
        for (int i = 0; i < all.length; i += 2) {
            sum += ((all[i] & 0xff) << 8) | (all[i + 1] & 0xff);
            sum = (sum & 0xffff) + (sum >>> 16); // end-around carry at every step
        }
        return ~sum & 0xffff;
    }

    /** The checksum an IPv6-in-Ethernet frame's ICMPv6 message should carry, read from the frame's own header. */
    static int icmpv6OfFrame(byte[] frame) {
        int payloadLength = ((frame[18] & 0xff) << 8) | (frame[19] & 0xff);
        return icmpv6(Arrays.copyOfRange(frame, 22, 38), Arrays.copyOfRange(frame, 38, 54), Arrays.copyOfRange(frame, 54, 54 + payloadLength));
    }

    /** The checksum the frame carries. */
    static int carried(byte[] frame) {
        return ((frame[56] & 0xff) << 8) | (frame[57] & 0xff);
    }

    /** Writes the right checksum into a test frame after a field was changed. */
    static byte[] seal(byte[] frame) {
        frame[56] = 0;
        frame[57] = 0;
        int checksum = icmpv6OfFrame(frame);
        frame[56] = (byte) (checksum >>> 8);
        frame[57] = (byte) checksum;
        return frame;
    }
}
