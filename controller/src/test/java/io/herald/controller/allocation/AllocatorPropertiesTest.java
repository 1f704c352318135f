package io.herald.controller.allocation;

import static io.herald.controller.allocation.Fixtures.V4;
import static io.herald.controller.allocation.Fixtures.V6;
import static io.herald.controller.allocation.Fixtures.avoidingPool;
import static io.herald.controller.allocation.Fixtures.config;
import static io.herald.controller.allocation.Fixtures.manualPool;
import static io.herald.controller.allocation.Fixtures.pool;
import static io.herald.controller.allocation.Fixtures.withNamespaces;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.herald.common.config.AddressPool;
import io.herald.common.config.Config;
import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.common.ip.IpRange;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random sequences of assign, release, claim and reconfigure over small pools, so that
 * collisions, sharing, exhaustion and avoided addresses happen often, checked against the
 * invariants after every step and against a brute-force reference that walks every
 * address of every pool.
 */
class AllocatorPropertiesTest {
    private static final int SERVICES = 8;

    private static final List<Config> CONFIGS = List.of(
            config(avoidingPool("a", "10.0.0.254-10.0.1.1", "2001:db8::-2001:db8::1"),
                    withNamespaces(pool("b", "10.0.2.0/31"), "ns1"),
                    manualPool("c", "10.0.3.0/31", "2001:db8:3::/127"),
                    pool("d", "2001:db8:4::/126")),
            // a renamed and no longer avoiding .255/.0; b open to every namespace
            config(pool("a2", "10.0.0.254-10.0.1.1", "2001:db8::-2001:db8::1"),
                    pool("b", "10.0.2.0/31"),
                    manualPool("c", "10.0.3.0/31", "2001:db8:3::/127"),
                    pool("d", "2001:db8:4::/126")),
            // b grows, c auto-assigns, d is gone
            config(avoidingPool("a", "10.0.0.254-10.0.1.1", "2001:db8::-2001:db8::1"),
                    withNamespaces(pool("b", "10.0.2.0/30"), "ns1"),
                    pool("c", "10.0.3.0/31", "2001:db8:3::/127")),
            // the first config in reverse order
            config(pool("d", "2001:db8:4::/126"),
                    manualPool("c", "10.0.3.0/31", "2001:db8:3::/127"),
                    withNamespaces(pool("b", "10.0.2.0/31"), "ns1"),
                    avoidingPool("a", "10.0.0.254-10.0.1.1", "2001:db8::-2001:db8::1")));

    private static final List<IpAddress> CANDIDATES = Fixtures.ips(
            "10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1", "10.0.2.0", "10.0.2.1", "10.0.2.2",
            "10.0.3.0", "10.0.3.1", "10.0.9.9", "2001:db8::", "2001:db8::1", "2001:db8:3::1",
            "2001:db8:4::2", "2001:db8:4::3");

    // ---- operations -------------------------------------------------------------------------

    sealed interface Op permits Assign, Release, Claim, Reconfigure {
    }

    record Assign(AllocationRequest request) implements Op {
    }

    record Release(ServiceKey service) implements Op {
    }

    record Claim(AllocationRequest request, List<IpAddress> ips) implements Op {
    }

    record Reconfigure(int config) implements Op {
    }

    private static ServiceKey service(int i) {
        return new ServiceKey(i % 2 == 0 ? "ns1" : "ns2", "s" + i);
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<Op> assign = requests().map(Assign::new);
        Arbitrary<Op> release = Arbitraries.integers().between(0, SERVICES - 1).map(i -> new Release(service(i)));
        Arbitrary<Op> claim = Combinators.combine(requests(), Arbitraries.of(CANDIDATES).list().ofMinSize(1).ofMaxSize(2))
                .as(Claim::new);
        Arbitrary<Op> reconfigure = Arbitraries.integers().between(0, CONFIGS.size() - 1).map(Reconfigure::new);
        return Arbitraries.frequencyOf(
                        Tuple.of(8, assign),
                        Tuple.of(3, release),
                        Tuple.of(2, claim),
                        Tuple.of(1, reconfigure))
                .list().ofMinSize(1).ofMaxSize(40);
    }

