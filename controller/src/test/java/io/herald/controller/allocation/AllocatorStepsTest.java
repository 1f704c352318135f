package io.herald.controller.allocation;

import static io.herald.controller.allocation.Fixtures.V4;
import static io.herald.controller.allocation.Fixtures.V6;
import static io.herald.controller.allocation.Fixtures.avoidingPool;
import static io.herald.controller.allocation.Fixtures.config;
import static io.herald.controller.allocation.Fixtures.ip;
import static io.herald.controller.allocation.Fixtures.manualPool;
import static io.herald.controller.allocation.Fixtures.pool;
import static io.herald.controller.allocation.Fixtures.req;
import static io.herald.controller.allocation.Fixtures.svc;
import static io.herald.controller.allocation.Fixtures.tcp;
import static io.herald.controller.allocation.Fixtures.udp;
import static io.herald.controller.allocation.Fixtures.withNamespaces;
import static io.herald.controller.allocation.Steps.checks;
import static io.herald.controller.allocation.Steps.claimFails;
import static io.herald.controller.allocation.Steps.claims;
import static io.herald.controller.allocation.Steps.fails;
import static io.herald.controller.allocation.Steps.gets;
import static io.herald.controller.allocation.Steps.holds;
import static io.herald.controller.allocation.Steps.keeps;
import static io.herald.controller.allocation.Steps.moves;
import static io.herald.controller.allocation.Steps.releases;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.common.ip.Family;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

class AllocatorStepsTest {
    private static final TrafficPolicy LOCAL_WEB = TrafficPolicy.local(Map.of("app", "web"));
    private static final TrafficPolicy LOCAL_DB = TrafficPolicy.local(Map.of("app", "db"));

    @TestFactory
    Stream<DynamicTest> sharing() {
        return Steps.of(
                gets("s1 gets the lowest address", req("team-a/s1", tcp(80)), "198.18.0.100"),
                keeps("s1 asking again keeps it, unchanged", req("team-a/s1", tcp(80)), "198.18.0.100"),
                fails("s2 can't take s1's IP", req("team-a/s2", tcp(81)).withRequestedIps(ip("198.18.0.100")),
                        FailureReason.IP_IN_USE,
                        "198.18.0.100 is in use by team-a/s1, which does not share it (set the same "
                                + "herald.io/allow-shared-ip on both, with no port in common)"),
                gets("s2 without a request gets the next one", req("team-a/s2", tcp(80)), "198.18.0.101"),
                gets("s3 with key k gets a free address", req("team-a/s3", tcp(80)).withSharing("k"), "198.18.0.102"),
                gets("s4 shares with s3 with the same key and different ports",
                        req("team-b/s4", tcp(443)).withSharing("k").withRequestedIps(ip("198.18.0.102")), "198.18.0.102"),
                fails("port collision refuses sharing",
                        req("team-a/s5", tcp(443)).withSharing("k").withRequestedIps(ip("198.18.0.102")),
                        FailureReason.PORT_CONFLICT,
                        "198.18.0.102: TCP/443 is already used there by team-b/s4; Services sharing an IP need different ports"),
                gets("the same port number over UDP shares",
                        req("team-a/s5", udp(443)).withSharing("k").withRequestedIps(ip("198.18.0.102")), "198.18.0.102"),
                fails("a different key refuses",
                        req("team-a/s6", tcp(8080)).withSharing("other").withRequestedIps(ip("198.18.0.102")),
                        FailureReason.IP_IN_USE),
                fails("Local vs Cluster refuses",
                        req("team-a/s6", tcp(8080)).withSharing("k").withTraffic(LOCAL_WEB)
                                .withRequestedIps(ip("198.18.0.102")),
                        FailureReason.TRAFFIC_POLICY_CONFLICT),
                fails("no key refuses a shared address",
                        req("team-a/s6", tcp(8080)).withRequestedIps(ip("198.18.0.102")), FailureReason.IP_IN_USE),
                fails("a key refuses an address held without one",
                        req("team-a/s6", tcp(8080)).withSharing("k").withRequestedIps(ip("198.18.0.100")),
                        FailureReason.IP_IN_USE),
                gets("with a key, auto takes a shareable address below the lowest free one",
                        req("team-a/s7", tcp(9000)).withSharing("k"), "198.18.0.102"),
                gets("Local with a key takes a free address when nothing shares under its key",
                        req("team-a/s8", tcp(80)).withSharing("local").withTraffic(LOCAL_DB), "198.18.0.103"),
                gets("Local with the same selector shares",
                        req("team-a/s9", tcp(81)).withSharing("local").withTraffic(TrafficPolicy.local(Map.of("app", "db"))),
                        "198.18.0.103"),
                fails("Local with another selector refuses",
                        req("team-a/s10", tcp(82)).withSharing("local").withTraffic(LOCAL_WEB)
                                .withRequestedIps(ip("198.18.0.103")),
                        FailureReason.TRAFFIC_POLICY_CONFLICT),
                fails("the pool is exhausted", req("team-a/s10", tcp(80)), FailureReason.POOL_EXHAUSTED,
                        "pool \"default\" has no free IPv4 address (4 of 4 in use)"),
                checks("a shared address counts once", a -> assertEquals(
                        List.of(new PoolUsage("default", Family.IPV4, BigInteger.valueOf(4), 4)), a.usage())),
                releases("s2 goes away", svc("team-a/s2")),
                gets("release frees it for s10", req("team-a/s10", tcp(80)), "198.18.0.101"),
                releases("s3 goes away", svc("team-a/s3")),
                fails("a shared address stays held while one holder remains",
                        req("team-a/s11", tcp(1)).withRequestedIps(ip("198.18.0.102")), FailureReason.IP_IN_USE),
                fails("s4 changing its ports onto s5's releases its address and finds none",
                        req("team-b/s4", udp(443)).withSharing("k"), FailureReason.POOL_EXHAUSTED,
                        "pool \"default\" has no free IPv4 address (4 of 4 in use; "
                                + "none can be shared under herald.io/allow-shared-ip \"k\")"),
                holds("s4 holds nothing after the failed change", svc("team-b/s4")),
                gets("s5 and s7 still share", req("team-a/s7", tcp(9000)).withSharing("k"), "198.18.0.102"))
                .run(config(pool("default", "198.18.0.100-198.18.0.103")));
    }

