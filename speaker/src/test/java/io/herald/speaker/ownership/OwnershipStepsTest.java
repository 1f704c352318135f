package io.herald.speaker.ownership;

import static io.herald.speaker.ownership.Fixtures.cluster;
import static io.herald.speaker.ownership.Fixtures.config;
import static io.herald.speaker.ownership.Fixtures.documentedWinner;
import static io.herald.speaker.ownership.Fixtures.ip;
import static io.herald.speaker.ownership.Fixtures.local;
import static io.herald.speaker.ownership.Fixtures.pool;
import static io.herald.speaker.ownership.Fixtures.ready;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.config.Config;
import io.herald.common.ip.IpAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Ordered steps against changing observations, as a speaker lives through them. */
class OwnershipStepsTest {
    static final Config CONFIG = config(pool("default", "198.18.0.0/24"));
    static final List<NodeInfo> NODES = List.of(ready("n1"), ready("n2"), ready("n3"));
    static final Set<String> ALL = Set.of("n1", "n2", "n3");
    static final IpAddress VIP = ip("198.18.0.10");
    static final long SECOND = 1_000_000_000L;
    static final long MILLI = 1_000_000L;
    static final long DURATION = 6 * SECOND;
    static final long T0 = 987_654_321_000L;

    record Step(String does, Set<String> endpointNodes, Optional<String> owner) {}

    @Test
    void localPolicyFollowsTheEndpoints() {
        List<Step> steps = List.of(
                new Step("the only endpoint runs on n2", Set.of("n2"), Optional.of("n2")),
                new Step("the pod moves to n3: so does the VIP", Set.of("n3"), Optional.of("n3")),
                new Step("a second replica on n1: the hash picks between n1 and n3", Set.of("n1", "n3"),
                        Optional.of(documentedWinner(VIP, Set.of("n1", "n3")))),
                new Step("scaled to zero: nobody announces", Set.of(), Optional.empty()),
                new Step("back on n2", Set.of("n2"), Optional.of("n2")));
        for (Step step : steps) {
            Ownership ownership = Ownership.decide(CONFIG, NODES, ALL,
                    List.of(local("shop/web", step.endpointNodes(), "198.18.0.10")));
            assertEquals(step.owner(), ownership.owner(VIP), step.does());
        }
    }

    @Test
    void aNodeThatStopsRenewingLosesItsVipsOneDurationAfterTheLastRenewalItWasSeenToMake() {
        List<LoadBalancerService> services = twentyServices();
        // Every node renews at 0 and 2 s; the wall-clock renewTimes they write are nonsense on purpose.
        Membership m = Membership.EMPTY;
        for (String node : ALL) {
            m = m.observe(node, "2999-12-31T23:59:59Z", DURATION, T0)
                    .observe(node, "1970-01-01T00:00:00Z", DURATION, T0 + 2 * SECOND);
        }
        Ownership before = Ownership.decide(CONFIG, NODES, m.liveAt(T0 + 2 * SECOND), services);
        SortedSet<IpAddress> n1Vips = before.announcedBy("n1");
        assertFalse(n1Vips.isEmpty());
        // n2 and n3 keep renewing every 2 s; n1 falls silent after 2 s.
        for (long t = 4; t <= 10; t += 2) {
            m = m.observe("n1", "1970-01-01T00:00:00Z", DURATION, T0 + t * SECOND);
            for (String node : List.of("n2", "n3")) {
                m = m.observe(node, "renew at " + t, DURATION, T0 + t * SECOND);
            }
        }
        Ownership stillThere = Ownership.decide(CONFIG, NODES, m.liveAt(T0 + 8 * SECOND - 1), services);
        assertEquals(before, stillThere, "n1 still counts just before 2 s + 6 s");
        Ownership after = Ownership.decide(CONFIG, NODES, m.liveAt(T0 + 8 * SECOND), services);
        assertEquals(Set.of(), after.announcedBy("n1"));
        assertMovedOnly(before, after, n1Vips);
    }

    @Test
    void aDeletedLeaseHandsItsVipsOverAtOnce() {
        List<LoadBalancerService> services = twentyServices();
        Membership m = Membership.EMPTY;
        for (String node : ALL) {
            m = m.observe(node, "r1", DURATION, T0);
        }
        Ownership before = Ownership.decide(CONFIG, NODES, m.liveAt(T0), services);
        m = m.deleted("n2"); // its speaker stopped on SIGTERM
        Ownership after = Ownership.decide(CONFIG, NODES, m.liveAt(T0 + MILLI), services);
        assertEquals(Set.of(), after.announcedBy("n2"));
        assertMovedOnly(before, after, before.announcedBy("n2"));
    }

