package io.herald.e2e.lab;

import io.herald.e2e.HeraldProcess;
import io.herald.e2e.Kube;
import io.herald.e2e.Shell;
import io.herald.testkit.KubeBinaries;
import io.herald.testkit.LocalKubeApiServer;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Prints how long the client goes without an answer when the announcing node's speaker
 * stops gracefully and when the node is lost hard, over many trials, with the default
 * timers (heartbeats 100ms / 500ms, Leases 2 s / 6 s); the speakers' API write rate with
 * 10 and with 1,000 Services; the heartbeats' cost per node, measured for 3 nodes and
 * computed for 100; and the speakers' peak memory. Asserts only that the client is served
 * again after every trial, never time. Run: scripts/bench.sh failover (trials from
 * -Dherald.bench.trials, default 20).
 */
@Tag("benchmark")
class FailoverBenchmark {
    private static final Duration PATIENCE = LabKube.PATIENCE;
    /** The speaker's defaults, which the chart keeps. */
    private static final Duration LEASE_DURATION = Duration.ofSeconds(6);
    private static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(100);
    /**
     * A heartbeat's UDP payload without the node name, the peers it lists and the VIPs it
     * holds (5 bytes each for IPv4, not counted: a cluster that lost no node holds none); Ethernet, IPv4 and UDP
     * headers add 42.
     */
    private static final int HEARTBEAT_FIXED_BYTES = 71;
    private static final int FRAME_HEADERS = 14 + 20 + 8;
    private static final Pattern WRITES = Pattern.compile(
            "^apiserver_request_total\\{(.*)} ([0-9.e+]+)$");

    private LocalKubeApiServer cluster;
    private Lab lab;
    private final Map<String, SpeakerProcess> speakers = new TreeMap<>();

    @Test
    void failoverGapsApiWritesAndMemory() throws Exception {
        int trials = Integer.getInteger("herald.bench.trials", 20);
        try (LocalKubeApiServer started = LocalKubeApiServer.start();
                Lab labStarted = Lab.builder().nodes(3).kube(started).start()) {
            cluster = started;
            lab = labStarted;
            ApiClient admin = cluster.adminClient();
            LabKube kube = new LabKube(admin);
            kube.setUp(lab, "bench", """
                    address-pools:
                    - name: lan
                      addresses: [198.18.0.100-198.18.0.120, 198.18.4.0/22]
                    """);
            HeraldProcess controller = lab.startController("bench-controller");
            for (LabNode node : lab.nodes()) {
                startSpeaker(node.name());
            }
            lab.serve(80);
            kube.create(Kube.loadBalancer("bench", "web", 80));
            kube.endpoints("bench", "web", lab.nodes().stream().map(LabNode::name).toList());
            String vip = kube.awaitIps("bench", "web").get(0);
            lab.exposeVip(vip);

            List<Double> graceful = new ArrayList<>();
            List<Double> hard = new ArrayList<>();
            for (int i = 0; i < trials; i++) {
                graceful.add(trial(vip, false));
                hard.add(trial(vip, true));
            }

            // API writes by the speakers, with the controller gone so only they write.
            for (int i = 1; i < 10; i++) {
                kube.create(Kube.loadBalancer("bench", "small-" + i, 80));
                kube.endpoints("bench", "small-" + i, List.of("n1", "n2", "n3"));
            }
            awaitServed(admin, 10);
            controller.kill();
            Thread.sleep(3000); // let the takeover bursts and Events of new VIPs settle
            double with10 = speakerWritesPerSecond(Duration.ofSeconds(20));
            double heartbeatsPerSecond = heartbeatsSentPerSecond("n1", Duration.ofSeconds(10));
            controller = lab.startController("bench-controller-2");
            for (int i = 10; i < 1000; i++) {
                kube.create(Kube.loadBalancer("bench", "many-" + i, 80));
                kube.endpoints("bench", "many-" + i, List.of("n1", "n2", "n3"));
            }
            awaitServed(admin, 1000);
            controller.kill();
            Kube.await("every speaker deciding 1,000 VIPs", Duration.ofMinutes(5), () -> speakers.values().stream()
                    .mapToInt(s -> s.announced().size()).sum() >= 1000);
            Thread.sleep(3000);
            double with1000 = speakerWritesPerSecond(Duration.ofSeconds(20));

            System.out.println();
            System.out.printf("defaults: heartbeats every 100 ms, a peer dead after 500 ms; Leases renewed every 2 s, lasting"
                    + " 6 s; 3 nodes; client request every 10 ms; %d trials each%n", trials);
            System.out.println("| failover | p50 (ms) | p95 (ms) | max (ms) |");
            System.out.println("|---|---:|---:|---:|");
            row("graceful speaker stop (SIGTERM)", graceful);
            row("hard node loss (link cut + SIGKILL)", hard);
            System.out.println();
            System.out.println("| Services | API writes/s by all 3 speakers |");
            System.out.println("|---:|---:|");
            System.out.printf("| 10 | %.2f |%n| 1000 | %.2f |%n", with10, with1000);
            System.out.println();
            System.out.println("| heartbeats, per node | frames/s out (= in) | bytes/s out (= in), on the wire |");
            System.out.println("|---|---:|---:|");
            int frame3 = HEARTBEAT_FIXED_BYTES + 2 + 8 * 2 + FRAME_HEADERS;
            System.out.printf("| 3 nodes, measured on n1 | %.1f | %.0f (%d-byte frames) |%n", heartbeatsPerSecond,
                    heartbeatsPerSecond * frame3, frame3);
            double frames100 = 99 * (1000.0 / HEARTBEAT_INTERVAL.toMillis());
            int frame100 = HEARTBEAT_FIXED_BYTES + 20 + 8 * 99 + FRAME_HEADERS;
            System.out.printf("| 100 nodes, computed (20-character names) | %.0f | %.0f (%d-byte frames) |%n", frames100,
                    frames100 * frame100, frame100);
            System.out.println();
            System.out.println("| speaker | peak RSS (MiB) |");
            System.out.println("|---|---:|");
            for (var entry : speakers.entrySet()) {
                System.out.printf("| %s | %.0f |%n", entry.getKey(), entry.getValue().peakRssMib());
            }
        }
    }

