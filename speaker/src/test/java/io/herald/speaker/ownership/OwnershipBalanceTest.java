package io.herald.speaker.ownership;

import static io.herald.speaker.ownership.Fixtures.cluster;
import static io.herald.speaker.ownership.Fixtures.config;
import static io.herald.speaker.ownership.Fixtures.pool;
import static io.herald.speaker.ownership.Fixtures.ready;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.config.Config;
import io.herald.common.ip.IpAddress;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OwnershipBalanceTest {
    static final Config CONFIG = config(pool("lab", "198.18.0.0/15"));
    static final IpAddress FIRST = IpAddress.parse("198.18.0.1");

    static Stream<Arguments> clusters() {
        return Stream.of(
                Arguments.of(List.of("node-a", "node-b", "node-c"), 1),
                Arguments.of(List.of("worker-1", "worker-2", "worker-3"), 1),
                Arguments.of(List.of("k8s-master", "k8s-worker-1", "k8s-worker-2"), 1),
                Arguments.of(List.of("ip-10-0-0-11.ec2.internal", "ip-10-0-0-12.ec2.internal", "ip-10-0-0-13.ec2.internal"), 1),
                Arguments.of(List.of("node-a", "node-b", "node-c"), 437)); // VIPs spread over the whole /15
    }

    /**
     * 300 VIPs over 3 nodes: each gets 80 to 120 (the expectation is 100 with a standard
     * deviation near 8). With one node gone only its VIPs move, and each survivor ends
     * with 120 to 180 of the 300.
     */
    @ParameterizedTest(name = "{0}, every {1}. address")
    @MethodSource("clusters")
    void spreadsVipsEvenlyAndMovesOnlyALostNodesShare(List<String> names, int stride) {
        List<LoadBalancerService> services = IntStream.range(0, 300)
                .mapToObj(i -> (LoadBalancerService) cluster("shop/s" + i,
                        FIRST.plus(BigInteger.valueOf((long) i * stride)).toString()))
                .toList();
        assertEquals(300, services.stream().flatMap(s -> s.vips().stream()).distinct().count());
        List<NodeInfo> nodes = names.stream().map(Fixtures::ready).toList();

        Ownership all = Ownership.decide(CONFIG, nodes, Set.copyOf(names), services);
        for (String node : names) {
            int share = all.announcedBy(node).size();
            assertTrue(share >= 80 && share <= 120, node + " announces " + share + " of 300");
        }

        for (String gone : names) {
            Set<String> left = new HashSet<>(names);
            left.remove(gone);
            Ownership without = Ownership.decide(CONFIG, nodes, left, services);
            for (IpAddress vip : all.decisions().keySet()) {
                String before = all.owner(vip).orElseThrow();
                String after = without.owner(vip).orElseThrow();
                if (!before.equals(gone)) {
                    assertEquals(before, after, vip + " must stay on " + before + " when " + gone + " goes");
                }
            }
            for (String survivor : left) {
                int share = without.announcedBy(survivor).size();
                assertTrue(share >= 120 && share <= 180, survivor + " announces " + share + " of 300 without " + gone);
            }
        }
    }
}
