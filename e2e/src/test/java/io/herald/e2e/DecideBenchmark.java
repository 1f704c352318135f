package io.herald.e2e;

import io.herald.common.config.AddressPool;
import io.herald.common.config.Config;
import io.herald.common.ip.IpAddress;
import io.herald.common.ip.IpRange;
import io.herald.speaker.ownership.LoadBalancerService;
import io.herald.speaker.ownership.NodeInfo;
import io.herald.speaker.ownership.Ownership;
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
 * of 5 after a warm-up, and the cost per (node, VIP) score. Asserts only that every VIP
 * got an owner, never time. Run: scripts/bench.sh decide.
 */
@Tag("benchmark")
class DecideBenchmark {
    private static final int[][] SIZES = {{3, 1_000}, {100, 1_000}, {100, 10_000}, {500, 10_000}};
    private static final int RUNS = 5;

    @Test
    void fullDecisionAtScale() {
        System.out.println();
        System.out.println("| nodes × VIPs | one full decision, best (ms) | median (ms) | per (node, VIP) score (ns) |");
        System.out.println("|---|---:|---:|---:|");
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
            String name = String.format("worker-%03d.rack%02d.dc1", i, i % 20); // 20 characters, as real names go
            nodes.add(new NodeInfo(name, Map.of("kubernetes.io/hostname", name), false));
            live.add(name);
        }
        List<LoadBalancerService> services = new ArrayList<>();
        IpAddress vip = IpAddress.parse("198.18.0.0");
        for (int i = 0; i < vipCount; i++) {
            vip = vip.next().orElseThrow();
            services.add(new LoadBalancerService.Cluster("default/svc-" + i, Set.of(vip), true));
        }
        for (int i = 0; i < 2; i++) {
            Ownership.decide(config, nodes, live, services); // warm-up
        }
        Ownership warm = Ownership.decide(config, nodes, live, services);
        long owned = warm.decisions().keySet().stream().filter(v -> warm.owner(v).isPresent()).count();
        if (owned != vipCount) {
            throw new AssertionError(owned + " of " + vipCount + " VIPs got an owner");
        }
        long[] nanos = new long[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long began = System.nanoTime();
            Ownership.decide(config, nodes, live, services);
            nanos[i] = System.nanoTime() - began;
        }
        Arrays.sort(nanos);
        System.out.printf("| %d × %,d | %.1f | %.1f | %.0f |%n", nodeCount, vipCount, nanos[0] / 1e6, nanos[RUNS / 2] / 1e6,
                (double) nanos[0] / ((long) nodeCount * vipCount));
    }
}