    private Arbitrary<AllocationRequest> requests() {
        Arbitrary<ServiceKey> services = Arbitraries.integers().between(0, SERVICES - 1).map(AllocatorPropertiesTest::service);
        Arbitrary<PortSet> ports = Arbitraries.of(PortSet.Port.tcp(80), PortSet.Port.tcp(443), PortSet.Port.udp(53))
                .set().ofMaxSize(3).map(set -> new PortSet(List.copyOf(set)));
        Arbitrary<Optional<SharingKey>> sharing = Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just(Optional.<SharingKey>empty())),
                Tuple.of(3, Arbitraries.of("k1", "k2").map(k -> Optional.of(new SharingKey(k)))));
        Arbitrary<TrafficPolicy> traffic = Arbitraries.of(TrafficPolicy.CLUSTER,
                TrafficPolicy.local(Map.of("app", "x")), TrafficPolicy.local(Map.of("app", "y")));
        Arbitrary<FamilyPolicy> policy = Arbitraries.of(FamilyPolicy.class);
        Arbitrary<List<Family>> families = Arbitraries.of(List.of(), List.of(V4), List.of(V6), List.of(V4, V6), List.of(V6, V4));
        Arbitrary<List<IpAddress>> requested = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(List.<IpAddress>of())),
                Tuple.of(3, Arbitraries.of(CANDIDATES).list().ofSize(1)),
                Tuple.of(1, Arbitraries.of(CANDIDATES).list().ofSize(2)));
        Arbitrary<Optional<String>> pool = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(Optional.<String>empty())),
                Tuple.of(2, Arbitraries.of("a", "b", "c", "d", "a2", "nope").map(Optional::of)));
        return Combinators.combine(services, ports, sharing, traffic, policy, families, requested, pool)
                .as(AllocationRequest::new);
    }

    // ---- running a sequence -----------------------------------------------------------------

    /**
     * Applies operations to an allocator while keeping, for each Service that holds
     * addresses, the request it holds them for (what sharing is judged by), and whether it
     * was assigned or claimed since the last reconfigure.
     */
    static final class Run {
        final Allocator allocator = new Allocator(CONFIGS.get(0));
        final Map<ServiceKey, AllocationRequest> requests = new TreeMap<>();
        final Set<ServiceKey> sinceReconfigure = new HashSet<>();
        final List<Object> results = new ArrayList<>();

        void apply(Op op, BiConsumer<Op, Object> afterEach) {
            Object result;
            if (op instanceof Assign assign) {
                result = allocator.assign(assign.request());
                record(assign.request(), (AllocationResult) result, true);
            } else if (op instanceof Claim claim) {
                result = allocator.claim(claim.request(), claim.ips());
                record(claim.request(), (AllocationResult) result, false);
            } else if (op instanceof Release release) {
                result = allocator.release(release.service());
                requests.remove(release.service());
            } else {
                Config next = CONFIGS.get(((Reconfigure) op).config());
                List<ServiceKey> stranded = allocator.strandedBy(next);
                if (stranded.isEmpty()) {
                    allocator.reconfigure(next);
                    sinceReconfigure.clear();
                }
                result = stranded;
            }
            results.add(result);
            afterEach.accept(op, result);
        }

        private void record(AllocationRequest request, AllocationResult result, boolean assign) {
            if (result instanceof Assigned) {
                requests.put(request.service(), request);
                sinceReconfigure.add(request.service());
            } else if (assign) {
                requests.remove(request.service());
            }
        }
    }

    // ---- properties -------------------------------------------------------------------------

    @Property(tries = 400)
    void noAddressIsHeldByTwoServicesThatMayNotShare(@ForAll("operations") List<Op> ops) {
        Run run = new Run();
        for (Op op : ops) {
            run.apply(op, (o, r) -> {
                Map<IpAddress, List<ServiceKey>> holders = holders(run.allocator, null);
                holders.forEach((ip, services) -> {
                    for (int i = 0; i < services.size(); i++) {
                        for (int j = i + 1; j < services.size(); j++) {
                            AllocationRequest x = run.requests.get(services.get(i));
                            AllocationRequest y = run.requests.get(services.get(j));
                            assertTrue(compatible(x, y), ip + " is held by " + x + " and " + y);
                        }
                    }
                });
            });
        }
    }

    @Property(tries = 400)
    void everyHeldAddressLiesInItsPoolAndObeysIt(@ForAll("operations") List<Op> ops) {
        Run run = new Run();
        for (Op op : ops) {
            run.apply(op, (o, r) -> {
                Config config = run.allocator.config();
                assertEquals(run.requests.keySet(),
                        new HashSet<>(run.allocator.allocations().stream().map(Allocation::service).toList()));
                for (Allocation allocation : run.allocator.allocations()) {
                    AllocationRequest request = run.requests.get(allocation.service());
                    AddressPool pool = config.pool(allocation.pool()).orElseThrow(() -> new AssertionError(
                            allocation + " names a pool the config does not have"));
                    for (IpAddress ip : allocation.ips()) {
                        assertTrue(pool.contains(ip), ip + " outside " + pool.name());
                        assertTrue(pool.mayAssign(ip), ip + " avoided by " + pool.name());
                    }
                    assertTrue(pool.allowsNamespace(allocation.service().namespace()), allocation + " namespace");
                    List<Family> wanted = request.addressFamilies();
                    List<Family> held = allocation.ips().stream().map(IpAddress::family).toList();
                    assertEquals(wanted.subList(0, held.size()), held, allocation + " families for " + request);
                    assertTrue(held.size() >= request.requiredFamilyCount(), allocation + " lacks a family " + request);
                    assertTrue(allocation.ips().containsAll(request.requestedIps()), allocation + " for " + request);
                    if (run.sinceReconfigure.contains(allocation.service())) {
                        request.requestedPool().ifPresent(name -> assertEquals(name, allocation.pool()));
                    }
                }
            });
        }
    }

    @Property(tries = 300)
    void twoAllocatorsFedTheSameSequenceAgreeExactly(@ForAll("operations") List<Op> ops) {
        Run one = new Run();
        Run two = new Run();
        for (Op op : ops) {
            one.apply(op, (o, r) -> { });
            two.apply(op, (o, r) -> { });
            assertEquals(one.results.get(one.results.size() - 1), two.results.get(two.results.size() - 1), op.toString());
            assertEquals(one.allocator.allocations(), two.allocator.allocations());
            assertEquals(one.allocator.usage(), two.allocator.usage());
        }
    }

    @Property(tries = 300)
    void releasingAndRequestingAgainFromTheSameStateGivesTheSameAnswer(
            @ForAll("operations") List<Op> ops, @ForAll("operations") List<Op> probes) {
        Run run = new Run();
        ops.forEach(op -> run.apply(op, (o, r) -> { }));
        for (Op probe : probes) {
            if (probe instanceof Assign assign) {
                ServiceKey service = assign.request().service();
                run.allocator.release(service);
                AllocationResult first = run.allocator.assign(assign.request());
                run.allocator.release(service);
                AllocationResult second = run.allocator.assign(assign.request());
                assertEquals(first, second, assign.request().toString());
                run.record(assign.request(), second, true);
            }
        }
    }

    @Property(tries = 400)
    void inUseCountsEqualARecountFromTheAllocations(@ForAll("operations") List<Op> ops) {
        Run run = new Run();
        for (Op op : ops) {
            run.apply(op, (o, r) -> {
                Config config = run.allocator.config();
                Set<IpAddress> held = holders(run.allocator, null).keySet();
                List<PoolUsage> expected = new ArrayList<>();
                for (AddressPool pool : config.pools()) {
                    for (Family family : Family.values()) {
                        if (pool.hasFamily(family)) {
                            long inUse = held.stream().filter(ip -> ip.family() == family && pool.contains(ip)).count();
                            expected.add(new PoolUsage(pool.name(), family, pool.size(family), inUse));
                        }
                    }
                }
                assertEquals(expected, run.allocator.usage());
            });
        }
    }

    /**
     * A fresh allocation (the Service held nothing) without requested addresses is exactly
     * what walking every address finds, so assign never reports a pool exhausted while a
     * suitable pool has a free or shareable address; and no POOL_EXHAUSTED at all is
     * spurious, whatever was requested.
     */
    @Property(tries = 500)
    void assignFindsWhatWalkingEveryAddressFinds(@ForAll("operations") List<Op> ops) {
        Run run = new Run();
        for (Op op : ops) {
            boolean fresh = op instanceof Assign a && !run.requests.containsKey(a.request().service());
            run.apply(op, (o, r) -> {
                if (!(o instanceof Assign assign)) {
                    return;
                }
                AllocationRequest request = assign.request();
                AllocationResult result = (AllocationResult) r;
                Map<IpAddress, List<ServiceKey>> holders = holders(run.allocator, request.service());
                if (fresh && request.requestedIps().isEmpty()) {
                    Optional<List<IpAddress>> expected = reference(run.allocator.config(), request, holders, run.requests);
                    if (expected.isPresent()) {
                        Assigned assigned = assertInstanceOf(Assigned.class, result, request.toString());
                        assertEquals(expected.get(), assigned.allocation().ips(), request.toString());
                    } else {
                        assertInstanceOf(Failed.class, result, request.toString());
                    }
                }
                if (result instanceof Failed failed && failed.reason() == FailureReason.POOL_EXHAUSTED) {
                    assertNoSuitablePoolHasRoom(run.allocator.config(), request, holders, run.requests, failed);
                }
            });
        }
    }

    // ---- the brute-force reference ----------------------------------------------------------

    /** Every address held, with its holders, leaving out one Service (or none). */
    private static Map<IpAddress, List<ServiceKey>> holders(Allocator allocator, ServiceKey except) {
        Map<IpAddress, List<ServiceKey>> holders = new TreeMap<>();
        for (Allocation allocation : allocator.allocations()) {
            if (allocation.service().equals(except)) {
                continue;
            }
            for (IpAddress ip : allocation.ips()) {
                holders.computeIfAbsent(ip, k -> new ArrayList<>()).add(allocation.service());
            }
        }
        return holders;
    }

    private static boolean compatible(AllocationRequest x, AllocationRequest y) {
        return x.sharing().isPresent() && x.sharing().equals(y.sharing()) && x.traffic().equals(y.traffic())
                && Collections.disjoint(x.ports().ports(), y.ports().ports());
    }

    /** The lowest address of the family in the pool that is free or shareable, by walking all of them. */
    private static Optional<IpAddress> lowestUsable(AddressPool pool, Family family, AllocationRequest request,
                                                    Map<IpAddress, List<ServiceKey>> holders,
                                                    Map<ServiceKey, AllocationRequest> requests) {
        for (IpRange range : pool.ranges()) {
            if (range.family() != family) {
                continue;
            }
            for (IpAddress ip = range.first(); ip != null && ip.compareTo(range.last()) <= 0; ip = ip.next().orElse(null)) {
                if (pool.mayAssign(ip) && holders.getOrDefault(ip, List.of()).stream()
                        .allMatch(holder -> compatible(request, requests.get(holder)))) {
                    return Optional.of(ip);
                }
            }
        }
        return Optional.empty();
    }

    private static List<AddressPool> candidatePools(Config config, AllocationRequest request) {
        List<AddressPool> pools;
        if (!request.requestedIps().isEmpty()) {
            pools = config.poolContaining(request.requestedIps().get(0)).stream().toList();
        } else if (request.requestedPool().isPresent()) {
            pools = config.pool(request.requestedPool().get()).stream().toList();
        } else {
            pools = config.pools().stream().filter(AddressPool::autoAssign).toList();
        }
        List<Family> required = request.addressFamilies().subList(0, request.requiredFamilyCount());
        return pools.stream()
                .filter(p -> p.allowsNamespace(request.service().namespace()))
                .filter(p -> required.stream().allMatch(p::hasFamily))
                .toList();
    }

    private static Optional<List<IpAddress>> reference(Config config, AllocationRequest request,
                                                       Map<IpAddress, List<ServiceKey>> holders,
                                                       Map<ServiceKey, AllocationRequest> requests) {
        List<Family> wanted = request.addressFamilies();
        int required = request.requiredFamilyCount();
        List<AddressPool> pools = candidatePools(config, request);
        if (request.familyPolicy() == FamilyPolicy.PREFER_DUAL_STACK && wanted.size() == 2) {
            for (AddressPool pool : pools) {
                if (pool.hasFamily(wanted.get(1))) {
                    Optional<IpAddress> first = lowestUsable(pool, wanted.get(0), request, holders, requests);
                    Optional<IpAddress> second = lowestUsable(pool, wanted.get(1), request, holders, requests);
                    if (first.isPresent() && second.isPresent()) {
                        return Optional.of(List.of(first.get(), second.get()));
                    }
                }
            }
        }
        for (AddressPool pool : pools) {
            List<IpAddress> ips = new ArrayList<>();
            boolean complete = true;
            for (int i = 0; i < wanted.size(); i++) {
                if (!pool.hasFamily(wanted.get(i))) {
                    continue;
                }
                Optional<IpAddress> ip = lowestUsable(pool, wanted.get(i), request, holders, requests);
                if (ip.isPresent()) {
                    ips.add(ip.get());
                } else if (i < required) {
                    complete = false;
                    break;
                }
            }
            if (complete) {
                return Optional.of(ips);
            }
        }
        return Optional.empty();
    }

    private static void assertNoSuitablePoolHasRoom(Config config, AllocationRequest request,
                                                    Map<IpAddress, List<ServiceKey>> holders,
                                                    Map<ServiceKey, AllocationRequest> requests, Failed failed) {
        List<Family> required = request.addressFamilies().subList(0, request.requiredFamilyCount());
        Set<Family> pinned = new HashSet<>();
        request.requestedIps().forEach(ip -> pinned.add(ip.family()));
        for (AddressPool pool : candidatePools(config, request)) {
            boolean room = required.stream().filter(f -> !pinned.contains(f))
                    .allMatch(f -> lowestUsable(pool, f, request, holders, requests).isPresent());
            assertFalse(room, "pool " + pool.name() + " had room for " + request + ", yet: " + failed.message());
        }
        if (candidatePools(config, request).isEmpty()) {
            fail("POOL_EXHAUSTED with no suitable pool at all: " + failed.message());
        }
    }
}
