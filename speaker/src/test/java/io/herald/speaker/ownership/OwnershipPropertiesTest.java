package io.herald.speaker.ownership;

import static io.herald.speaker.ownership.Fixtures.EXCLUDE;
import static io.herald.speaker.ownership.Fixtures.config;
import static io.herald.speaker.ownership.Fixtures.labels;
import static io.herald.speaker.ownership.Fixtures.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.config.Config;
import io.herald.common.ip.IpAddress;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Invariants of ownership over generated clusters. */
class OwnershipPropertiesTest {
    /** VIPs in 198.18/16 may be announced only from nodes labelled lab=yes; those in 198.19/16 from any node. */
    static final Config CONFIG = config(pool("lab", "198.18.0.0/16", labels(Map.of("lab", "yes"))), pool("any", "198.19.0.0/16"));
    static final IpAddress LAB = IpAddress.parse("198.18.0.0");
    static final IpAddress ANY = IpAddress.parse("198.19.0.0");

    record GenNode(String name, boolean live, boolean notReady, boolean excluded, boolean lab) {
        NodeInfo info(boolean reverseLabels) {
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put("kubernetes.io/hostname", name);
            if (excluded) {
                labels.put(EXCLUDE, "");
            }
            if (lab) {
                labels.put("lab", "yes");
            }
            if (reverseLabels) {
                List<Map.Entry<String, String>> entries = new ArrayList<>(labels.entrySet());
                Collections.reverse(entries);
                labels = new LinkedHashMap<>();
                for (Map.Entry<String, String> e : entries) {
                    labels.put(e.getKey(), e.getValue());
                }
            }
            return new NodeInfo(name, labels, notReady);
        }

        boolean eligibleFor(IpAddress vip) {
            return live && !notReady && !excluded && (lab || !CONFIG.pool("lab").orElseThrow().contains(vip));
        }
    }

    /**
     * A Service on a few VIPs drawn from small offsets of both pools, so that Services
     * often share one; Local ones name endpoint nodes, some of them unknown to the cluster.
     */
    record GenService(Set<IpAddress> vips, boolean local, Set<String> endpointNodes, boolean clusterHasEndpoint) {
        LoadBalancerService build(String name) {
            return local
                    ? new LoadBalancerService.Local(name, vips, endpointNodes)
                    : new LoadBalancerService.Cluster(name, vips, clusterHasEndpoint);
        }
    }

    record GenCluster(List<GenNode> nodes, List<GenService> services) {
        List<NodeInfo> nodeInfos() {
            return nodes.stream().map(n -> n.info(false)).toList();
        }

        Set<String> live() {
            Set<String> live = new TreeSet<>();
            nodes.stream().filter(GenNode::live).forEach(n -> live.add(n.name()));
            return live;
        }

        List<LoadBalancerService> lbServices() {
            List<LoadBalancerService> out = new ArrayList<>();
            for (int i = 0; i < services.size(); i++) {
                out.add(services.get(i).build("ns/s" + i));
            }
            return out;
        }
    }

    static Arbitrary<String> nodeNames() {
        return Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('-').ofMinLength(1).ofMaxLength(20)
                .filter(s -> Character.isLetterOrDigit(s.charAt(0)));
    }

    static Arbitrary<Boolean> mostly(int percent) {
        return Arbitraries.integers().between(1, 100).map(i -> i <= percent);
    }

    @Provide
    Arbitrary<GenCluster> clusters() {
        Arbitrary<GenNode> node = Combinators.combine(nodeNames(), mostly(80), mostly(15), mostly(15), mostly(50))
                .as(GenNode::new);
        return node.list().ofMinSize(0).ofMaxSize(8).uniqueElements(GenNode::name).flatMap(nodes -> {
            List<String> names = new ArrayList<>(nodes.stream().map(GenNode::name).toList());
            names.add("not-a-node");
            Arbitrary<IpAddress> vip = Combinators.combine(Arbitraries.of(LAB, ANY), Arbitraries.integers().between(1, 12))
                    .as((base, offset) -> base.plus(BigInteger.valueOf(offset)));
            Arbitrary<GenService> service = Combinators.combine(
                    vip.set().ofMinSize(1).ofMaxSize(2),
                    Arbitraries.of(true, false),
                    Arbitraries.of(names).set().ofMaxSize(names.size()),
                    mostly(85)).as(GenService::new);
            return service.list().ofMaxSize(25).map(services -> new GenCluster(nodes, services));
        });
    }

    @Provide
    Arbitrary<List<String>> names() {
        return nodeNames().list().ofMinSize(2).ofMaxSize(9).uniqueElements();
    }

    @Provide
    Arbitrary<List<LoadBalancerService>> clusterServices() {
        return Arbitraries.integers().between(0, 0xffff).set().ofMinSize(1).ofMaxSize(150).map(offsets -> {
            List<LoadBalancerService> services = new ArrayList<>();
            for (int offset : offsets) {
                services.add(new LoadBalancerService.Cluster("ns/s" + offset,
                        Set.of(ANY.plus(BigInteger.valueOf(offset))), true));
            }
            return services;
        });
    }