    @TestFactory
    Stream<DynamicTest> pools() {
        return Steps.of(
                gets("the first pool's lowest address", req("team-a/a1"), "198.18.0.254"),
                gets("avoid-buggy-ips skips .255 and .0", req("team-a/a2"), "198.18.1.1"),
                checks("size respects avoid-buggy-ips", a -> assertEquals(
                        new PoolUsage("small", V4, BigInteger.TWO, 2), a.usage().get(0))),
                fails("auto-assign: false is not used, and team-b's pool is not for team-a", req("team-a/a3"),
                        FailureReason.POOL_EXHAUSTED, "pool \"small\" has no free IPv4 address (2 of 2 in use)"),
                gets("team-b gets its own pool once the shared one is full", req("team-b/b1"), "198.18.2.10"),
                gets("naming the auto-assign: false pool uses it", req("team-a/a3").withRequestedPool("edge"),
                        "198.18.3.0"),
                gets("requesting an address of the auto-assign: false pool uses it",
                        req("team-a/a4").withRequestedIps(ip("198.18.3.2")), "198.18.3.2"),
                fails("namespaces apply to a named pool", req("team-b/b2").withRequestedPool("edge"),
                        FailureReason.NAMESPACE_NOT_ALLOWED, "pool \"edge\" does not allow namespace team-b"),
                fails("namespaces apply to a requested IP", req("team-b/b2").withRequestedIps(ip("198.18.3.1")),
                        FailureReason.NAMESPACE_NOT_ALLOWED, "pool \"edge\" does not allow namespace team-b"),
                fails("avoid-buggy-ips refuses a requested .255", req("team-a/a5").withRequestedIps(ip("198.18.0.255")),
                        FailureReason.AVOIDED_IP, "198.18.0.255 is avoided by pool \"small\" (avoid-buggy-ips)"),
                fails("avoid-buggy-ips refuses a requested .0", req("team-a/a5").withRequestedIps(ip("198.18.1.0")),
                        FailureReason.AVOIDED_IP),
                fails("a requested IP outside every pool", req("team-a/a5").withRequestedIps(ip("198.18.9.9")),
                        FailureReason.NOT_IN_ANY_POOL, "198.18.9.9 is not in any address pool (small: 198.18.0.254-198.18.1.1;"
                                + " team-b: 198.18.2.10-198.18.2.11; edge: 198.18.3.0-198.18.3.3); request an address inside"
                                + " a pool, or add 198.18.9.9 to a pool in the ConfigMap"),
                fails("a named pool that does not exist", req("team-a/a5").withRequestedPool("edg"),
                        FailureReason.NO_POOL_NAMED, "no address pool named \"edg\" (pools: \"small\", \"team-b\", \"edge\")"),
                fails("a requested IP outside the requested pool",
                        req("team-a/a5").withRequestedPool("edge").withRequestedIps(ip("198.18.2.11")),
                        FailureReason.NOT_IN_REQUESTED_POOL,
                        "198.18.2.11 is in pool \"team-b\", not in the requested pool \"edge\""),
                fails("two IPv4 addresses", req("team-a/a5").withRequestedIps(ip("198.18.3.1"), ip("198.18.3.3")),
                        FailureReason.TOO_MANY_IPS,
                        "2 IPv4 addresses requested (198.18.3.1, 198.18.3.3); at most one per family"),
                fails("an IPv6 address for an IPv4 Service",
                        req("team-a/a5").withFamilies(FamilyPolicy.SINGLE_STACK, V4).withRequestedIps(ip("2001:db8::1")),
                        FailureReason.FAMILY_MISMATCH),
                releases("a1 goes away", svc("team-a/a1")),
                gets("exhaustion, then free, then served", req("team-a/a5"), "198.18.0.254"),
                gets("a named pool's lowest free address", req("team-a/a6").withRequestedPool("edge"), "198.18.3.1"),
                gets("and its last", req("team-a/a7").withRequestedPool("edge"), "198.18.3.3"),
                fails("a named pool that is full", req("team-a/a8").withRequestedPool("edge"),
                        FailureReason.POOL_EXHAUSTED, "pool \"edge\" has no free IPv4 address (4 of 4 in use)"))
                .run(config(
                        avoidingPool("small", "198.18.0.254-198.18.1.1"),
                        withNamespaces(pool("team-b", "198.18.2.10-198.18.2.11"), "team-b"),
                        withNamespaces(manualPool("edge", "198.18.3.0-198.18.3.3"), "team-a")));
    }

