package io.herald.controller.allocation;

import static io.herald.controller.allocation.Fixtures.V4;
import static io.herald.controller.allocation.Fixtures.V6;
import static io.herald.controller.allocation.Fixtures.avoidingPool;
import static io.herald.controller.allocation.Fixtures.config;
import static io.herald.controller.allocation.Fixtures.ip;
import static io.herald.controller.allocation.Fixtures.ips;
import static io.herald.controller.allocation.Fixtures.manualPool;
import static io.herald.controller.allocation.Fixtures.pool;
import static io.herald.controller.allocation.Fixtures.req;
import static io.herald.controller.allocation.Fixtures.svc;
import static io.herald.controller.allocation.Fixtures.withNamespaces;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.herald.common.config.Config;
import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AllocatorTest {
    private static Failed failed(AllocationResult result) {
        return assertInstanceOf(Failed.class, result);
    }

    private static Allocation assigned(AllocationResult result) {
        if (result instanceof Failed f) {
            throw new AssertionError(f.reason() + ": " + f.message());
        }
        return ((Assigned) result).allocation();
    }

    @Test
    void noPoolsSaysSo() {
        Failed f = failed(new Allocator(Config.EMPTY).assign(req("ns/web")));
        assertEquals(FailureReason.NO_POOLS, f.reason());
        assertEquals("no address pools are configured; add one to the Herald config", f.message());
    }

    @Test
    void onlyManualPoolsAskToNameOne() {
        Failed f = failed(new Allocator(config(manualPool("edge", "198.18.0.0/30"))).assign(req("ns/web")));
        assertEquals(FailureReason.NO_AUTO_ASSIGN_POOL, f.reason());
        assertEquals("every address pool has auto-assign: false; name one with herald.io/address-pool "
                + "or request one of its addresses with herald.io/loadBalancerIPs", f.message());
    }

    @Test
    void noPoolAllowingTheNamespaceSaysWhichNamespace() {
        Allocator allocator = new Allocator(config(withNamespaces(pool("a", "198.18.0.0/30"), "team-a")));
        Failed f = failed(allocator.assign(req("team-b/web")));
        assertEquals(FailureReason.NAMESPACE_NOT_ALLOWED, f.reason());
        assertEquals("no address pool allows namespace team-b", f.message());
    }

    @Test
    void aManualPoolThatAllowsTheNamespaceIsPointedOut() {
        Allocator allocator = new Allocator(config(
                withNamespaces(pool("a", "198.18.0.0/30"), "team-a"),
                withNamespaces(manualPool("b-only", "198.18.1.0/30"), "team-b")));
        Failed f = failed(allocator.assign(req("team-b/web")));
        assertEquals("no auto-assign address pool allows namespace team-b; pool \"b-only\" (auto-assign: false) does, "
                + "name one with herald.io/address-pool", f.message());
    }

    @Test
    void noPoolWithTheFamilyNamesWhatThePoolsHave() {
        Allocator allocator = new Allocator(config(pool("default", "198.18.0.0/30")));
        Failed single = failed(allocator.assign(req("ns/web").withFamilies(FamilyPolicy.SINGLE_STACK, V6)));
        assertEquals(FailureReason.NO_POOL_FOR_FAMILY, single.reason());
        assertEquals("pool \"default\" has no IPv6 addresses, and ns/web needs one (SingleStack, ipFamilies [IPv6])",
                single.message());
        Failed dual = failed(allocator.assign(req("ns/web").withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK)));
        assertEquals("RequireDualStack needs a pool with both IPv4 and IPv6; pool \"default\" has only IPv4", dual.message());
    }

    @Test
    void requireDualStackAcrossSingleFamilyPoolsListsThem() {
        Allocator allocator = new Allocator(config(pool("v4", "198.18.0.0/30"), pool("v6", "2001:db8::/126")));
        Failed f = failed(allocator.assign(req("ns/web").withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK)));
        assertEquals(FailureReason.NO_POOL_FOR_FAMILY, f.reason());
        assertEquals("RequireDualStack needs a pool with both IPv4 and IPv6; no address pool has both "
                + "(pool \"v4\" has only IPv4, pool \"v6\" has only IPv6)", f.message());
    }

    @Test
    void everyExhaustedPoolIsNamed() {
        Allocator allocator = new Allocator(config(pool("a", "198.18.0.1"), pool("b", "198.18.1.1")));
        assigned(allocator.assign(req("ns/one")));
        assigned(allocator.assign(req("ns/two")));
        Failed f = failed(allocator.assign(req("ns/three")));
        assertEquals(FailureReason.POOL_EXHAUSTED, f.reason());
        assertEquals("no address pool has a free address for ns/three: pool \"a\" has no free IPv4 address (1 of 1 in use); "
                + "pool \"b\" has no free IPv4 address (1 of 1 in use)", f.message());
    }

    @Test
    void aRequestedPoolWinsOverConfigOrder() {
        Allocator allocator = new Allocator(config(pool("a", "198.18.0.0/30"), pool("b", "198.18.1.0/30")));
        assertEquals(new Allocation(svc("ns/web"), "b", ips("198.18.1.0")),
                assigned(allocator.assign(req("ns/web").withRequestedPool("b"))));
    }

    @Test
    void aFailedClaimChangesNothing() {
        Allocator allocator = new Allocator(config(pool("a", "198.18.0.0/30")));
        assigned(allocator.assign(req("ns/web")));
        failed(allocator.claim(req("ns/web"), ips("198.18.9.9")));
        assertEquals(ips("198.18.0.0"), allocator.allocationOf(svc("ns/web")).orElseThrow().ips());
    }

    @Test
    void claimingNothingIsAProgrammingError() {
        Allocator allocator = new Allocator(config(pool("a", "198.18.0.0/30")));
        assertThrows(IllegalArgumentException.class, () -> allocator.claim(req("ns/web"), List.of()));
    }

    @Test
    void releaseSaysWhatWasHeld() {
        Allocator allocator = new Allocator(config(pool("a", "198.18.0.0/30")));
        Allocation held = assigned(allocator.assign(req("ns/web")));
        assertEquals(Optional.of(held), allocator.release(svc("ns/web")));
        assertEquals(Optional.empty(), allocator.release(svc("ns/web")));
        assertEquals(Optional.empty(), allocator.allocationOf(svc("ns/web")));
    }

    @Test
    void strandedByNamesServicesTheNextConfigWouldLeaveWithoutAValidAddress() {
        Allocator allocator = new Allocator(config(pool("a", "198.18.0.0/30"), pool("b", "198.18.1.0/30", "2001:db8::/126")));
        assigned(allocator.assign(req("team-a/in-a")));
        assigned(allocator.assign(req("team-b/in-b").withRequestedPool("b")));
        assigned(allocator.assign(req("team-a/dual").withRequestedPool("b").withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK)));

        assertEquals(List.of(), allocator.strandedBy(config(pool("renamed", "198.18.0.0/29"),
                pool("b", "198.18.1.0/30", "2001:db8::/126"))));
        assertEquals(List.of(svc("team-a/in-a")), allocator.strandedBy(config(pool("b", "198.18.1.0/30", "2001:db8::/126"))));
        assertEquals(List.of(svc("team-a/in-a")), allocator.strandedBy(config(avoidingPool("a", "198.18.0.0/30"),
                pool("b", "198.18.1.0/30", "2001:db8::/126"))));
        assertEquals(List.of(svc("team-a/dual"), svc("team-a/in-a")), allocator.strandedBy(config(
                withNamespaces(pool("a", "198.18.0.0/30"), "team-b"),
                withNamespaces(pool("b", "198.18.1.0/30", "2001:db8::/126"), "team-b"))));
        assertEquals(List.of(svc("team-a/dual")), allocator.strandedBy(config(pool("a", "198.18.0.0/30"),
                pool("b", "198.18.1.0/30"), pool("b6", "2001:db8::/126"))));
    }

    @Test
    void reconfigureKeepsEveryAllocationAndFollowsRenamedPools() {
        Allocator allocator = new Allocator(config(pool("a", "198.18.0.0/30")));
        assigned(allocator.assign(req("ns/one")));
        assigned(allocator.assign(req("ns/two")));
        Config next = config(pool("renamed", "198.18.0.0/29"));
        assertEquals(List.of(), allocator.strandedBy(next));
        allocator.reconfigure(next);

        assertEquals(new Allocation(svc("ns/one"), "renamed", ips("198.18.0.0")), allocator.allocationOf(svc("ns/one")).orElseThrow());
        AllocationResult again = allocator.assign(req("ns/one"));
        assertEquals(new Assigned(new Allocation(svc("ns/one"), "renamed", ips("198.18.0.0")), false), again);
        assertEquals(ips("198.18.0.2"), assigned(allocator.assign(req("ns/three"))).ips());
        assertEquals(List.of(new PoolUsage("renamed", Family.IPV4, BigInteger.valueOf(8), 3)), allocator.usage());
    }

    @Test
    void anAllocationStrandedAnywayStaysHeldUntilItsServiceIsAssignedAgain() {
        Allocator allocator = new Allocator(config(pool("a", "198.18.0.0/31"), pool("b", "198.18.1.0/30")));
        assigned(allocator.assign(req("ns/one")));
        allocator.reconfigure(config(pool("b", "198.18.1.0/30")));

        assertEquals(List.of(new PoolUsage("b", Family.IPV4, BigInteger.valueOf(4), 0)), allocator.usage());
        assertEquals(ips("198.18.0.0"), allocator.allocationOf(svc("ns/one")).orElseThrow().ips());
        assertEquals(FailureReason.NOT_IN_ANY_POOL,
                failed(allocator.assign(req("ns/two").withRequestedIps(ip("198.18.0.0")))).reason());

        Assigned moved = (Assigned) allocator.assign(req("ns/one"));
        assertEquals(new Allocation(svc("ns/one"), "b", ips("198.18.1.0")), moved.allocation());
        assertEquals(true, moved.changed());
    }

    @Test
    void reconfigureMakesNewRangesUsableAndKeepsSharing() {
        Allocator allocator = new Allocator(config(pool("a", "198.18.0.0/32")));
        assigned(allocator.assign(req("ns/one", Fixtures.tcp(80)).withSharing("k")));
        allocator.reconfigure(config(pool("a", "198.18.0.0/31")));
        assertEquals(ips("198.18.0.0"), assigned(allocator.assign(req("ns/two", Fixtures.tcp(81)).withSharing("k"))).ips());
        assertEquals(ips("198.18.0.1"), assigned(allocator.assign(req("ns/three"))).ips());
    }

    @Test
    void aPreferDualStackServiceKeepsItsSingleAddressWhenAnotherPoolCouldGiveBoth() {
        Allocator allocator = new Allocator(config(pool("v4", "198.18.0.0/31"), pool("dual", "198.18.1.0/31")));
        AllocationRequest prefer = req("ns/web").withFamilies(FamilyPolicy.PREFER_DUAL_STACK, V4, V6);
        assertEquals(ips("198.18.0.0"), assigned(allocator.assign(prefer)).ips());
        allocator.reconfigure(config(pool("v4", "198.18.0.0/31"), pool("dual", "198.18.1.0/31", "2001:db8::/127")));
        assertEquals(new Assigned(new Allocation(svc("ns/web"), "v4", ips("198.18.0.0")), false), allocator.assign(prefer));
    }

    @Test
    void changingOnlyTheSharingKeyOfASoleHolderKeepsTheAddress() {
        Allocator allocator = new Allocator(config(pool("a", "198.18.0.0/30")));
        assigned(allocator.assign(req("ns/one", Fixtures.tcp(80))));
        AllocationResult keyed = allocator.assign(req("ns/one", Fixtures.tcp(80)).withSharing("k"));
        assertEquals(new Assigned(new Allocation(svc("ns/one"), "a", ips("198.18.0.0")), false), keyed);
        assertEquals(ips("198.18.0.0"), assigned(allocator.assign(req("ns/two", Fixtures.tcp(81)).withSharing("k"))).ips());
    }

    @Test
    void localSelectorsCompareWhateverTheMapOrder() {
        Map<String, String> one = new LinkedHashMap<>();
        one.put("app", "web");
        one.put("tier", "front");
        Map<String, String> two = new LinkedHashMap<>();
        two.put("tier", "front");
        two.put("app", "web");
        assertEquals(TrafficPolicy.local(one), TrafficPolicy.local(two));
        assertEquals("app=web,tier=front", TrafficPolicy.local(one).selector());
        assertFalse(TrafficPolicy.local(one).sharesWith(TrafficPolicy.CLUSTER));
    }

    static Stream<Arguments> families() {
        return Stream.of(
                Arguments.of(FamilyPolicy.SINGLE_STACK, List.of(), List.of(), List.of(V4)),
                Arguments.of(FamilyPolicy.SINGLE_STACK, List.of(), ips("2001:db8::1"), List.of(V6)),
                Arguments.of(FamilyPolicy.SINGLE_STACK, List.of(V6), List.of(), List.of(V6)),
                Arguments.of(FamilyPolicy.SINGLE_STACK, List.of(V6, V4), List.of(), List.of(V6)),
                Arguments.of(FamilyPolicy.PREFER_DUAL_STACK, List.of(), List.of(), List.of(V4, V6)),
                Arguments.of(FamilyPolicy.PREFER_DUAL_STACK, List.of(V6), List.of(), List.of(V6)),
                Arguments.of(FamilyPolicy.PREFER_DUAL_STACK, List.of(V6, V4), List.of(), List.of(V6, V4)),
                Arguments.of(FamilyPolicy.REQUIRE_DUAL_STACK, List.of(), List.of(), List.of(V4, V6)),
                Arguments.of(FamilyPolicy.REQUIRE_DUAL_STACK, List.of(V6), List.of(), List.of(V6, V4)),
                Arguments.of(FamilyPolicy.REQUIRE_DUAL_STACK, List.of(V4, V6), List.of(), List.of(V4, V6)));
    }

    @ParameterizedTest(name = "{0} {1} requesting {2} gets {3}")
    @MethodSource("families")
    void addressFamiliesFollowPolicyAndList(FamilyPolicy policy, List<Family> listed, List<IpAddress> requested,
                                            List<Family> expected) {
        AllocationRequest request = new AllocationRequest(svc("ns/web"), PortSet.NONE, Optional.empty(),
                TrafficPolicy.CLUSTER, policy, listed, requested, Optional.empty());
        assertEquals(expected, request.addressFamilies());
    }
}
