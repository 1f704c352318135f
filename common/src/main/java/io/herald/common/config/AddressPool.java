package io.herald.common.config;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.common.ip.IpRange;
import java.math.BigInteger;
import java.util.List;

/**
 * One validated address pool, in the order the user wrote it.
 *
 * @param ranges        sorted, non-overlapping
 * @param autoAssign    false: only Services that ask for this pool or one of its IPs get from it
 * @param avoidBuggyIps true: never hand out IPv4 addresses ending in .0 or .255
 * @param nodeSelectors nodes that may announce this pool's IPs; empty means every node
 * @param interfaces    where speakers announce; empty means every suitable interface
 * @param namespaces    namespaces whose Services may use the pool; empty means all
 */
public record AddressPool(
        String name,
        List<IpRange> ranges,
        boolean autoAssign,
        boolean avoidBuggyIps,
        List<NodeSelector> nodeSelectors,
        List<String> interfaces,
        List<String> namespaces) {

    public AddressPool {
        ranges = List.copyOf(ranges);
        nodeSelectors = List.copyOf(nodeSelectors);
        interfaces = List.copyOf(interfaces);
        namespaces = List.copyOf(namespaces);
    }

    public boolean contains(IpAddress ip) {
        return ranges.stream().anyMatch(r -> r.contains(ip));
    }

    public boolean hasFamily(Family family) {
        return ranges.stream().anyMatch(r -> r.family() == family);
    }

    public boolean allowsNamespace(String namespace) {
        return namespaces.isEmpty() || namespaces.contains(namespace);
    }

    /** Whether the pool may hand out this address at all (in a range, not a buggy one when avoided). */
    public boolean mayAssign(IpAddress ip) {
        return contains(ip) && !(avoidBuggyIps && ip.isBuggyForOldFirmware());
    }

    /** How many addresses of the family the pool can hand out. */
    public BigInteger size(Family family) {
        BigInteger total = BigInteger.ZERO;
        for (IpRange range : ranges) {
            if (range.family() == family) {
                total = total.add(range.size());
                if (avoidBuggyIps && family == Family.IPV4) {
                    total = total.subtract(BigInteger.valueOf(buggyIn(range)));
                }
            }
        }
        return total;
    }

    private static long buggyIn(IpRange range) {
        long first = range.first().value().longValue();
        long last = range.last().value().longValue();
        long count = 0;
        // .0 and .255 each occur once per /24; count those inside [first, last].
        for (long base : new long[] {0, 255}) {
            count += Math.floorDiv(last - base, 256) - Math.floorDiv(first - 1 - base, 256);
        }
        return count;
    }

    /** Whether a node with these labels may announce this pool's IPs. */
    public boolean selectsNode(java.util.Map<String, String> labels) {
        return nodeSelectors.isEmpty() || nodeSelectors.stream().anyMatch(s -> s.matches(labels));
    }
}