    @Property(tries = 300) // each try hashes up to 150 VIPs for 9 nodes, twice
    void removingANodeMovesOnlyThatNodesVips(@ForAll("names") List<String> names,
                                             @ForAll("clusterServices") List<LoadBalancerService> services,
                                             @ForAll Random random) {
        List<NodeInfo> nodes = names.stream().map(Fixtures::ready).toList();
        String gone = names.get(random.nextInt(names.size()));
        Set<String> left = new HashSet<>(names);
        left.remove(gone);
        Ownership before = Ownership.decide(CONFIG, nodes, Set.copyOf(names), services);
        Ownership after = Ownership.decide(CONFIG, nodes, left, services);
        for (IpAddress vip : before.decisions().keySet()) {
            String was = before.owner(vip).orElseThrow();
            String is = after.owner(vip).orElseThrow();
            if (was.equals(gone)) {
                assertNotEquals(gone, is);
            } else {
                assertEquals(was, is, vip + " moved although " + gone + " was not its owner");
            }
        }
    }

    @Property(tries = 300) // each try hashes up to 150 VIPs for 9 nodes, twice
    void aNewNodeTakesVipsOnlyForItself(@ForAll("names") List<String> names,
                                        @ForAll("clusterServices") List<LoadBalancerService> services) {
        String newcomer = names.get(0);
        List<NodeInfo> nodes = names.stream().map(Fixtures::ready).toList();
        Set<String> before = new HashSet<>(names);
        before.remove(newcomer);
        Ownership without = Ownership.decide(CONFIG, nodes, before, services);
        Ownership with = Ownership.decide(CONFIG, nodes, Set.copyOf(names), services);
        for (IpAddress vip : with.decisions().keySet()) {
            String owner = with.owner(vip).orElseThrow();
            assertTrue(owner.equals(newcomer) || owner.equals(without.owner(vip).orElseThrow()),
                    vip + " moved between two old nodes when " + newcomer + " joined");
        }
    }

    @Property
    void theOrderOfTheInputsDoesNotMatter(@ForAll("clusters") GenCluster cluster, @ForAll Random random) {
        Ownership first = Ownership.decide(CONFIG, cluster.nodeInfos(), cluster.live(), cluster.lbServices());

        List<NodeInfo> nodes = new ArrayList<>(cluster.nodes().stream().map(n -> n.info(true)).toList());
        Collections.shuffle(nodes, random);
        List<String> liveOrder = new ArrayList<>(cluster.live());
        Collections.shuffle(liveOrder, random);
        List<LoadBalancerService> services = new ArrayList<>();
        for (int i = 0; i < cluster.services().size(); i++) {
            GenService s = cluster.services().get(i);
            List<String> endpoints = new ArrayList<>(s.endpointNodes());
            Collections.shuffle(endpoints, random);
            services.add(new GenService(s.vips(), s.local(), new LinkedHashSet<>(endpoints), s.clusterHasEndpoint())
                    .build("ns/s" + i));
        }
        Collections.shuffle(services, random);
        Ownership second = Ownership.decide(CONFIG, nodes, new LinkedHashSet<>(liveOrder), services);

        assertEquals(first, second);
        for (NodeInfo node : nodes) {
            assertEquals(first.announcedBy(node.name()), second.announcedBy(node.name()));
        }
    }

    /**
     * The owner is always an eligible node from which the most of the VIP's Services are
     * reachable; a VIP goes dark only when no eligible node serves any of its Services.
     */
    @Property
    void theOwnerIsEligibleAndServesTheMost(@ForAll("clusters") GenCluster cluster) {
        List<LoadBalancerService> services = cluster.lbServices();
        Ownership ownership = Ownership.decide(CONFIG, cluster.nodeInfos(), cluster.live(), services);
        for (OwnerDecision decision : ownership.decisions().values()) {
            IpAddress vip = decision.vip();
            List<LoadBalancerService> onVip = services.stream().filter(s -> s.vips().contains(vip)).toList();
            long most = 0;
            for (GenNode node : cluster.nodes()) {
                if (node.eligibleFor(vip)) {
                    most = Math.max(most, onVip.stream().filter(s -> s.reachableVia(node.name())).count());
                }
            }
            if (decision instanceof OwnerDecision.Owned owned) {
                GenNode owner = cluster.nodes().stream().filter(n -> n.name().equals(owned.node())).findFirst().orElseThrow();
                assertTrue(owner.eligibleFor(vip), owner + " may not announce " + vip);
                assertEquals(most, onVip.stream().filter(s -> s.reachableVia(owner.name())).count());
                assertTrue(most > 0);
            } else {
                assertEquals(0, most, vip + " is dark although a node could serve it");
            }
        }
    }
}