    private void startSpeaker(String node) throws InterruptedException {
        SpeakerProcess speaker = lab.startSpeaker(node);
        speakers.put(node, speaker);
        speaker.awaitOk("/readyz", PATIENCE);
    }

    /** One failure of the VIP's owner; the longest stretch without an answer, in ms. */
    private double trial(String vip, boolean hard) throws Exception {
        String owner = SpeakerProcess.awaitOwner(speakers, vip, PATIENCE);
        Kube.await("the client served by " + owner, PATIENCE,
                () -> lab.client().get(vip, 80, Duration.ofSeconds(1)).filter(owner::equals).orElse(null));
        // Long enough for the Lease rule too, should the heartbeats not carry it.
        Duration total = hard ? LEASE_DURATION.plusSeconds(3) : Duration.ofMillis(2500);
        Probe probe = lab.client().probe(vip, 80, Duration.ofMillis(10), total);
        if (hard) {
            lab.cutLink(owner);
            speakers.get(owner).kill();
        } else {
            speakers.get(owner).terminate(Duration.ofSeconds(20));
        }
        ProbeLog log = probe.await();
        String next = SpeakerProcess.awaitOwner(speakers, vip, PATIENCE);
        if (next.equals(owner) || lab.client().get(vip, 80, Duration.ofSeconds(2)).isEmpty()) {
            throw new AssertionError("after losing " + owner + " the client is not served by another node: " + log.longestGap());
        }
        if (hard) {
            lab.restoreLink(owner);
        }
        startSpeaker(owner);
        return log.longestGap().length().toMillis();
    }

    /** Heartbeats {@code node}'s speaker sent per second over {@code window}, from its own counter. */
    private double heartbeatsSentPerSecond(String node, Duration window) throws InterruptedException {
        double before = speakers.get(node).metric("herald_speaker_heartbeats_sent_total");
        Thread.sleep(window.toMillis());
        return (speakers.get(node).metric("herald_speaker_heartbeats_sent_total") - before) / window.toSeconds();
    }

    private static void awaitServed(ApiClient admin, int count) throws Exception {
        Kube.await(count + " Services with an IP", Duration.ofMinutes(5), () ->
                Kube.ingressByService(admin).values().stream().filter(ips -> !ips.isEmpty()).count() >= count);
    }

    /** Create/update/patch/delete requests the API server served over {@code window}, per second. */
    private double speakerWritesPerSecond(Duration window) throws Exception {
        double before = writes();
        Thread.sleep(window.toMillis());
        return (writes() - before) / window.toSeconds();
    }

    /** Write requests the API server has served, from its own apiserver_request_total (read with kubectl as admin). */
    private double writes() throws Exception {
        String metrics = Shell.run(KubeBinaries.locate().resolve("kubectl").toString(),
                "--kubeconfig", cluster.adminKubeconfig().toString(), "get", "--raw", "/metrics");
        double total = 0;
        for (String line : metrics.split("\n")) {
            Matcher m = WRITES.matcher(line);
            if (m.find() && m.group(1).matches(".*verb=\"(POST|PUT|PATCH|DELETE)\".*")) {
                total += Double.parseDouble(m.group(2));
            }
        }
        if (total == 0) {
            throw new AssertionError("no apiserver_request_total write counts in the API server's /metrics");
        }
        return total;
    }

    private static void row(String what, List<Double> gaps) {
        List<Double> sorted = gaps.stream().sorted().toList();
        System.out.printf("| %s | %.0f | %.0f | %.0f |%n", what, percentile(sorted, 50), percentile(sorted, 95),
                sorted.get(sorted.size() - 1));
    }

    private static double percentile(List<Double> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
