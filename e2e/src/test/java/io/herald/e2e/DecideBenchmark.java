package io.herald.e2e;

import io.herald.common.config.AddressPool;
import io.herald.common.config.Config;
import io.herald.common.ip.IpAddress;
import io.herald.common.ip.IpRange;
import io.herald.speaker.ownership.Holdings;
import io.herald.speaker.ownership.LoadBalancerService;
import io.herald.speaker.ownership.NodeInfo;
import io.herald.speaker.ownership.Ownership;
import io.herald.speaker.ownership.Rankings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Prints what one full ownership decision costs a speaker, in-process, at the sizes of
 * issue 13 (nodes × VIPs), with node names as long as a real cluster's: best and median
 * of 5 after a warm-up, and the cost per (node, VIP) score; then, with the rankings a
 * speaker keeps between decisions ({@link Rankings}), one decision after nothing changed,
 * after a node's loss, a new Node and a new Service. Asserts only that every VIP got an
 * owner and that kept rankings decide as a decision from scratch, never time. Run:
 * scripts/bench.sh decide.
 */
@Tag("benchmark")
class DecideBenchmark {
    private static final int[][] SIZES = {{3, 1_000}, {100, 1_000}, {100, 10_000}, {500, 10_000}};
    private static final int RUNS = 5;

    @Test
    void fullDecisionAtScale() {
        System.out.println();
        System.out.println("| nodes × VIPs | from scratch, best (ms) | median (ms) | per (node, VIP) score (ns) |"
                + " kept rankings: nothing changed (ms) | a node lost (ms) | a Node added (ms) | a Service added (ms) |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (int[] size : SIZES) {
            row(size[0], size[1]);
        }
    }

    private static void row(int nodeCount, int vipCount) {
        Config config = new Config(List.of(new AddressPool("lan", List.of(IpRange.parse("198.18.0.0/17")), true, false,
                List.of(), List.of(), List.of())));
        List<NodeInfo> nodes = new ArrayList<>();
        Set<String> live = new TreeSet<>();
        for (int i = 0; i < nodeCount; i++) {
            NodeInfo node = node(i);
            nodes.add(node);
            live.add(node.name());
        }
        List<LoadBalancerService> services = new ArrayList<>();
        IpAddress vip = IpAddress.parse("198.18.0.0");
        for (int i = 0; i < vipCount; i++) {
            vip = vip.next().orElseThrow();
            services.add(service(i, vip));
        }
        for (int i = 0; i < 2; i++) {
            Ownership.decide(config, nodes, live, services); // warm-up
        }
        Ownership reference = Ownership.decide(config, nodes, live, services);
        long owned = reference.decisions().keySet().stream().filter(v -> reference.owner(v).isPresent()).count();
        if (owned != vipCount) {
            throw new AssertionError(owned + " of " + vipCount + " VIPs got an owner");
        }
        long[] scratch = best(() -> Ownership.decide(config, nodes, live, services));

        Rankings rankings = new Rankings();
        for (int i = 0; i < 3; i++) {
            Ownership.decide(config, nodes, live, services, Holdings.NONE, rankings); // warm-up, and the first cover
        }
        if (!Ownership.decide(config, nodes, live, services, Holdings.NONE, rankings).equals(reference)) {
            throw new AssertionError("kept rankings decided otherwise than a decision from scratch");
        }
        long[] same = best(() -> Ownership.decide(config, nodes, live, services, Holdings.NONE, rankings));
        long[] lost = best(() -> {
            Set<String> fewer = new TreeSet<>(live);
            fewer.remove(nodes.get(0).name());
            Ownership.decide(config, nodes, fewer, services, Holdings.NONE, rankings);
        });
        int[] added = {0};
        long[] joined = best(() -> {
            List<NodeInfo> more = new ArrayList<>(nodes);
            NodeInfo newcomer = node(nodeCount + added[0]++);
            more.add(newcomer);
            Set<String> moreLive = new TreeSet<>(live);
            moreLive.add(newcomer.name());
            Ownership.decide(config, more, moreLive, services, Holdings.NONE, rankings);
        });
        Ownership.decide(config, nodes, live, services, Holdings.NONE, rankings); // back to the nodes above
        IpAddress[] next = {vip};
        long[] created = best(() -> {
            List<LoadBalancerService> more = new ArrayList<>(services);
            next[0] = next[0].next().orElseThrow();
            more.add(service(vipCount + more.size(), next[0]));
            Ownership.decide(config, nodes, live, more, Holdings.NONE, rankings);
        });
        System.out.printf("| %d × %,d | %.1f | %.1f | %.0f | %.1f | %.1f | %.1f | %.1f |%n", nodeCount, vipCount,
                scratch[0] / 1e6, scratch[RUNS / 2] / 1e6, (double) scratch[0] / ((long) nodeCount * vipCount),
                same[0] / 1e6, lost[0] / 1e6, joined[0] / 1e6, created[0] / 1e6);
    }

    private static NodeInfo node(int i) {
        String name = String.format("worker-%03d.rack%02d.dc1", i, i % 20); // 20 characters, as real names go
        return new NodeInfo(name, Map.of("kubernetes.io/hostname", name), false);
    }

    private static LoadBalancerService service(int i, IpAddress vip) {
        return new LoadBalancerService.Cluster("default/svc-" + i, Set.of(vip), true);
    }

    /** Nanoseconds of {@link #RUNS} runs, sorted: [0] is the best. */
    private static long[] best(Runnable run) {
        long[] nanos = new long[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long began = System.nanoTime();
            run.run();
            nanos[i] = System.nanoTime() - began;
        }
        Arrays.sort(nanos);
        return nanos;
    }
}
