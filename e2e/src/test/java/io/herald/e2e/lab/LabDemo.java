package io.herald.e2e.lab;

import io.herald.e2e.Kube;
import io.herald.testkit.LocalKubeApiServer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.util.Yaml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Herald's main job, shown on this one machine (scripts/demo.sh runs it): a real API
 * server, three simulated nodes on a virtual LAN, a client, the controller and a speaker
 * per node; a Service gets a VIP, the client reaches it, a node dies, the client still
 * reaches it. Everything is torn down at the end, also on Ctrl-C.
 */
public final class LabDemo {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private LabDemo() {}

    public static void main(String[] args) throws Exception {
        Path sample = Path.of(args.length > 0 ? args[0] : "config-samples/ipv4-range.yaml");
        step("Starting a real Kubernetes API server (kube-apiserver + etcd)");
        try (LocalKubeApiServer cluster = LocalKubeApiServer.start()) {
            ApiClient admin = cluster.adminClient();
            step("Building a virtual LAN: a bridge, three nodes (n1, n2, n3) and a client, each in its own network namespace");
            try (Lab lab = Lab.builder().nodes(3).kube(cluster).start()) {
                for (LabNode node : lab.nodes()) {
                    say("node %s  %s  MAC %s", node.name(), node.ipv4(), node.mac());
                }
                say("client   %s", lab.client().ipv4());
                run(lab, admin, sample);
                step("Cleaning up: processes, namespaces, links");
            }
        }
        say("Done.");
    }

    private static void run(Lab lab, ApiClient admin, Path sample) throws Exception {
        LabKube kube = new LabKube(admin);
        V1ConfigMap config = Yaml.loadAs(Files.readString(sample), V1ConfigMap.class);
        kube.setUp(lab, "demo", config.getData().get("config"));
        say("address pools from %s:%n%s", sample, indent(config.getData().get("config")));

        step("Starting Herald: the controller, and a speaker on every node");
        lab.startController("demo-controller");
        Map<String, SpeakerProcess> speakers = new TreeMap<>();
        for (LabNode node : lab.nodes()) {
            speakers.put(node.name(), lab.startSpeaker(node.name(), "--lease-renew", "1s", "--lease-duration", "3s"));
        }
        for (SpeakerProcess speaker : speakers.values()) {
            speaker.awaitOk("/readyz", PATIENCE);
        }
        lab.serve(80);
        say("speakers renew their node's Lease every 1 s; a node silent for 3 s loses its VIPs");
        say("on every node a stand-in for kube-proxy and the pods answers HTTP with the node's name");

        step("Creating a Service of type LoadBalancer");
        kube.create(Kube.loadBalancer("demo", "web", 80));
        kube.endpoints("demo", "web", lab.nodes().stream().map(LabNode::name).toList());
        String vip = kube.awaitIps("demo", "web").get(0);
        lab.exposeVip(vip);
        say("web got the virtual IP %s (kubectl get service web shows it as EXTERNAL-IP)", vip);
        String owner = SpeakerProcess.awaitOwner(speakers, vip, PATIENCE);
        String said = Kube.await("the Announcing Event", PATIENCE, () -> kube.announcing("demo", "web").stream()
                .filter(m -> m.contains("node " + owner + " ")).findFirst().orElse(null));
        say("the speakers agreed that %s announces it; its Event on the Service says: \"%s\"", owner, said);

        step("The client requests http://" + vip + "/");
        String answered = Kube.await("an answer", PATIENCE, () -> lab.client().get(vip, 80, Duration.ofSeconds(1)).orElse(null));
        say("answered by: %s", answered);
        say("the client's ARP entry for %s: %s (that is %s's MAC)", vip,
                lab.client().neighbour(vip).flatMap(Neighbour::mac).orElse("?"), owner);

        step("Node " + owner + " dies: its speaker is killed (SIGKILL) and its network link cut");
        Probe probe = lab.client().probe(vip, 80, Duration.ofMillis(10), Duration.ofSeconds(10));
        say("meanwhile the client sends a request every 10 ms for 10 s ...");
        lab.cutLink(owner);
        speakers.get(owner).kill();
        ProbeLog log = probe.await();
        ProbeLog.Gap gap = log.longestGap();
        String next = SpeakerProcess.awaitOwner(speakers, vip, PATIENCE);
        say("%d requests: %d answered, %d failed", log.attempts().size(), log.successes(), log.failures());
        say("the client got no answer for %d ms; then %s answered", gap.length().toMillis(), gap.nodeAfter().orElse("?"));
        say("the client's ARP entry now: %s (that is %s's MAC), updated by %s's gratuitous ARP, nothing flushed",
                lab.client().neighbour(vip).flatMap(Neighbour::mac).orElse("?"), next, next);
        say("the gap is the dead node's Lease running out (3 s here); a graceful stop (drain, rolling update)"
                + " hands the VIP over at once without losing a request");
    }

    private static void step(String what) {
        System.out.printf("%n\033[1m== %s\033[0m%n", what);
    }

    private static void say(String format, Object... args) {
        System.out.println("   " + String.format(format, args));
    }

    private static String indent(String text) {
        return text.strip().lines().map(l -> "      " + l).reduce((a, b) -> a + "\n" + b).orElse("");
    }
}
