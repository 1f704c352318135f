package io.herald.controller.allocation;

import static io.herald.controller.allocation.Fixtures.avoidingPool;
import static io.herald.controller.allocation.Fixtures.config;
import static io.herald.controller.allocation.Fixtures.ip;
import static io.herald.controller.allocation.Fixtures.pool;
import static io.herald.controller.allocation.Fixtures.req;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The reconciler allocates thousands of Services from one pool; these check the answers
 * stay right at that size. Timing is the benchmark's business, not this test's.
 */
class LargePoolTest {
    private static final int SERVICES = 10_000;

    private static IpAddress only(AllocationResult result) {
        if (result instanceof Failed f) {
            throw new AssertionError(f.reason() + ": " + f.message());
        }
        List<IpAddress> ips = ((Assigned) result).allocation().ips();
        assertEquals(1, ips.size());
        return ips.get(0);
    }

    private static String name(int i) {
        return "bench/svc-" + i;
    }

    @Test
    void tenThousandServicesFromOneSlash18GetDistinctAddressesLowestFirst() {
        Allocator allocator = new Allocator(config(pool("big", "198.18.0.0/18")));
        IpAddress base = ip("198.18.0.0");
        for (int i = 0; i < SERVICES; i++) {
            assertEquals(base.plus(BigInteger.valueOf(i)), only(allocator.assign(req(name(i), Fixtures.tcp(80)))), name(i));
        }
        Set<IpAddress> distinct = new HashSet<>();
        allocator.allocations().forEach(a -> distinct.addAll(a.ips()));
        assertEquals(SERVICES, distinct.size());
        assertEquals(SERVICES, allocator.usage().get(0).inUse());

        // Every tenth Service goes; newcomers fill exactly those holes, lowest first.
        List<IpAddress> freed = new ArrayList<>();
        for (int i = 0; i < SERVICES; i += 10) {
            freed.add(allocator.release(Fixtures.svc(name(i))).orElseThrow().ips().get(0));
        }
        for (int i = 0; i < freed.size(); i++) {
            assertEquals(freed.get(i), only(allocator.assign(req("bench/new-" + i, Fixtures.tcp(80)))));
        }
        assertEquals(base.plus(BigInteger.valueOf(SERVICES)), only(allocator.assign(req("bench/last", Fixtures.tcp(80)))));
    }

    @Test
    void tenThousandServicesWithAvoidBuggyIpsNeverGetDotZeroOrDot255() {
        Allocator allocator = new Allocator(config(avoidingPool("big", "198.18.0.0/18")));
        IpAddress previous = null;
        for (int i = 0; i < SERVICES; i++) {
            IpAddress ip = only(allocator.assign(req(name(i))));
            assertFalse(ip.isBuggyForOldFirmware(), ip.toString());
            if (previous != null) {
                assertTrue(previous.compareTo(ip) < 0, previous + " then " + ip);
                BigInteger gap = ip.value().subtract(previous.value());
                assertTrue(gap.equals(BigInteger.ONE) || gap.equals(BigInteger.valueOf(3)), "skips only .255 and .0");
            }
            previous = ip;
        }
        // 16384 addresses less 2 per /24 (64 of them)
        assertEquals(BigInteger.valueOf(16384 - 128), allocator.usage().get(0).size());
    }

    @Test
    void tenThousandServicesFromASlash64() {
        Allocator allocator = new Allocator(config(pool("v6", "2001:db8::/64")));
        IpAddress base = ip("2001:db8::");
        for (int i = 0; i < SERVICES; i++) {
            AllocationRequest request = req(name(i)).withFamilies(FamilyPolicy.SINGLE_STACK, Family.IPV6);
            assertEquals(base.plus(BigInteger.valueOf(i)), only(allocator.assign(request)));
        }
        assertEquals(SERVICES, allocator.usage().get(0).inUse());
        assertEquals(BigInteger.ONE.shiftLeft(64), allocator.usage().get(0).size());
    }

    @Test
    void servicesSharingOneKeyPackOntoFewAddresses() {
        Allocator allocator = new Allocator(config(pool("big", "198.18.0.0/18")));
        // 1000 Services under one key, ten distinct ports: each address takes ten of them.
        for (int i = 0; i < 1000; i++) {
            IpAddress ip = only(allocator.assign(req(name(i), Fixtures.tcp(8000 + i % 10)).withSharing("packed")));
            assertEquals(ip("198.18.0.0").plus(BigInteger.valueOf(i / 10)), ip, name(i));
        }
        assertEquals(100, allocator.usage().get(0).inUse());
    }
}
