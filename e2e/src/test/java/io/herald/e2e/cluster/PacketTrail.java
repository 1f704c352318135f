package io.herald.e2e.cluster;

import io.herald.testkit.cluster.RealCluster;
import io.herald.testkit.net.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What the real cluster's nodes did with a probe's packets over a stretch of a test:
 * always the counters that say a packet was dropped (conntrack's, summed over CPUs, and
 * kube-proxy's rule that drops conntrack-INVALID packets in KUBE-FORWARD), and, with
 * {@code -Dherald.capture=DIR}, a tcpdump of the client's eth0 and of every node, each
 * node's kube-proxy log and its conntrack entries for the VIP, written to DIR when the
 * stretch ends (docs/development.md, "Why a request failed"). Needs tcpdump for the capture.
 */
final class PacketTrail implements AutoCloseable {
    static final String CAPTURE_PROPERTY = "herald.capture";
    private static final Set<String> CONNTRACK_DROPS = Set.of("invalid", "insert_failed", "drop", "early_drop", "error");

    private final RealCluster cluster;
    private final String vip;
    private final Map<String, Map<String, Long>> before;
    private final Path captureDir;
    private final List<Process> captures = new ArrayList<>();

    private PacketTrail(RealCluster cluster, String vip, Path captureDir) {
        this.cluster = cluster;
        this.vip = vip;
        this.captureDir = captureDir;
        this.before = drops(cluster);
    }

    static PacketTrail start(RealCluster cluster, String vip) throws IOException {
        String dir = System.getProperty(CAPTURE_PROPERTY);
        PacketTrail trail = new PacketTrail(cluster, vip, dir == null ? null : Path.of(dir));
        if (trail.captureDir != null) {
            if (!Exec.run(Exec.SHORT, "sh", "-c", "command -v tcpdump").ok()) {
                throw new IllegalStateException("-D" + CAPTURE_PROPERTY + " needs tcpdump: apt-get install tcpdump");
            }
            Files.createDirectories(trail.captureDir);
            trail.capture(cluster.client().prefix(List.of("tcpdump", "-i", "eth0", "-s", "128", "-w", "-", "tcp or arp")),
                    "client");
            for (RealCluster.Node node : cluster.nodes()) {
                trail.capture(node.netns().prefix(List.of("tcpdump", "-i", "any", "-s", "128", "-w", "-", "tcp or arp")),
                        node.name());
            }
        }
        return trail;
    }

    private void capture(List<String> command, String name) throws IOException {
        captures.add(new ProcessBuilder(command).redirectOutput(captureDir.resolve(name + ".pcap").toFile())
                .redirectError(captureDir.resolve(name + "-tcpdump.txt").toFile()).start());
    }

    /** The drop counters that moved since the start, node by node ({} when none did). */
    Map<String, Map<String, Long>> dropped() {
        Map<String, Map<String, Long>> moved = new TreeMap<>();
        drops(cluster).forEach((node, counts) -> counts.forEach((name, value) -> {
            long delta = value - before.getOrDefault(node, Map.of()).getOrDefault(name, 0L);
            if (delta != 0) {
                moved.computeIfAbsent(node, n -> new TreeMap<>()).put(name, delta);
            }
        }));
        return moved;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process capture : captures) {
            capture.destroy();
            capture.waitFor(5, TimeUnit.SECONDS);
        }
        if (captureDir != null) {
            for (RealCluster.Node node : cluster.nodes()) {
                Files.copy(cluster.log(node.name() + "-kube-proxy"), captureDir.resolve(node.name() + "-kube-proxy.log"));
                Files.writeString(captureDir.resolve(node.name() + "-conntrack.txt"),
                        node.netns().exec(Exec.SHORT, "conntrack", "-L", "-p", "tcp", "--orig-dst", vip).out());
            }
            System.out.println("packets, kube-proxy logs and conntrack entries for " + vip + " kept in " + captureDir);
        }
    }

    private static Map<String, Map<String, Long>> drops(RealCluster cluster) {
        Map<String, Map<String, Long>> all = new TreeMap<>();
        for (RealCluster.Node node : cluster.nodes()) {
            Map<String, Long> counts = new TreeMap<>();
            for (String field : node.netns().exec(Exec.SHORT, "conntrack", "-S").out().split("\\s+")) {
                String[] pair = field.split("=", 2);
                if (pair.length == 2 && CONNTRACK_DROPS.contains(pair[0])) {
                    counts.merge("ct_" + pair[0], Long.parseLong(pair[1]), Long::sum);
                }
            }
            node.netns().exec(Exec.SHORT, "iptables", "-t", "filter", "-L", "KUBE-FORWARD", "-v", "-n", "-x").out().lines()
                    .filter(line -> line.contains("INVALID") && line.contains("DROP"))
                    .forEach(line -> counts.merge("kube_forward_invalid", Long.parseLong(line.strip().split("\\s+")[0]),
                            Long::sum));
            all.put(node.name(), counts);
        }
        return all;
    }
}
