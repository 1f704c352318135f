package io.herald.speaker.l2;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import java.math.BigInteger;
import java.util.Arrays;

/** Big-endian fields in a frame. Callers check lengths first; these only read and write. */
final class NetworkOrder {
    private NetworkOrder() {
    }

    static int u8(byte[] frame, int offset) {
        return frame[offset] & 0xff;
    }

    static int u16(byte[] frame, int offset) {
        return (u8(frame, offset) << 8) | u8(frame, offset + 1);
    }

    static void putU16(byte[] frame, int offset, int value) {
        frame[offset] = (byte) (value >>> 8);
        frame[offset + 1] = (byte) value;
    }

    static IpAddress ip(Family family, byte[] frame, int offset) {
        return IpAddress.of(family, new BigInteger(1, Arrays.copyOfRange(frame, offset, offset + family.bits() / 8)));
    }

    static void putIp(byte[] frame, int offset, IpAddress address) {
        byte[] bytes = address.bytes();
        System.arraycopy(bytes, 0, frame, offset, bytes.length);
    }
}
