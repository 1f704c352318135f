package io.herald.speaker.ownership;

import static io.herald.speaker.ownership.OwnershipPropertiesTest.ANY;
import static io.herald.speaker.ownership.OwnershipPropertiesTest.CONFIG;
import static io.herald.speaker.ownership.OwnershipPropertiesTest.LAB;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.common.ip.IpAddress;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Rankings kept from one decision to the next give exactly the decisions made from
 * scratch: random sequences of what a speaker sees happen (nodes created and deleted,
 * Leases lost and back, NotReady, labels that move a node in or out of a pool, Services
 * created and deleted, Local endpoints moving, holdings), checked after every step.
 * Fourteen possible nodes, more than a ranking keeps, so deletions reach into them.
 */
class RankingsTest {
    private static final int NODES = 14;
    private static final int STEPS = 40;

    /** One node as the speaker sees it. */
    private record Seen(boolean live, boolean notReady, boolean lab) {}

    @Property(tries = 150)
    void keptRankingsDecideAsAFullDecisionAfterEveryStep(@ForAll Random random) {
        Map<String, Seen> nodes = new TreeMap<>();
        Map<String, LoadBalancerService> services = new TreeMap<>();
        Rankings rankings = new Rankings();
        for (int step = 0; step < STEPS; step++) {
            int events = random.nextInt(10) == 0 ? 12 : 1 + random.nextInt(3); // now and then, a lot at once
            for (int e = 0; e < events; e++) {
                change(random, nodes, services);
            }
            List<NodeInfo> infos = new ArrayList<>();
            Set<String> live = new TreeSet<>();
            nodes.forEach((name, seen) -> {
                infos.add(new NodeInfo(name, seen.lab() ? Map.of("lab", "yes") : Map.of(), seen.notReady()));
                if (seen.live()) {
                    live.add(name);
                }
            });
            Holdings holdings = holdings(random, nodes.keySet(), services.values());
            Ownership expected = Ownership.decide(CONFIG, infos, live, services.values(), holdings);
            Ownership kept = Ownership.decide(CONFIG, infos, live, services.values(), holdings, rankings);
            assertEquals(expected, kept, "step " + step + ": nodes " + nodes + ", services " + services.values());
            for (String node : nodes.keySet()) {
                List<IpAddress> announced = List.copyOf(expected.announcedBy(node));
                assertEquals(Ownership.heldAgainstHash(node, announced, infos, 1000),
                        Ownership.heldAgainstHash(node, announced, infos, 1000, rankings), "held by " + node + ", step " + step);
            }
        }
    }

    private static void change(Random random, Map<String, Seen> nodes, Map<String, LoadBalancerService> services) {
        String node = "node-" + random.nextInt(NODES);
        Seen seen = nodes.get(node);
        switch (random.nextInt(8)) {
            case 0, 1 -> {
                if (seen == null) {
                    nodes.put(node, new Seen(random.nextInt(5) > 0, random.nextInt(8) == 0, random.nextBoolean()));
                } else {
                    nodes.remove(node);
                }
            }
            case 2 -> {
                if (seen != null) {
                    nodes.put(node, new Seen(!seen.live(), seen.notReady(), seen.lab()));
                }
            }
            case 3 -> {
                if (seen != null) {
                    nodes.put(node, new Seen(seen.live(), !seen.notReady(), seen.lab()));
                }
            }
            case 4 -> {
                if (seen != null) {
                    nodes.put(node, new Seen(seen.live(), seen.notReady(), !seen.lab()));
                }
            }
            default -> {
                String name = "ns/s" + random.nextInt(40);
                if (services.containsKey(name) && random.nextInt(3) == 0) {
                    services.remove(name);
                } else {
                    services.put(name, service(random, name));
                }
            }
        }
    }

    private static LoadBalancerService service(Random random, String name) {
        IpAddress base = random.nextBoolean() ? LAB : ANY;
        Set<IpAddress> vips = Set.of(base.plus(BigInteger.valueOf(1 + random.nextInt(30))));
        if (random.nextInt(4) > 0) {
            return new LoadBalancerService.Cluster(name, vips, random.nextInt(10) > 0);
        }
        Set<String> endpoints = new HashSet<>();
        int count = random.nextInt(4);
        for (int i = 0; i < count; i++) {
            endpoints.add("node-" + random.nextInt(NODES));
        }
        return new LoadBalancerService.Local(name, vips, endpoints);
    }

    /** Some nodes follow the holding rule and hold some VIPs, as their heartbeats would say. */
    private static Holdings holdings(Random random, Set<String> nodes, Iterable<LoadBalancerService> services) {
        List<IpAddress> vips = new ArrayList<>();
        services.forEach(s -> vips.addAll(s.vips()));
        Map<String, Set<IpAddress>> byNode = new HashMap<>();
        for (String node : nodes) {
            if (random.nextInt(3) > 0) {
                Set<IpAddress> held = new HashSet<>();
                for (IpAddress vip : vips) {
                    if (random.nextInt(6) == 0) {
                        held.add(vip);
                    }
                }
                byNode.put(node, held);
            }
        }
        return new Holdings(byNode);
    }
}
