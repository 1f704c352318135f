package io.herald.speaker.l2;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An Ethernet (EUI-48) address. Held as a 48-bit number rather than a byte array so the
 * record is immutable and compares by value.
 */
public record MacAddress(long value) {
    public static final MacAddress BROADCAST = new MacAddress(0xffff_ffff_ffffL);
    public static final MacAddress ZERO = new MacAddress(0L);
    /** Where IPv6 all-nodes multicast, ff02::1, goes on Ethernet: 33:33 and the group's last 32 bits (RFC 2464 section 7). */
    public static final MacAddress IPV6_ALL_NODES = new MacAddress(0x3333_0000_0001L);

    static final int LENGTH = 6;

    private static final long MAX = 0xffff_ffff_ffffL;
    private static final Pattern TEXT = Pattern.compile("\\p{XDigit}{2}(:\\p{XDigit}{2}){5}");

    public MacAddress {
        if (value < 0 || value > MAX) {
            throw new IllegalArgumentException(Long.toHexString(value) + " does not fit in 48 bits");
        }
    }

    /** Parses the colon form, "02:00:00:00:00:01", in either case. */
    public static MacAddress parse(String text) {
        String t = text == null ? "" : text.trim();
        if (!TEXT.matcher(t).matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a MAC address; write six hex pairs with colons, like 02:00:00:00:00:01");
        }
        return new MacAddress(Long.parseLong(t.replace(":", ""), 16));
    }

    /** The address in exactly six bytes, as NetworkInterface.getHardwareAddress() gives it. */
    public static MacAddress of(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + bytes.length);
        }
        return read(bytes, 0);
    }

    static MacAddress read(byte[] frame, int offset) {
        long v = 0;
        for (int i = 0; i < LENGTH; i++) {
            v = (v << 8) | (frame[offset + i] & 0xff);
        }
        return new MacAddress(v);
    }

    void write(byte[] frame, int offset) {
        for (int i = 0; i < LENGTH; i++) {
            frame[offset + i] = (byte) (value >>> (8 * (LENGTH - 1 - i)));
        }
    }

    public byte[] bytes() {
        byte[] out = new byte[LENGTH];
        write(out, 0);
        return out;
    }

    public boolean isBroadcast() {
        return value == MAX;
    }

    /** The group bit of the first octet (IEEE 802 I/G): multicast, broadcast included. */
    public boolean isMulticast() {
        return (value & 0x0100_0000_0000L) != 0;
    }

    /** The U/L bit: set for addresses an administrator or a virtual NIC made up, clear for vendor-assigned ones. */
    public boolean isLocallyAdministered() {
        return (value & 0x0200_0000_0000L) != 0;
    }

    /** An address one host can hold: not multicast, not broadcast, not all zeros. */
    public boolean isUnicast() {
        return !isMulticast() && value != 0;
    }

    /** Lowercase colon form, as {@code ip link} prints it. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(17);
        for (int i = LENGTH - 1; i >= 0; i--) {
            int octet = (int) (value >>> (8 * i)) & 0xff;
            out.append(Character.forDigit(octet >> 4, 16)).append(Character.forDigit(octet & 0xf, 16));
            if (i > 0) {
                out.append(':');
            }
        }
        return out.toString();
    }
}