    @TestFactory
    Stream<DynamicTest> dualStack() {
        return Steps.of(
                gets("SingleStack IPv4 takes the first pool", req("ns/s1"), "198.18.0.1"),
                gets("SingleStack IPv6 skips pools without IPv6", req("ns/s2").withFamilies(FamilyPolicy.SINGLE_STACK, V6),
                        "2001:db8:1::1"),
                gets("PreferDualStack takes both from the first pool that can give both",
                        req("ns/s3").withFamilies(FamilyPolicy.PREFER_DUAL_STACK, V4, V6), "198.18.1.1", "2001:db8:1::2"),
                fails("RequireDualStack fails while its only dual pool has no IPv6 left",
                        req("ns/s4").withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK, V6, V4), FailureReason.POOL_EXHAUSTED,
                        "pool \"dual\" has no free IPv6 address (2 of 2 in use)"),
                releases("s2 goes away", svc("ns/s2")),
                gets("RequireDualStack IPv6-first lists IPv6 first",
                        req("ns/s4").withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK, V6, V4), "2001:db8:1::1", "198.18.1.2"),
                gets("PreferDualStack falls back to its first family when no pool can give both",
                        req("ns/s5").withFamilies(FamilyPolicy.PREFER_DUAL_STACK, V4, V6), "198.18.0.2"),
                gets("PreferDualStack IPv6-first falls back to an IPv6-only pool, a /64",
                        req("ns/s6").withFamilies(FamilyPolicy.PREFER_DUAL_STACK, V6, V4), "2001:db8:2::"),
                gets("the /64's next address", req("ns/s7").withFamilies(FamilyPolicy.SINGLE_STACK, V6), "2001:db8:2::1"),
                gets("PreferDualStack with one listed family stays single",
                        req("ns/s8").withFamilies(FamilyPolicy.PREFER_DUAL_STACK, V6), "2001:db8:2::2"),
                fails("RequireDualStack with no IPv4 left anywhere it could go",
                        req("ns/s9").withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK), FailureReason.POOL_EXHAUSTED,
                        "pool \"dual\" has no free IPv4 address (2 of 2 in use)"),
                releases("s3 goes away", svc("ns/s3")),
                gets("loadBalancerIP on a dual-stack Service takes the other family from the same pool",
                        req("ns/s9").withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK, V4, V6)
                                .withRequestedIps(ip("198.18.1.1")), "198.18.1.1", "2001:db8:1::2"),
                fails("requested addresses from two pools",
                        req("ns/s10").withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK, V4, V6)
                                .withRequestedIps(ip("198.18.0.1"), ip("2001:db8:2::9")),
                        FailureReason.DIFFERENT_POOLS),
                fails("RequireDualStack naming a pool of one family",
                        req("ns/s10").withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK, V4, V6).withRequestedPool("v6"),
                        FailureReason.NO_POOL_FOR_FAMILY,
                        "RequireDualStack needs a pool with both IPv4 and IPv6; pool \"v6\" has only IPv6"),
                fails("SingleStack IPv4 naming an IPv6-only pool",
                        req("ns/s10").withFamilies(FamilyPolicy.SINGLE_STACK, V4).withRequestedPool("v6"),
                        FailureReason.NO_POOL_FOR_FAMILY),
                gets("a requested address at the very end of the /64",
                        req("ns/s10").withFamilies(FamilyPolicy.SINGLE_STACK, V6)
                                .withRequestedIps(ip("2001:db8:2::ffff:ffff:ffff:ffff")),
                        "2001:db8:2::ffff:ffff:ffff:ffff"),
                checks("the /64 counts 2^64 addresses", a -> assertEquals(
                        new PoolUsage("v6", V6, BigInteger.ONE.shiftLeft(64), 4), a.usage().get(a.usage().size() - 1))))
                .run(config(
                        pool("v4", "198.18.0.1-198.18.0.2"),
                        pool("dual", "198.18.1.1-198.18.1.2", "2001:db8:1::1-2001:db8:1::2"),
                        pool("v6", "2001:db8:2::/64")));
    }

    @TestFactory
    Stream<DynamicTest> claimsAndChangedRequests() {
        AllocationRequest preferDual = req("ns/s5").withFamilies(FamilyPolicy.PREFER_DUAL_STACK, V4, V6);
        return Steps.of(
                claims("claim at start keeps what status shows", req("ns/s1"), List.of("198.18.0.3"), "198.18.0.3"),
                gets("a new Service then gets the lowest address", req("ns/s2"), "198.18.0.1"),
                claimFails("claim of an address another Service holds", req("ns/s3"), List.of("198.18.0.3"),
                        FailureReason.IP_IN_USE),
                claimFails("claim outside every pool", req("ns/s3"), List.of("198.18.9.9"), FailureReason.NOT_IN_ANY_POOL),
                claimFails("claim of an address the Service no longer requests",
                        req("ns/s3").withRequestedIps(ip("198.18.0.1")), List.of("198.18.0.2"),
                        FailureReason.OTHER_IP_REQUESTED),
                claimFails("claim of two IPv4 addresses", req("ns/s3"), List.of("198.18.0.2", "198.18.1.1"),
                        FailureReason.TOO_MANY_IPS),
                claims("claim of an auto-assign: false pool's address by an auto Service succeeds",
                        req("ns/s4"), List.of("198.18.1.1"), "198.18.1.1"),
                keeps("assign with the same request keeps it", req("ns/s4"), "198.18.1.1"),
                claims("claim of a PreferDualStack Service's IPv4 alone", preferDual, List.of("198.18.0.2"), "198.18.0.2"),
                moves("assign then adds its IPv6 from the same pool", preferDual, "198.18.0.2", "2001:db8::"),
                claims("claim puts status addresses in the Service's family order",
                        req("ns/s6").withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK, V6, V4),
                        List.of("198.18.0.4", "2001:db8::1"), "2001:db8::1", "198.18.0.4"),
                claimFails("RequireDualStack claim of one family",
                        req("ns/s7").withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK, V4, V6), List.of("198.18.1.3"),
                        FailureReason.FAMILY_MISMATCH),
                moves("a changed request releases the old IP", req("ns/s2").withRequestedPool("edge"), "198.18.1.0"),
                gets("the old IP goes to the next Service", req("ns/s7"), "198.18.0.1"),
                fails("dropping the pool annotation leaves the auto-assign: false pool, and nothing is free",
                        req("ns/s2"), FailureReason.POOL_EXHAUSTED),
                holds("the failed change left s2 nothing", svc("ns/s2")),
                gets("so its old address is free again", req("ns/s8").withRequestedPool("edge"), "198.18.1.0"),
                moves("changing the requested IP moves the Service", req("ns/s8").withRequestedIps(ip("198.18.1.3")),
                        "198.18.1.3"),
                keeps("naming the pool the address is in keeps it",
                        req("ns/s8").withRequestedIps(ip("198.18.1.3")).withRequestedPool("edge"), "198.18.1.3"),
                claims("claim by the Service that holds the addresses", req("ns/s1"), List.of("198.18.0.3"), "198.18.0.3"),
                releases("s7 goes away", svc("ns/s7")),
                gets("s9 requests .1", req("ns/s9").withRequestedIps(ip("198.18.0.1")), "198.18.0.1"),
                keeps("dropping the request keeps the address, its pool auto-assigns", req("ns/s9"), "198.18.0.1"))
                .run(config(
                        pool("default", "198.18.0.1-198.18.0.4", "2001:db8::-2001:db8::1"),
                        manualPool("edge", "198.18.1.0/30")));
    }
}
