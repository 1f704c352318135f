package io.herald.e2e.cluster;

import io.herald.common.kube.LenientJson;
import io.herald.e2e.Kube;
import io.herald.e2e.chart.HeraldChart;
import io.herald.e2e.lab.LabClient;
import io.herald.e2e.lab.Neighbour;
import io.herald.e2e.lab.Probe;
import io.herald.e2e.lab.ProbeLog;
import io.herald.testkit.cluster.RealCluster;
import io.herald.testkit.cluster.RealClusterExtension;
import io.herald.testkit.net.Exec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Herald's main job, shown as a user does it (scripts/demo.sh runs it): a real three-node
 * cluster on this machine (containerd, kubelet, kube-proxy per node, on one LAN), the
 * images loaded into the nodes, {@code helm install}, a Deployment behind a Service of
 * type LoadBalancer, a client on the LAN outside the cluster, then the announcing node
 * loses power. Every command shown is run for real; everything is removed at the end,
 * also on Ctrl-C.
 */
public final class ClusterDemo {
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final Duration KUBECTL = Duration.ofSeconds(60);
    private static final Duration HELM = Duration.ofMinutes(6);

    private ClusterDemo() {}

    public static void main(String[] args) throws Exception {
        LenientJson.install();
        Path sample = Path.of(args.length > 0 ? args[0] : "config-samples/ipv4-range.yaml");
        step("Starting a real Kubernetes cluster: control plane and three nodes, each with containerd, kubelet and kube-proxy");
        RealCluster cluster = RealCluster.builder().images(RealClusterExtension.images()).start();
        AtomicBoolean closed = new AtomicBoolean();
        Thread cleanUp = new Thread(() -> {
            if (closed.compareAndSet(false, true)) {
                cluster.close();
            }
        }, "demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanUp);
        try {
            say("%d nodes Ready after %d ms, Herald's images imported into each (no registry)", cluster.nodes().size(),
                    cluster.startupTime().toMillis());
            run(cluster, sample);
            step("Cleaning up: pods, nodes, control plane, network namespaces");
        } finally {
            if (closed.compareAndSet(false, true)) {
                cluster.close();
            }
            Runtime.getRuntime().removeShutdownHook(cleanUp);
        }
        say("Done.");
    }

    private static void run(RealCluster cluster, Path sample) throws Exception {
        kubectl(cluster, "get", "nodes", "-o", "wide");
        say("the client is a machine on the same LAN, outside the cluster: %s", RealCluster.CLIENT_IP);

        step("Installing Herald with Helm, the address pool from " + sample);
        Path values = Files.createTempFile("herald-demo-", ".yaml");
        try {
            String pool = poolOf(sample);
            Files.writeString(values, "image:\n  pullPolicy: Never\naddressPools:\n  - {name: default, addresses: [" + pool + "]}\n");
            say("values: image.pullPolicy=Never (the images are on the nodes), addressPools: default %s", pool);
            run(cluster, "kubectl", "create", "namespace", "herald-system");
            run(cluster, "kubectl", "label", "namespace", "herald-system", "pod-security.kubernetes.io/enforce=privileged");
            long began = System.nanoTime();
            run(cluster, "helm", "install", "herald", HeraldChart.directory().toString(), "-n", "herald-system",
                    "-f", values.toString(), "--wait", "--timeout", "5m");
            // helm --wait lets a DaemonSet have maxUnavailable pods still starting; rollout status waits for all.
            run(cluster, "kubectl", "-n", "herald-system", "rollout", "status", "daemonset/herald-speaker", "--timeout=2m");
            say("installed, every pod Ready, in %d ms", (System.nanoTime() - began) / 1_000_000);
        } finally {
            Files.deleteIfExists(values);
        }
        kubectl(cluster, "-n", "herald-system", "get", "pods", "-o", "wide");

        step("Creating a Deployment of three web pods and a Service of type LoadBalancer in front of them");
        kubectl(cluster, "create", "namespace", "shop");
        cluster.apply(Workloads.deployment("shop", "web", 3) + "---\n" + Workloads.service("shop", "web", "web", "LoadBalancer", null));
        cluster.awaitRollout("shop", "deployment/web", PATIENCE);
        String vip = Kube.await("an EXTERNAL-IP for shop/web", PATIENCE, () -> {
            List<String> ips = Kube.ingress(Kube.read(cluster.adminClient(), "shop", "web"));
            return ips.isEmpty() ? null : ips.get(0);
        });
        kubectl(cluster, "-n", "shop", "get", "service", "web");

        step("The client requests http://" + vip + "/");
        LabClient client = new LabClient(cluster.client(), "02:00:00:00:01:02", process -> { });
        Announcers announcers = new Announcers(cluster, client, PATIENCE);
        String answer = Kube.await("an answer from " + vip, PATIENCE, () -> client.get(vip, 80, Duration.ofSeconds(1)).orElse(null));
        String owner = announcers.of(vip, 80);
        say("answered: \"%s\"", answer);
        say("the client's ARP entry for %s: %s, node %s's MAC: its speaker announces the VIP, its kube-proxy forwards to a pod",
                vip, client.neighbour(vip).flatMap(Neighbour::mac).orElse("?"), owner);
        String event = Kube.await("the Announcing Event", PATIENCE, () -> Kube.events(cluster.adminClient(), "shop", "web",
                "Announcing").stream().filter(m -> m.contains("node " + owner + " ")).findFirst().orElse(null));
        say("the Service's Event says: Announcing \"%s\"", event);

        step("Node " + owner + " loses power: link down, kubelet, containerd and its pods killed at once");
        Probe probe = client.probe(vip, 80, Duration.ofMillis(10), Duration.ofSeconds(20));
        say("meanwhile the client sends a request every 10 ms for 20 s ...");
        Thread.sleep(1000);
        long lossAt = System.nanoTime();
        cluster.powerOff(owner);
        long moved = announcers.awaitMoveFrom(vip, owner, lossAt).toMillis();
        ProbeLog log = probe.await();
        String next = announcers.of(vip, 80);
        ProbeLog.Gap gap = log.longestGap();
        say("the client's ARP entry moved to %s, node %s's MAC, %d ms after the power went: set by its gratuitous ARP,"
                + " nothing was flushed", client.neighbour(vip).flatMap(Neighbour::mac).orElse("?"), next, moved);
        say("%d requests: %d answered, %d failed; the longest stretch without an answer: %d ms", log.attempts().size(),
                log.successes(), log.failures(), gap.length().toMillis());
        say("still reachable: \"%s\"", Kube.await("an answer", PATIENCE, () -> client.get(vip, 80, Duration.ofSeconds(1)).orElse(null)));
        say("a dead node's VIPs move when its speaker's Lease runs out (6 s by default; speaker.lease in the values) or"
                + " when its Node turns NotReady, whichever comes first. Until its pods' endpoints are removed, the"
                + " requests that kube-proxy on the other nodes sends to them fail too, which is most of the failures above.");
        kubectl(cluster, "get", "nodes");
    }

    /** The pool's addresses from a sample ConfigMap: the line after "addresses:". */
    private static String poolOf(Path sample) throws Exception {
        List<String> lines = Files.readAllLines(sample);
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).strip().equals("addresses:")) {
                return lines.get(i + 1).strip().replaceFirst("^- ", "").replaceFirst("\\s*#.*$", "");
            }
        }
        throw new IllegalArgumentException(sample + " has no addresses: list");
    }

    private static void kubectl(RealCluster cluster, String... args) {
        List<String> command = new ArrayList<>(List.of("kubectl"));
        command.addAll(List.of(args));
        run(cluster, command.toArray(String[]::new));
    }

    /** Shows {@code $ COMMAND} as a user types it, runs it against the cluster, shows its output. */
    private static void run(RealCluster cluster, String... command) {
        System.out.println("   $ " + String.join(" ", command));
        String[] args = List.of(command).subList(1, command.length).toArray(String[]::new);
        Exec.Result result = command[0].equals("helm") ? cluster.helm(HELM, args) : cluster.kubectl(KUBECTL, args);
        result.orThrow().lines().forEach(line -> System.out.println("     " + line));
    }

    private static void step(String what) {
        System.out.printf("%n\033[1m== %s\033[0m%n", what);
    }

    private static void say(String format, Object... args) {
        System.out.println("   " + String.format(format, args));
    }
}