    static Stream<Arguments> selfFencing() {
        String owner = documentedWinner(VIP, ALL);
        String other = ALL.stream().filter(n -> !n.equals(owner)).sorted().findFirst().orElseThrow();
        return Stream.of(
                Arguments.of("the hash picks me and my Lease is fresh: announce",
                        owner, (UnaryOperator<OwnLease>) l -> l.renewed(T0, DURATION), 5 * SECOND, true),
                Arguments.of("the hash picks another node: stay silent",
                        other, (UnaryOperator<OwnLease>) l -> l.renewed(T0, DURATION), 5 * SECOND, false),
                Arguments.of("the hash picks me but my Lease went stale by my clock: stay silent",
                        owner, (UnaryOperator<OwnLease>) l -> l.renewed(T0, DURATION), 6 * SECOND, false),
                Arguments.of("the hash picks me but I never managed to renew: stay silent",
                        owner, (UnaryOperator<OwnLease>) l -> l, 0L, false),
                Arguments.of("the hash picks me but I released my Lease to stop: stay silent",
                        owner, (UnaryOperator<OwnLease>) l -> l.renewed(T0, DURATION).released(), SECOND, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("selfFencing")
    void announcesOnlyWhileItsOwnLeaseIsFresh(String behaviour, String self, UnaryOperator<OwnLease> history,
                                             long nanosAfterT0, boolean announces) {
        Ownership ownership = Ownership.decide(CONFIG, NODES, ALL, List.of(cluster("shop/web", "198.18.0.10")));
        OwnLease own = history.apply(OwnLease.notHeld(self));
        long now = T0 + nanosAfterT0;
        assertEquals(announces, ownership.shouldAnnounce(VIP, own, now));
        assertEquals(announces ? Set.of(VIP) : Set.of(), ownership.toAnnounce(own, now));
        assertFalse(ownership.shouldAnnounce(ip("198.18.0.99"), own, now), "a VIP no Service has");
    }

    /**
     * Two speakers, one of which loses the API server: its renewals stop succeeding, but
     * its own clock and its view of the Leases go on. Writes reach the API server 100 ms
     * after they are sent, replies come back at 200 ms, watch events arrive at 300 ms.
     * At no instant may both answer for one VIP, and the survivor must take every VIP
     * within one duration plus the watch delay.
     */
    @Test
    void aSpeakerCutOffFromTheApiFallsSilentBeforeAnyOtherTakesOver() {
        List<NodeInfo> nodes = List.of(ready("n1"), ready("n2"));
        List<LoadBalancerService> services = twentyServices();
        long cutOff = T0 + 5 * SECOND; // n1's requests from here on fail
        long watchDelay = 300 * MILLI;
        long replyDelay = 200 * MILLI;

        Map<String, List<Long>> sent = new HashMap<>(); // successful renewals per node, by send time
        for (String node : List.of("n1", "n2")) {
            List<Long> times = new ArrayList<>();
            for (long t = T0; t < T0 + 20 * SECOND; t += 2 * SECOND) {
                if (node.equals("n2") || t < cutOff) {
                    times.add(t);
                }
            }
            sent.put(node, times);
        }

        boolean n2HadItAll = false;
        for (long now = T0 + watchDelay; now <= T0 + 20 * SECOND; now += 10 * MILLI) {
            Map<String, SortedSet<IpAddress>> announcing = new HashMap<>();
            for (String self : List.of("n1", "n2")) {
                Membership seen = Membership.EMPTY;
                for (String node : List.of("n1", "n2")) {
                    for (long t : sent.get(node)) {
                        if (t + watchDelay <= now) {
                            seen = seen.observe(node, "renewed " + t, DURATION, t + watchDelay);
                        }
                    }
                }
                OwnLease own = OwnLease.notHeld(self);
                for (long t : sent.get(self)) {
                    if (t + replyDelay <= now) {
                        own = own.renewed(t, DURATION);
                    }
                }
                Ownership ownership = Ownership.decide(CONFIG, nodes, seen.liveAt(now), services);
                announcing.put(self, ownership.toAnnounce(own, now));
            }
            for (IpAddress vip : announcing.get("n1")) {
                assertFalse(announcing.get("n2").contains(vip), vip + " answered by both at +" + (now - T0) / MILLI + " ms");
            }
            if (now < T0 + 4 * SECOND + DURATION) { // n1's last good renewal was sent at 4 s
                assertFalse(announcing.get("n1").isEmpty(), "n1 still serves at +" + (now - T0) / MILLI + " ms");
            }
            if (now >= T0 + 4 * SECOND + watchDelay + DURATION) { // and seen by n2 at 4.3 s
                assertEquals(20, announcing.get("n2").size(), "n2 has every VIP at +" + (now - T0) / MILLI + " ms");
                n2HadItAll = true;
            }
        }
        assertTrue(n2HadItAll);
    }

    private static List<LoadBalancerService> twentyServices() {
        return IntStream.rangeClosed(1, 20)
                .mapToObj(i -> (LoadBalancerService) cluster("shop/s" + i, "198.18.0." + i))
                .toList();
    }

    /** Only the given VIPs changed owner; every other decision is the same. */
    private static void assertMovedOnly(Ownership before, Ownership after, Set<IpAddress> moved) {
        assertEquals(before.decisions().keySet(), after.decisions().keySet());
        for (IpAddress vip : before.decisions().keySet()) {
            if (moved.contains(vip)) {
                assertTrue(after.owner(vip).isPresent(), vip + " has a new owner");
                assertFalse(after.owner(vip).equals(before.owner(vip)), vip + " moved");
            } else {
                assertEquals(before.decisions().get(vip), after.decisions().get(vip), vip + " stayed");
            }
        }
    }
}
