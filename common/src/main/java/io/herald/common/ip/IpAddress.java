package io.herald.common.ip;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address as an unsigned number, so ranges can be counted and
 * walked. Ordered by family, then value. Never resolves names.
 */
public final class IpAddress implements Comparable<IpAddress> {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    // Starting with a hex digit or ':' keeps InetAddress parsing a literal: anything else
    // (".:1") it would hand to the name service, which may hang a controller with no DNS.
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:][0-9a-fA-F:.]*");

    private final Family family;
    private final BigInteger value;

    private IpAddress(Family family, BigInteger value) {
        this.family = family;
        this.value = value;
    }

    public static IpAddress of(Family family, BigInteger value) {
        if (value.signum() < 0 || value.bitLength() > family.bits()) {
            throw new IllegalArgumentException(value + " is outside the " + family + " address space");
        }
        return new IpAddress(family, value);
    }

    /** Parses a literal address; the message says what is wrong in the user's words. */
    public static IpAddress parse(String text) {
        String t = text == null ? "" : text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("an empty string is not an IP address");
        }
        if (IPV4.matcher(t).matches()) {
            byte[] bytes = new byte[4];
            String[] parts = t.split("\\.");
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(parts[i]);
                if (octet > 255 || (parts[i].length() > 1 && parts[i].startsWith("0"))) {
                    throw new IllegalArgumentException("\"" + text + "\" is not an IP address");
                }
                bytes[i] = (byte) octet;
            }
            return new IpAddress(Family.IPV4, new BigInteger(1, bytes));
        }
        if (t.contains(":") && IPV6_CHARS.matcher(t).matches()) {
            try {
                InetAddress address = InetAddress.getByName(t); // a literal: no lookup happens
                if (address instanceof Inet6Address) {
                    return new IpAddress(Family.IPV6, new BigInteger(1, address.getAddress()));
                }
                if (address instanceof Inet4Address) { // ::ffff:a.b.c.d
                    return new IpAddress(Family.IPV4, new BigInteger(1, address.getAddress()));
                }
            } catch (UnknownHostException e) {
                // falls through to the error below
            }
        }
        throw new IllegalArgumentException("\"" + text + "\" is not an IP address");
    }

    public static IpAddress of(InetAddress address) {
        return new IpAddress(address instanceof Inet6Address ? Family.IPV6 : Family.IPV4,
                new BigInteger(1, address.getAddress()));
    }

    public Family family() {
        return family;
    }

    public BigInteger value() {
        return value;
    }

    /** The next address, or empty at the end of the family's space. */
    public java.util.Optional<IpAddress> next() {
        BigInteger n = value.add(BigInteger.ONE);
        return n.bitLength() > family.bits() ? java.util.Optional.empty() : java.util.Optional.of(new IpAddress(family, n));
    }

    public IpAddress plus(BigInteger offset) {
        return of(family, value.add(offset));
    }

    /** IPv4 addresses ending in .0 or .255, which some old routers and firmwares mishandle. */
    public boolean isBuggyForOldFirmware() {
        if (family != Family.IPV4) {
            return false;
        }
        int last = value.intValue() & 0xff;
        return last == 0 || last == 255;
    }

    public byte[] bytes() {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[family.bits() / 8];
        int copy = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
        return out;
    }

    public InetAddress toInetAddress() {
        try {
            return InetAddress.getByAddress(bytes());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen for 4 or 16 bytes
        }
    }

    @Override
    public int compareTo(IpAddress other) {
        int byFamily = family.compareTo(other.family);
        return byFamily != 0 ? byFamily : value.compareTo(other.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress other && family == other.family && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(family, value);
    }

    /** Canonical text: dotted quad, or RFC 5952 compressed IPv6. */
    @Override
    public String toString() {
        byte[] b = bytes();
        if (family == Family.IPV4) {
            return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not compressed (RFC 5952 4.2.2)
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append(i == 0 ? "::" : ":");
                i += bestLength - 1;
                continue;
            }
            out.append(Integer.toHexString(groups[i]));
            if (i < 7) {
                out.append(':');
            }
        }
        return out.toString();
    }
}
