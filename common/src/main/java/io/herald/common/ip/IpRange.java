package io.herald.common.ip;

import java.math.BigInteger;

/** A contiguous, inclusive range of addresses of one family. */
public record IpRange(IpAddress first, IpAddress last) implements Comparable<IpRange> {
    public IpRange {
        if (first.family() != last.family()) {
            throw new IllegalArgumentException("range " + first + "-" + last + " mixes IPv4 and IPv6");
        }
        if (first.compareTo(last) > 0) {
            throw new IllegalArgumentException("range " + first + "-" + last + " ends before it starts");
        }
    }

    /**
     * Parses {@code a.b.c.d/n}, {@code first-last}, or one address, as in an address
     * pool's {@code addresses}. A CIDR must not have host bits set.
     */
    public static IpRange parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        if (slash >= 0) {
            if (slash == 0) {
                throw new IllegalArgumentException("\"" + text + "\" lacks the address before the '/'; write a CIDR as ADDRESS/PREFIX");
            }
            IpAddress base = IpAddress.parse(t.substring(0, slash));
            int bits;
            try {
                bits = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > base.family().bits()) {
                throw new IllegalArgumentException("\"" + text + "\": the prefix length must be 0-"
                        + base.family().bits() + " for " + base.family());
            }
            BigInteger hostSize = BigInteger.ONE.shiftLeft(base.family().bits() - bits);
            BigInteger network = base.value().subtract(base.value().mod(hostSize));
            if (!network.equals(base.value())) {
                throw new IllegalArgumentException("\"" + text + "\" has host bits set; did you mean "
                        + IpAddress.of(base.family(), network) + "/" + bits + "?");
            }
            return new IpRange(base, IpAddress.of(base.family(), network.add(hostSize).subtract(BigInteger.ONE)));
        }
        int dash = t.indexOf('-');
        if (dash >= 0) {
            if (dash == 0 || dash == t.length() - 1) {
                throw new IllegalArgumentException("\"" + text + "\" lacks an address; write a range as FIRST-LAST");
            }
            IpAddress first = IpAddress.parse(t.substring(0, dash));
            IpAddress last = IpAddress.parse(t.substring(dash + 1));
            if (first.family() != last.family()) {
                throw new IllegalArgumentException("\"" + text + "\" mixes IPv4 and IPv6");
            }
            if (first.compareTo(last) > 0) {
                throw new IllegalArgumentException("\"" + text + "\" ends before it starts; write the lower address first");
            }
            return new IpRange(first, last);
        }
        IpAddress single = IpAddress.parse(t);
        return new IpRange(single, single);
    }

    public Family family() {
        return first.family();
    }

    public BigInteger size() {
        return last.value().subtract(first.value()).add(BigInteger.ONE);
    }

    public boolean contains(IpAddress ip) {
        return ip.family() == family() && first.compareTo(ip) <= 0 && ip.compareTo(last) <= 0;
    }

    public boolean overlaps(IpRange other) {
        return family() == other.family() && first.compareTo(other.last) <= 0 && other.first.compareTo(last) <= 0;
    }

    @Override
    public int compareTo(IpRange other) {
        return first.compareTo(other.first);
    }

    @Override
    public String toString() {
        return first.equals(last) ? first.toString() : first + "-" + last;
    }
}
