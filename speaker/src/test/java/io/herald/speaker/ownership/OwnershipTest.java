package io.herald.speaker.ownership;

import static io.herald.speaker.ownership.Fixtures.EXCLUDE;
import static io.herald.speaker.ownership.Fixtures.cluster;
import static io.herald.speaker.ownership.Fixtures.clusterWithoutEndpoints;
import static io.herald.speaker.ownership.Fixtures.config;
import static io.herald.speaker.ownership.Fixtures.documentedWinner;
import static io.herald.speaker.ownership.Fixtures.expressions;
import static io.herald.speaker.ownership.Fixtures.ip;
import static io.herald.speaker.ownership.Fixtures.labels;
import static io.herald.speaker.ownership.Fixtures.local;
import static io.herald.speaker.ownership.Fixtures.notReady;
import static io.herald.speaker.ownership.Fixtures.pool;
import static io.herald.speaker.ownership.Fixtures.ready;
import static io.herald.speaker.ownership.Fixtures.requirement;
import static io.herald.common.config.NodeSelector.Operator.DoesNotExist;
import static io.herald.common.config.NodeSelector.Operator.Exists;
import static io.herald.common.config.NodeSelector.Operator.In;
import static io.herald.common.config.NodeSelector.Operator.NotIn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.herald.common.config.Config;
import io.herald.common.ip.IpAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OwnershipTest {
    static final Config CONFIG = config(
            pool("default", "198.18.0.0/24"),
            pool("edge", "198.18.1.0/24", labels(Map.of("pool", "edge"))),
            pool("zoned", "198.18.2.0/24",
                    expressions(requirement("zone", In, "a", "b"), requirement("gpu", DoesNotExist))),
            pool("either", "198.18.3.0/24",
                    labels(Map.of("rack", "r1")), expressions(requirement("edge-router", Exists))),
            pool("not-c", "198.18.4.0/24", expressions(requirement("zone", NotIn, "c"))),
            pool("v6", "2001:db8::/120"));

    static final String DEFAULT = "198.18.0.10";
    static final String EDGE = "198.18.1.10";
    static final String ZONED = "198.18.2.10";
    static final String EITHER = "198.18.3.10";
    static final String NOT_C = "198.18.4.10";
    static final String OUTSIDE = "198.18.9.9";

    static final NodeInfo N1 = ready("n1", Map.of("pool", "edge", "zone", "a", "rack", "r1"));
    static final NodeInfo N2 = ready("n2", Map.of("pool", "core", "zone", "b", "gpu", "true"));
    static final NodeInfo N3 = ready("n3", Map.of("zone", "c", "edge-router", ""));
    static final NodeInfo N4 = ready("n4", Map.of("pool", "edge", "zone", "b"));
    static final List<NodeInfo> NODES = List.of(N1, N2, N3, N4);
    static final Set<String> ALL = Set.of("n1", "n2", "n3", "n4");

    /** What a case expects for its VIP. */
    sealed interface Expect {}

    /**
     * These nodes, and only these, may own the VIP; the hash picks among them. Once all of
     * them are gone, {@code then} (if not null) is the next set: with shared IPs, who
     * serves the most Services depends on who is left.
     */
    record Candidates(Set<String> nodes, Candidates then) implements Expect {
        Candidates then(String... next) {
            return new Candidates(nodes, candidates(next));
        }
    }

    record NoOwner(NoOwnerReason reason, String message) implements Expect {}

    static Candidates candidates(String... nodes) {
        return new Candidates(Set.of(nodes), null);
    }

    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of("every live, Ready node is a candidate for a Cluster Service",
                        NODES, ALL, List.of(cluster("shop/a", DEFAULT)), DEFAULT, candidates("n1", "n2", "n3", "n4")),
                Arguments.of("a node without a live speaker Lease is not a candidate",
                        NODES, Set.of("n1", "n2"), List.of(cluster("shop/a", DEFAULT)), DEFAULT, candidates("n1", "n2")),
                Arguments.of("a live Lease without a Node object is not a candidate",
                        List.of(N1, N2), Set.of("n1", "n2", "ghost"), List.of(cluster("shop/a", DEFAULT)), DEFAULT,
                        candidates("n1", "n2")),
                Arguments.of("a NotReady node is not a candidate",
                        List.of(N1, notReady("n2"), N3, N4), ALL, List.of(cluster("shop/a", DEFAULT)), DEFAULT,
                        candidates("n1", "n3", "n4")),
                Arguments.of("a node labelled exclude-from-external-load-balancers is not a candidate",
                        List.of(N1, ready("n2", Map.of(EXCLUDE, "")), N3, N4), ALL, List.of(cluster("shop/a", DEFAULT)),
                        DEFAULT, candidates("n1", "n3", "n4")),
                Arguments.of("the exclusion label counts whatever its value, even false",
                        List.of(N1, ready("n2", Map.of(EXCLUDE, "false")), N3, N4), ALL,
                        List.of(cluster("shop/a", DEFAULT)), DEFAULT, candidates("n1", "n3", "n4")),
                Arguments.of("match-labels: only nodes with the pool's labels",
                        NODES, ALL, List.of(cluster("shop/a", EDGE)), EDGE, candidates("n1", "n4")),
                Arguments.of("match-expressions In and DoesNotExist must both hold",
                        NODES, ALL, List.of(cluster("shop/a", ZONED)), ZONED, candidates("n1", "n4")),
                Arguments.of("match-expressions NotIn also matches nodes without the label",
                        List.of(N1, N2, N3, N4, ready("n5")), Set.of("n1", "n2", "n3", "n4", "n5"),
                        List.of(cluster("shop/a", NOT_C)), NOT_C, candidates("n1", "n2", "n4", "n5")),
                Arguments.of("with several node-selectors, matching any one suffices",
                        NODES, ALL, List.of(cluster("shop/a", EITHER)), EITHER, candidates("n1", "n3")),
                Arguments.of("IPv6 VIPs follow the same rules",
                        NODES, Set.of("n2", "n3"), List.of(cluster("shop/a", "2001:db8::10")), "2001:db8::10",
                        candidates("n2", "n3")),
                Arguments.of("Local: only nodes that run a ready endpoint",
                        NODES, ALL, List.of(local("shop/a", Set.of("n2", "n3"), DEFAULT)), DEFAULT, candidates("n2", "n3")),
                Arguments.of("Local: an endpoint on a node that may not announce does not count",
                        List.of(N1, N2, N3, N4, ready("n5", Map.of("pool", "edge", EXCLUDE, ""))),
                        Set.of("n1", "n2", "n3", "n5"),
                        List.of(local("shop/a", Set.of("n1", "n2", "n4", "n5"), EDGE)), EDGE, candidates("n1")),
                Arguments.of("shared IP, Local Services with the same endpoints: those nodes",
                        NODES, ALL, List.of(local("shop/a", Set.of("n1", "n2"), DEFAULT), local("shop/b", Set.of("n1", "n2"), DEFAULT)),
                        DEFAULT, candidates("n1", "n2")),
                Arguments.of("shared IP, Local endpoints diverging mid-rollout: the nodes that serve both",
                        NODES, ALL, List.of(local("shop/a", Set.of("n1", "n2"), DEFAULT), local("shop/b", Set.of("n2", "n3"), DEFAULT)),
                        DEFAULT, candidates("n2").then("n1", "n3")),
                Arguments.of("shared IP, Local endpoints on different nodes: any node that serves one beats none",
                        NODES, ALL, List.of(local("shop/a", Set.of("n1"), DEFAULT), local("shop/b", Set.of("n3"), DEFAULT)),
                        DEFAULT, candidates("n1", "n3")),
                Arguments.of("shared IP, Cluster beside Local: the Local Service's nodes, which serve both",
                        NODES, ALL, List.of(cluster("shop/a", DEFAULT), local("shop/b", Set.of("n3"), DEFAULT)),
                        DEFAULT, candidates("n3").then("n1", "n2", "n4")),
                Arguments.of("shared IP, a Cluster Service with endpoints beside one without: every node",
                        NODES, ALL, List.of(cluster("shop/a", DEFAULT), clusterWithoutEndpoints("shop/b", DEFAULT)),
                        DEFAULT, candidates("n1", "n2", "n3", "n4")),
                Arguments.of("shared IP, a Local Service without endpoints beside a Cluster one: every node",
                        NODES, ALL, List.of(cluster("shop/a", DEFAULT), local("shop/b", Set.of(), DEFAULT)),
                        DEFAULT, candidates("n1", "n2", "n3", "n4")),
                Arguments.of("a VIP in no pool of the config has no owner",
                        NODES, ALL, List.of(cluster("shop/a", OUTSIDE)), OUTSIDE,
                        new NoOwner(NoOwnerReason.NOT_IN_ANY_POOL, "198.18.9.9 is in no address pool of the current config")),
                Arguments.of("being in no pool is reported before anything else",
                        List.of(), Set.of(), List.of(clusterWithoutEndpoints("shop/a", OUTSIDE)), OUTSIDE,
                        new NoOwner(NoOwnerReason.NOT_IN_ANY_POOL, "198.18.9.9 is in no address pool of the current config")),
                Arguments.of("no ready endpoint anywhere (Cluster): no owner",
                        NODES, ALL, List.of(clusterWithoutEndpoints("shop/a", DEFAULT)), DEFAULT,
                        new NoOwner(NoOwnerReason.NO_READY_ENDPOINT, "no ready endpoint for shop/a")),
                Arguments.of("no ready endpoint anywhere (Local, shared): no owner",
                        NODES, ALL, List.of(local("shop/b", Set.of(), DEFAULT), local("shop/a", Set.of(), DEFAULT)), DEFAULT,
                        new NoOwner(NoOwnerReason.NO_READY_ENDPOINT, "no ready endpoint for shop/a, shop/b")),
                Arguments.of("no live speaker Lease: no owner",
                        NODES, Set.of(), List.of(cluster("shop/a", DEFAULT)), DEFAULT,
                        new NoOwner(NoOwnerReason.NO_LIVE_NODE, "no node has a live speaker Lease")),
                Arguments.of("live Leases but no Node objects: no owner",
                        List.of(), ALL, List.of(cluster("shop/a", DEFAULT)), DEFAULT,
                        new NoOwner(NoOwnerReason.NO_LIVE_NODE, "no node has a live speaker Lease")),
                Arguments.of("every live node NotReady: no owner",
                        List.of(notReady("n1"), notReady("n2"), N3), Set.of("n1", "n2"), List.of(cluster("shop/a", DEFAULT)),
                        DEFAULT, new NoOwner(NoOwnerReason.NO_READY_NODE, "every node with a live speaker is NotReady")),
                Arguments.of("every live, Ready node excluded: no owner",
                        List.of(notReady("n1"), ready("n2", Map.of(EXCLUDE, "true"))), Set.of("n1", "n2"),
                        List.of(cluster("shop/a", DEFAULT)), DEFAULT,
                        new NoOwner(NoOwnerReason.ALL_EXCLUDED,
                                "every live, Ready node is labelled node.kubernetes.io/exclude-from-external-load-balancers")),
                Arguments.of("no live node matches the pool's node-selectors: no owner",
                        NODES, Set.of("n2", "n3"), List.of(cluster("shop/a", EDGE)), EDGE,
                        new NoOwner(NoOwnerReason.NO_NODE_MATCHES_POOL,
                                "no live, Ready node matches the node-selectors of address pool edge")),
                Arguments.of("Local with ready endpoints only where no speaker may announce: no owner",
                        NODES, Set.of("n1", "n2", "n3"), List.of(local("shop/a", Set.of("n4"), DEFAULT)), DEFAULT,
                        new NoOwner(NoOwnerReason.NO_LOCAL_ENDPOINT,
                                "no ready endpoint on a node that may announce (externalTrafficPolicy: Local); ready endpoints run on n4")),
                Arguments.of("the reason names at most five endpoint nodes",
                        NODES, ALL, List.of(local("shop/a", Set.of("e1", "e2", "e3", "e4", "e5", "e6", "e7"), DEFAULT)), DEFAULT,
                        new NoOwner(NoOwnerReason.NO_LOCAL_ENDPOINT,
                                "no ready endpoint on a node that may announce (externalTrafficPolicy: Local); "
                                        + "ready endpoints run on e1, e2, e3, e4, e5 and 2 more")));
    }

    /**
     * For a candidate set the owner must be the documented winner; taking the owner's
     * Lease away must then hand the VIP to the next candidate in hash order, and so on
     * until none is left and the VIP has no owner, which proves the candidate set is
     * exactly the expected one.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void decidesByTheRules(String behaviour, List<NodeInfo> nodes, Set<String> live, List<LoadBalancerService> services,
                           String vipText, Expect expect) {
        IpAddress vip = ip(vipText);
        if (expect instanceof NoOwner noOwner) {
            OwnerDecision decision = Ownership.decide(CONFIG, nodes, live, services).decisions().get(vip);
            OwnerDecision.Unowned unowned = assertInstanceOf(OwnerDecision.Unowned.class, decision);
            assertEquals(noOwner.reason(), unowned.reason());
            assertEquals(noOwner.message(), unowned.message());
            return;
        }
        Set<String> stillLive = new HashSet<>(live);
        for (Candidates tier = (Candidates) expect; tier != null; tier = tier.then()) {
            Set<String> remaining = new HashSet<>(tier.nodes());
            while (!remaining.isEmpty()) {
                String expected = documentedWinner(vip, remaining);
                assertEquals(expected, Ownership.decide(CONFIG, nodes, stillLive, services).owner(vip).orElse(null),
                        "owner among " + new TreeSet<>(remaining));
                remaining.remove(expected);
                stillLive.remove(expected);
            }
        }
        assertInstanceOf(OwnerDecision.Unowned.class, Ownership.decide(CONFIG, nodes, stillLive, services).decisions().get(vip),
                "no owner once every expected candidate is gone");
    }

    @Test
    void servicesSharingAnIpGetOneDecisionAndMoveTogether() {
        List<LoadBalancerService> services = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            String vip = "198.18.0." + i;
            services.add(cluster("shop/web-" + i, vip));
            services.add(cluster("shop/api-" + i, vip, "2001:db8::" + Integer.toHexString(i)));
        }
        Ownership ownership = Ownership.decide(CONFIG, NODES, ALL, services);
        assertEquals(100, ownership.decisions().size()); // 50 shared IPv4 + 50 IPv6 of their own
        for (int i = 1; i <= 50; i++) {
            OwnerDecision shared = ownership.decisions().get(ip("198.18.0." + i));
            assertEquals(List.of("shop/api-" + i, "shop/web-" + i), shared.services());
        }
        Set<IpAddress> announced = ALL.stream().flatMap(n -> ownership.announcedBy(n).stream()).collect(Collectors.toSet());
        assertEquals(ownership.decisions().keySet(), announced, "every VIP announced by exactly one node");
        assertEquals(100, ALL.stream().mapToInt(n -> ownership.announcedBy(n).size()).sum());
    }

    @Test
    void announcedByListsTheOwnedVipsInAddressOrder() {
        List<LoadBalancerService> services = IntStream.rangeClosed(1, 20)
                .mapToObj(i -> (LoadBalancerService) cluster("shop/s" + i, "198.18.0." + i)).toList();
        Ownership ownership = Ownership.decide(CONFIG, NODES, ALL, services);
        for (String node : ALL) {
            List<IpAddress> expected = ownership.decisions().values().stream()
                    .filter(d -> d instanceof OwnerDecision.Owned owned && owned.node().equals(node))
                    .map(OwnerDecision::vip).sorted().toList();
            assertEquals(expected, List.copyOf(ownership.announcedBy(node)));
        }
        assertEquals(Set.of(), ownership.announcedBy("n9"));
    }

    @Test
    void refusesAmbiguousInput() {
        assertThrows(IllegalArgumentException.class,
                () -> Ownership.decide(CONFIG, List.of(N1, ready("n1")), ALL, List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> Ownership.decide(CONFIG, NODES, ALL, List.of(cluster("shop/a", DEFAULT), cluster("shop/a", EDGE))));
    }
}
