package io.herald.controller.allocation;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpRange;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The addresses of one family of one pool that no Service holds, as disjoint intervals
 * keyed by their first address: the lowest free address is the first key, and taking or
 * giving back one address touches at most three intervals, whatever the pool's size, so
 * an IPv6 /64 costs no more than a /28.
 *
 * <p>Under avoid-buggy-ips the IPv4 .0 and .255 addresses are never free. Rather than
 * cutting every /24 into its own interval up front (65,536 intervals for a /8), an
 * interval may span them as holes: its first and last address are always assignable, and
 * stepping from one assignable address to the next skips the holes. Adjacent free
 * addresses across a /24 boundary therefore merge into one interval.
 */
final class FreeAddresses {
    private static final BigInteger LOW_BYTE = BigInteger.valueOf(0xff);

    private final boolean avoidBuggy;
    private final TreeMap<BigInteger, BigInteger> intervals = new TreeMap<>();

    /** Every assignable address of these ranges (one family, sorted, disjoint) is free. */
    FreeAddresses(Family family, List<IpRange> ranges, boolean avoidBuggyIps) {
        this.avoidBuggy = avoidBuggyIps && family == Family.IPV4;
        for (IpRange range : ranges) {
            BigInteger first = range.first().value();
            BigInteger last = range.last().value();
            while (first.compareTo(last) <= 0 && !assignable(first)) {
                first = first.add(BigInteger.ONE);
            }
            while (last.compareTo(first) >= 0 && !assignable(last)) {
                last = last.subtract(BigInteger.ONE);
            }
            if (first.compareTo(last) <= 0) {
                intervals.put(first, last);
            }
        }
    }

    Optional<BigInteger> lowest() {
        return intervals.isEmpty() ? Optional.empty() : Optional.of(intervals.firstKey());
    }

    boolean isFree(BigInteger address) {
        Map.Entry<BigInteger, BigInteger> around = intervals.floorEntry(address);
        return around != null && address.compareTo(around.getValue()) <= 0 && assignable(address);
    }

    /** Marks a free address as held; an address that is not free stays as it is. */
    void take(BigInteger address) {
        if (!isFree(address)) {
            return;
        }
        Map.Entry<BigInteger, BigInteger> around = intervals.floorEntry(address);
        BigInteger first = around.getKey();
        BigInteger last = around.getValue();
        intervals.remove(first);
        if (first.compareTo(address) < 0) {
            intervals.put(first, previous(address));
        }
        if (address.compareTo(last) < 0) {
            intervals.put(next(address), last);
        }
    }

    /**
     * Marks a held address free again. The caller guarantees it is an assignable address of
     * this pool and family that is not free now.
     */
    void give(BigInteger address) {
        BigInteger first = address;
        BigInteger last = address;
        Map.Entry<BigInteger, BigInteger> before = intervals.floorEntry(address);
        if (before != null && next(before.getValue()).equals(address)) {
            first = before.getKey();
            intervals.remove(first);
        }
        BigInteger after = intervals.remove(next(address));
        if (after != null) {
            last = after;
        }
        intervals.put(first, last);
    }

    /** Intervals in the structure, for tests that check it stays small. */
    int intervalCount() {
        return intervals.size();
    }

    private boolean assignable(BigInteger address) {
        if (!avoidBuggy) {
            return true;
        }
        int low = address.and(LOW_BYTE).intValue();
        return low != 0 && low != 255;
    }

    private BigInteger next(BigInteger address) {
        BigInteger n = address.add(BigInteger.ONE);
        while (!assignable(n)) {
            n = n.add(BigInteger.ONE);
        }
        return n;
    }

    private BigInteger previous(BigInteger address) {
        BigInteger p = address.subtract(BigInteger.ONE);
        while (p.signum() >= 0 && !assignable(p)) {
            p = p.subtract(BigInteger.ONE);
        }
        return p;
    }
}
