package io.herald.e2e.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.Annotations;
import io.herald.e2e.Kube;
import io.herald.speaker.peers.Heartbeat;
import io.herald.speaker.peers.HeartbeatCodec;
import io.herald.testkit.KubeApiServerExtension;
import io.herald.testkit.KubeApiServerPerClass;
import io.herald.testkit.KubeCluster;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Speakers hearing each other on the LAN (issue 10), in the lab with the default timers:
 * heartbeats every 100 ms, a peer dead after 500 ms unheard, Leases renewed every 2 s and
 * lasting 6 s. What the client sees on the wire is the referee: who answers each ARP request.
 */
@ExtendWith(KubeApiServerExtension.class)
@KubeApiServerPerClass
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class HeartbeatTest {
    static final String NS = "apps";
    static final int PORT = 80;
    static final Duration LEASE_DURATION = Duration.ofSeconds(6);
    static final String POOLS = """
            address-pools:
            - name: lan
              addresses: [198.18.0.100-198.18.0.120]
            """;
    private static final Duration PATIENCE = LabKube.PATIENCE;

    private Lab lab;
    private final Map<String, SpeakerProcess> speakers = new TreeMap<>();

    @AfterEach
    void tearDown(ApiClient admin) throws Exception {
        LabKube.tearDown(lab, admin, NS);
    }

    /** Three nodes, the controller, a speaker on each with the defaults, and one Service served on every node. */
    String start(KubeCluster cluster, ApiClient admin) throws Exception {
        lab = Lab.builder().nodes(3).kube(cluster).start();
        LabKube kube = new LabKube(admin);
        kube.setUp(lab, NS, POOLS);
        lab.startController("lab-controller");
        for (LabNode node : lab.nodes()) {
            speakers.put(node.name(), lab.startSpeaker(node.name()));
        }
        lab.serve(PORT);
        for (SpeakerProcess speaker : speakers.values()) {
            speaker.awaitOk("/readyz", PATIENCE);
        }
        kube.create(Kube.loadBalancer(NS, "web", PORT));
        kube.endpoints(NS, "web", lab.nodes().stream().map(LabNode::name).toList());
        String vip = kube.awaitIps(NS, "web").get(0);
        lab.exposeVip(vip);
        for (SpeakerProcess speaker : speakers.values()) {
            Kube.await(speaker.node().name() + " to hear both peers", PATIENCE,
                    () -> speaker.metric("herald_speaker_peers_heard") == 2.0);
        }
        return vip;
    }

    String owner(String vip) throws Exception {
        return SpeakerProcess.awaitOwner(speakers, vip, PATIENCE);
    }

    String mac(String node) {
        return lab.node(node).mac().toLowerCase(Locale.ROOT);
    }

    @Test
    void eachSpeakerSaysInItsLeaseWhereItHearsAndHearsTheOthers(KubeCluster cluster, ApiClient admin) throws Exception {
        start(cluster, admin);
        for (LabNode node : lab.nodes()) {
            V1Lease lease = new CoordinationV1Api(admin).readNamespacedLease("herald-speaker-" + node.name(), LabKube.HERALD_NS)
                    .execute();
            Map<String, String> notes = lease.getMetadata().getAnnotations();
            assertEquals(node.ipv4() + ":7474", notes.get(Annotations.HEARTBEAT_ADDRESS));
            assertTrue(Long.parseLong(notes.get(Annotations.INCARNATION)) > 0, notes.toString());
            SpeakerProcess speaker = speakers.get(node.name());
            assertTrue(speaker.metric("herald_speaker_heartbeat_round_trip_seconds{node=\"" + other(node.name()) + "\"}") > 0);
            assertEquals(0.0, speaker.metric("herald_speaker_heartbeats_dropped_total{reason=\"bad-mac\"}"));
        }
        // Issue 13: renewals, kubelet status reports and another Service's endpoints changing nothing of Herald's
        // decide nothing, through more than a whole Lease duration of them.
        LabKube kube = new LabKube(admin);
        kube.create(new V1Service().metadata(new V1ObjectMeta().namespace(NS).name("elsewhere"))
                .spec(new V1ServiceSpec().type("ClusterIP").ports(List.of(new V1ServicePort().port(PORT)))));
        List<String> names = lab.nodes().stream().map(LabNode::name).toList();
        kube.endpoints(NS, "elsewhere", names);
        Thread.sleep(500);
        Map<String, Double> decided = new TreeMap<>();
        speakers.forEach((node, speaker) -> decided.put(node, speaker.metric("herald_speaker_decisions_total")));
        long quietUntil = System.nanoTime() + LEASE_DURATION.plusSeconds(2).toNanos();
        int reports = 0;
        for (int round = 0; System.nanoTime() < quietUntil; round++) {
            for (LabNode node : lab.nodes()) {
                kube.reportStatus(node.name());
                reports++;
            }
            kube.endpoints(NS, "elsewhere", names.subList(0, 1 + round % names.size()));
            Thread.sleep(1000);
        }
        Map<String, Double> later = new TreeMap<>();
        speakers.forEach((node, speaker) -> later.put(node, speaker.metric("herald_speaker_decisions_total")));
        assertEquals(decided, later, "no decision while nothing changed, through " + LEASE_DURATION.plusSeconds(2).toSeconds()
                + " s of Lease renewals, " + reports + " Node status reports and as many changes of a ClusterIP Service's"
                + " endpoints");
        assertTrue(decided.values().stream().allMatch(n -> n >= 1), "each decided at least once: " + decided);
    }

    /** Acceptance 1 of issue 10, as a test: the VIP moves on heartbeats, and afterwards one MAC answers. */
    @Test
    void aLostNodesVipMovesOnHeartbeatsAndThenExactlyOneMacAnswers(KubeCluster cluster, ApiClient admin) throws Exception {
        String vip = start(cluster, admin);
        String owner = owner(vip);
        ArpReferee referee = lab.client().arpReferee(vip, Duration.ofMillis(20), Duration.ofSeconds(8));
        Probe probe = lab.client().probe(vip, PORT, Duration.ofMillis(10), Duration.ofSeconds(8));
        Thread.sleep(1000);
        lab.cutLink(owner);
        speakers.get(owner).kill();
        ArpLog arp = seen(referee.await(), Duration.ofSeconds(8));
        ProbeLog http = probe.await();
        String next = owner(vip);
        assertNotEquals(owner, next);
        ArpLog.Dark dark = arp.longestDark();
        long lastTwo = arp.lastMicros() - 2_000_000;
        assertEquals(Set.of(mac(next)), arp.macsFrom(lastTwo), "after convergence only " + next + " answers: " + arp);
        assertEquals(0, arp.answeredTwice(), "never two MACs for one request: " + arp);
        assertTrue(dark.length().compareTo(LEASE_DURATION.dividedBy(2)) < 0,
                "moved on heartbeats, long before its Lease (" + LEASE_DURATION.toSeconds() + " s) could run out: " + dark);
        System.out.printf("hard loss of %s (link cut + SIGKILL), heartbeats 100ms/500ms: ARP dark %d ms, then %s answers;"
                + " HTTP longest gap %d ms (%d failed)%n", owner, dark.length().toMillis(), next,
                http.longestGap().length().toMillis(), http.failures());
    }

    /**
     * Issue 14, make before break: a speaker stopped gracefully (SIGTERM, as in a rolling
     * update) keeps answering until the next owner has claimed its VIP, so a new client
     * always finds somebody answering.
     */
    @Test
    void aGracefulStopHandsTheVipOverWithoutADarkMoment(KubeCluster cluster, ApiClient admin) throws Exception {
        String vip = start(cluster, admin);
        String owner = owner(vip);
        ArpReferee referee = lab.client().arpReferee(vip, Duration.ofMillis(20), Duration.ofSeconds(4));
        Thread.sleep(1000);
        assertEquals(143, speakers.get(owner).terminate(Duration.ofSeconds(20)));
        ArpLog arp = seen(referee.await(), Duration.ofSeconds(4));
        String next = owner(vip);
        assertNotEquals(owner, next);
        assertEquals(Set.of(mac(next)), arp.macsFrom(arp.lastMicros() - 1_000_000), arp.toString());
        assertTrue(dark(arp).compareTo(Duration.ofMillis(100)) < 0, "no dark moment in a hand-over: " + arp);
        assertTrue(arp.answeredTwice() <= HAND_OVER_OVERLAP, arp.toString());
        System.out.printf("graceful stop of %s's speaker: ARP longest dark %d ms, %d requests answered by two MACs, then %s%n",
                owner, dark(arp).toMillis(), arp.answeredTwice(), next);
    }

    /**
     * Issue 14: a rolling restart of every speaker, one at a time as a DaemonSet rollout does
     * (SIGTERM, start again, wait until it hears both peers), with the referee asking every
     * 20 ms throughout. The VIP is never dark; it moves only when the node announcing it
     * stops (make before break), never when a node comes back (it is held); so at most one
     * move per restart of its owner, each with at most {@link #HAND_OVER_OVERLAP} requests
     * answered by two MACs.
     */
    @Test
    void aRollingRestartOfEverySpeakerNeverLeavesTheVipDarkAndMovesItOnlyWhenItsOwnerStops(KubeCluster cluster,
            ApiClient admin) throws Exception {
        String vip = start(cluster, admin);
        String owner = owner(vip);
        Duration watched = Duration.ofSeconds(32);
        ArpReferee referee = lab.client().arpReferee(vip, Duration.ofMillis(20), watched);
        long began = System.nanoTime();
        Thread.sleep(1000);
        int moves = 0;
        List<String> path = new java.util.ArrayList<>(List.of(owner));
        for (String node : List.copyOf(speakers.keySet())) {
            assertEquals(143, speakers.get(node).terminate(Duration.ofSeconds(20)));
            SpeakerProcess again = lab.startSpeaker(node);
            speakers.put(node, again);
            again.awaitOk("/readyz", PATIENCE);
            Kube.await(node + " to hear both peers again", PATIENCE, () -> again.metric("herald_speaker_peers_heard") == 2.0);
            Thread.sleep(500); // what it would pull back, it would have by now
            String now = owner(vip);
            if (!now.equals(owner)) {
                moves++;
                path.add(now);
                assertEquals(owner, node, "the VIP moved from " + owner + " to " + now + " although " + node
                        + ", not its owner, restarted");
            }
            owner = now;
        }
        Duration restarts = Duration.ofNanos(System.nanoTime() - began);
        assertTrue(restarts.plusSeconds(1).compareTo(watched) < 0, "the referee watched every restart: " + restarts);
        ArpLog arp = seen(referee.await(), watched);
        ArpLog.Dark dark = arp.longestDark();
        assertTrue(dark.length().compareTo(Duration.ofMillis(100)) < 0, "never dark: " + dark);
        assertTrue(arp.answeredTwice() <= (long) HAND_OVER_OVERLAP * moves, arp.answeredTwice() + " requests answered by"
                + " two MACs in " + moves + " moves: " + arp);
        assertEquals(Set.of(mac(owner)), arp.macsFrom(arp.lastMicros() - 2_000_000), "then only " + owner + ": " + arp);
        System.out.printf("rolling restart of 3 speakers (heartbeats, default timers) in %d ms: the VIP moved %d times (%s);"
                + " ARP longest dark %d ms, %d of %d requests answered by two MACs%n", restarts.toMillis(), moves,
                String.join(" -> ", path), dark.length().toMillis(), arp.answeredTwice(), arp.requests().size());
    }

    /**
     * Requests answered by two MACs while a VIP is handed over: the giver answers until the
     * taker's first gratuitous ARP, so a request in flight then may get both (both serve).
     */
    static final int HAND_OVER_OVERLAP = 3;

    /** Acceptance 2: the node stays up, its speaker is killed; the others stop hearing it within the timeout. */
    @Test
    void aKilledSpeakersVipMovesWithinTheHeartbeatTimeout(KubeCluster cluster, ApiClient admin) throws Exception {
        String vip = start(cluster, admin);
        String owner = owner(vip);
        ArpReferee referee = lab.client().arpReferee(vip, Duration.ofMillis(20), Duration.ofSeconds(6));
        Thread.sleep(1000);
        speakers.get(owner).kill();
        ArpLog arp = seen(referee.await(), Duration.ofSeconds(6));
        String next = owner(vip);
        assertNotEquals(owner, next);
        assertEquals(Set.of(mac(next)), arp.macsFrom(arp.lastMicros() - 2_000_000), arp.toString());
        assertEquals(0, arp.answeredTwice(), arp.toString());
        assertTrue(dark(arp).compareTo(LEASE_DURATION.dividedBy(2)) < 0, arp.toString());
        System.out.printf("speaker on %s SIGKILLed, node up: ARP dark %d ms, then %s answers%n", owner,
                dark(arp).toMillis(), next);
    }

    /** Acceptance 6: forged, replayed and strangers' heartbeats are dropped, counted by reason, and move nothing. */
    @Test
    void forgedReplayedAndStrangersHeartbeatsAreDroppedCountedAndMoveNothing(KubeCluster cluster, ApiClient admin)
            throws Exception {
        String vip = start(cluster, admin);
        String owner = owner(vip);
        Map<String, List<String>> before = announcedByNode();
        String target = lab.node("n1").ipv4();
        V1Lease n2 = new CoordinationV1Api(admin).readNamespacedLease("herald-speaker-n2", LabKube.HERALD_NS).execute();
        long incarnation = Long.parseLong(n2.getMetadata().getAnnotations().get(Annotations.INCARNATION));
        HeartbeatCodec ours = new HeartbeatCodec(Files.readString(lab.heartbeatKey()).strip().getBytes());
        HeartbeatCodec forger = new HeartbeatCodec("somebody-else's-key-0123456789".getBytes());
        // A "leaving" n2 would take n2 out at once, if it were believed.
        send(target, forger.encode(new Heartbeat("n2", incarnation, Long.MAX_VALUE, true, 0, 0, List.of())));
        send(target, new byte[] {'H', 'R', 'L', 'D', 1, 0, 0});
        send(target, ours.encode(new Heartbeat("n2", incarnation, 1, true, 0, 0, List.of())));
        send(target, ours.encode(new Heartbeat("n2", incarnation - 1, Long.MAX_VALUE, true, 0, 0, List.of())));
        send(target, ours.encode(new Heartbeat("n9", 1, 1, false, 0, 0, List.of())));
        SpeakerProcess n1 = speakers.get("n1");
        for (String reason : List.of("bad-mac", "malformed", "replayed", "old-incarnation", "unknown-node")) {
            Kube.await("n1 to count a " + reason + " heartbeat", PATIENCE,
                    () -> n1.metric("herald_speaker_heartbeats_dropped_total{reason=\"" + reason + "\"}") >= 1.0);
        }
        Thread.sleep(1000);
        assertEquals(before, announcedByNode(), "no VIP moved");
        assertEquals(owner, owner(vip));
        assertEquals(2.0, n1.metric("herald_speaker_peers_heard"));
    }

    /**
     * Acceptance 7 of issue 10 (and issue 14): the owner's speaker is frozen for 5 s (SIGSTOP)
     * while its VIP moves away. When it resumes, the ARP requests queued during the pause are
     * not answered from what it knew before it (its gate is shut: they are counted as
     * stale-view), and it does not pull the VIP back: the node that took it holds it, so the
     * pause costs one move, not two, and no request after the resume is answered by two MACs.
     */
    @Test
    void aSpeakerFrozenFiveSecondsDoesNotAnswerFromItsStaleViewNorTakeItsVipBack(KubeCluster cluster, ApiClient admin)
            throws Exception {
        String vip = start(cluster, admin);
        String owner = owner(vip);
        SpeakerProcess frozen = speakers.get(owner);
        ArpReferee referee = lab.client().arpReferee(vip, Duration.ofMillis(20), Duration.ofSeconds(10));
        Thread.sleep(1000);
        double unansweredBefore = unanswered(frozen);
        signal("STOP", frozen.pid());
        long frozeMicros = wallMicros();
        Thread.sleep(4000);
        Map<String, SpeakerProcess> others = new TreeMap<>(speakers);
        others.remove(owner); // a frozen speaker's /metrics would hold the question up until the referee is done
        String taker = SpeakerProcess.awaitOwner(others, vip, PATIENCE);
        Thread.sleep(Math.max(0, 5000 - (wallMicros() - frozeMicros) / 1000));
        long resumedMicros = wallMicros();
        signal("CONT", frozen.pid());
        ArpLog arp = seen(referee.await(), Duration.ofSeconds(10));
        String around = arp.requests().stream().filter(r -> r.macs().size() > 1 || Math.abs(r.micros() - resumedMicros) < 200_000)
                .map(r -> (r.micros() - resumedMicros) / 1000 + "ms " + r.macs()).toList().toString();
        // The requests queued during the pause reached it and were dropped: as stale-view when the capture thread ran
        // first after the pause (its gate shut), as not-owned when the decision thread did.
        assertTrue(unanswered(frozen) > unansweredBefore, "the frozen node dropped the requests queued during the pause: "
                + frozen.metrics());
        assertEquals(Set.of(mac(taker)), arp.macsFrom(resumedMicros - 200_000),
                "from the resume on only " + taker + ", which took the VIP, answers: " + around);
        assertEquals(0, arp.answeredTwiceFrom(resumedMicros - 200_000), "no request answered twice: " + around);
        ArpLog.Dark dark = arp.longestDarkFrom(resumedMicros);
        assertTrue(dark.length().compareTo(Duration.ofMillis(100)) < 0, "no dark moment after the resume: " + dark);
        assertEquals(taker, owner(vip), "it stays with " + taker + " once the frozen node is heard again");
        assertEquals(1.0, speakers.get(taker).metric("herald_speaker_vips_held"),
                taker + " says it holds the VIP against the hash");
        System.out.printf("speaker on %s frozen 5 s: %s; after the resume: only %s answers (the VIP is held), longest dark"
                + " %d ms, %d requests answered twice%n", owner, arp, taker, dark.length().toMillis(),
                arp.answeredTwiceFrom(resumedMicros));
    }

    /**
     * Acceptance 3 of issue 10: the API server frozen for 60 s (SIGSTOP: every connection
     * open and unanswered). No VIP moves and the client loses nothing; a node lost in the
     * middle of it still loses its VIPs to the others within about a second; when the API
     * server returns, nothing moves.
     */
    @Test
    void anApiServerOutageMovesNothingYetALostNodesVipsStillMove(KubeCluster cluster, ApiClient admin) throws Exception {
        String vip = start(cluster, admin);
        LabKube kube = new LabKube(admin);
        for (int i = 0; i < 5; i++) {
            kube.create(Kube.loadBalancer(NS, "other-" + i, PORT));
            kube.endpoints(NS, "other-" + i, lab.nodes().stream().map(LabNode::name).toList());
            String ip = kube.awaitIps(NS, "other-" + i).get(0);
            lab.exposeVip(ip);
            owner(ip);
        }
        String lost = owner(vip);
        Map<String, List<String>> before = announcedByNode();
        ProcessHandle apiServer = ((io.herald.testkit.LocalKubeApiServer) cluster).apiServerProcess();

        ArpReferee referee = lab.client().arpReferee(vip, Duration.ofMillis(20), Duration.ofSeconds(30));
        Probe quiet = lab.client().probe(vip, PORT, Duration.ofMillis(10), Duration.ofSeconds(30));
        signal("STOP", apiServer.pid());
        try {
            ProbeLog outage = quiet.await();
            assertEquals(0, outage.failures(), "30 s into the outage, not one request lost: " + outage.longestGap());
            ArpLog arp = seen(referee.await(), Duration.ofSeconds(30));
            assertEquals(Set.of(mac(lost)), arp.macsFrom(0), "only its owner answered ARP for " + vip + ": " + arp);
            assertEquals(0, arp.answeredTwice(), arp.toString());
            assertTrue(dark(arp).compareTo(Duration.ofMillis(100)) < 0, "never dark: " + arp);
            System.out.printf("API server frozen 30 s: ARP longest dark %d ms, %d requests answered by two MACs%n",
                    dark(arp).toMillis(), arp.answeredTwice());
            assertEquals(before, announcedByNode(), "no VIP moved while the API server was silent");
            for (SpeakerProcess speaker : speakers.values()) {
                assertTrue(speaker.metric("herald_speaker_lease_renew_failures_total") >= 1,
                        speaker.node().name() + " counts its failed renewals: each has a deadline");
                assertTrue(speaker.output().contains("cannot renew Lease"), speaker.node().name() + " says so in its log");
            }

            Probe loss = lab.client().probe(vip, PORT, Duration.ofMillis(10), Duration.ofSeconds(10));
            Thread.sleep(1000);
            lab.cutLink(lost);
            speakers.get(lost).kill();
            ProbeLog lossLog = loss.await();
            speakers.remove(lost);
            Map<String, List<String>> afterLoss = announcedByNode();
            assertTrue(afterLoss.values().stream().anyMatch(list -> list.contains(vip)), "a survivor took " + vip + ": " + afterLoss);
            for (Map.Entry<String, List<String>> e : afterLoss.entrySet()) {
                assertTrue(e.getValue().containsAll(before.get(e.getKey())), e.getKey() + " kept what it had: " + afterLoss);
            }
            assertTrue(lossLog.longestGap().length().compareTo(Duration.ofSeconds(2)) < 0,
                    "the client recovers within about a second: " + lossLog.longestGap());
            System.out.printf("API server frozen: 30 s, 3000 requests, 0 failed, no VIP moved; then %s lost: HTTP longest gap"
                    + " %d ms (%d failed)%n", lost, lossLog.longestGap().length().toMillis(), lossLog.failures());
            Thread.sleep(20_000);
            assertEquals(afterLoss, announcedByNode(), "60 s into the outage, nothing else moved");
        } finally {
            signal("CONT", apiServer.pid());
        }
        Map<String, List<String>> settled = announcedByNode();
        Probe back = lab.client().probe(vip, PORT, Duration.ofMillis(10), Duration.ofSeconds(10));
        ProbeLog backLog = back.await();
        assertEquals(0, backLog.failures(), "the API server's return loses nothing: " + backLog.longestGap());
        assertEquals(settled, announcedByNode(), "and moves no VIP");
    }

    private static double unanswered(SpeakerProcess speaker) {
        return speaker.metric("herald_speaker_frames_dropped_total{interface=\"eth0\",reason=\"stale-view\"}")
                + speaker.metric("herald_speaker_frames_dropped_total{interface=\"eth0\",reason=\"not-owned\"}");
    }

    /**
     * Acceptance 4 of issue 10: one node cut off from the API server (its traffic silently
     * dropped), the LAN intact, for longer than a Lease lasts. Its peers still hear it and
     * it hears them, so it keeps its VIPs: nothing moves, no request fails. Its renewals fail
     * on their deadline, counted and logged.
     */
    @Test
    void aNodeCutOffFromTheApiServerOnlyKeepsItsVips(KubeCluster cluster, ApiClient admin) throws Exception {
        String vip = start(cluster, admin);
        String cut = owner(vip);
        Map<String, List<String>> before = announcedByNode();
        ArpReferee referee = lab.client().arpReferee(vip, Duration.ofMillis(20), Duration.ofSeconds(15));
        Probe probe = lab.client().probe(vip, PORT, Duration.ofMillis(10), Duration.ofSeconds(15));
        lab.freezeApi(cut);
        try {
            ProbeLog log = probe.await();
            assertEquals(0, log.failures(), "15 s cut off, longer than its 6 s Lease: " + log.longestGap());
            ArpLog arp = seen(referee.await(), Duration.ofSeconds(15));
            assertEquals(Set.of(mac(cut)), arp.macsFrom(0), "only " + cut + " answered ARP for " + vip + ": " + arp);
            assertEquals(0, arp.answeredTwice(), arp.toString());
            assertTrue(dark(arp).compareTo(Duration.ofMillis(100)) < 0, "never dark: " + arp);
            System.out.printf("%s cut off from the API server 15 s: ARP longest dark %d ms, %d requests answered by two MACs%n",
                    cut, dark(arp).toMillis(), arp.answeredTwice());
            assertEquals(before, announcedByNode(), "no VIP moved");
            SpeakerProcess speaker = speakers.get(cut);
            assertTrue(speaker.metric("herald_speaker_lease_renew_failures_total") >= 1, "its renewals fail and are counted");
            assertEquals(0.0, speaker.metric("herald_speaker_lease_fresh"), "its own Lease is not fresh");
            assertTrue(speaker.metric("herald_speaker_vips_announced") >= 1, "and still it announces, on its peers' word");
            System.out.printf("%s cut off from the API server 15 s (LAN intact): 1500 requests, 0 failed, no VIP moved%n", cut);
        } finally {
            lab.thawApi(cut);
        }
        Thread.sleep(3000);
        assertEquals(before, announcedByNode(), "nor when its API traffic returns");
    }

    /**
     * Acceptance 5 of issue 10: a node's outgoing heartbeats are dropped by a firewall rule
     * in its namespace, its ARP untouched. Nobody hears it, and its peers' heartbeats tell it
     * so: it counts itself out while the others take its VIPs. After convergence exactly one
     * MAC answers ARP for the VIP, over 5 s of capture.
     */
    @Test
    void aNodeWhoseHeartbeatsCannotGetOutCountsItselfOutAndOneMacAnswers(KubeCluster cluster, ApiClient admin)
            throws Exception {
        String vip = start(cluster, admin);
        String muted = owner(vip);
        ArpReferee referee = lab.client().arpReferee(vip, Duration.ofMillis(20), Duration.ofSeconds(8));
        Thread.sleep(1000);
        long droppedAt = wallMicros();
        var rule = lab.exec(muted, Duration.ofSeconds(10), "iptables", "-I", "OUTPUT", "-p", "udp", "--dport", "7474", "-j", "DROP");
        assertEquals(0, rule.exit(), rule.toString());
        ArpLog arp = seen(referee.await(), Duration.ofSeconds(8));
        String next = owner(vip);
        assertNotEquals(muted, next);
        long converged = droppedAt + 2_000_000;
        assertEquals(Set.of(mac(next)), arp.macsFrom(converged), "over the last 5 s only " + next + " answers: " + arp);
        assertEquals(0, arp.answeredTwiceFrom(converged), arp.toString());
        assertEquals(0, arp.answeredTwice(), "not even while it converged: " + arp);
        System.out.printf("%s's outgoing heartbeats dropped: ARP dark %d ms, then only %s answers (%s)%n", muted,
                dark(arp).toMillis(), next, arp);
    }

    /** The referee saw its own requests, most of them: a log that saw nothing proves nothing. */
    private static ArpLog seen(ArpLog arp, Duration total) {
        long expected = total.toMillis() / 20;
        assertTrue(arp.requests().size() >= expected * 9 / 10, "the referee sent " + arp.requests().size() + " of " + expected
                + " requests");
        return arp;
    }

    private Duration dark(ArpLog arp) {
        return arp.longestDark().length();
    }

    private static String other(String node) {
        return node.equals("n1") ? "n2" : "n1";
    }

    private Map<String, List<String>> announcedByNode() {
        Map<String, List<String>> announced = new TreeMap<>();
        speakers.forEach((node, speaker) -> announced.put(node, speaker.announced()));
        return announced;
    }

    private void send(String ip, byte[] frame) throws Exception {
        Path file = Files.createTempFile("herald-heartbeat", ".bin");
        try {
            Files.write(file, frame);
            var result = lab.client().exec(Duration.ofSeconds(10), "socat", "-u", "OPEN:" + file, "UDP-SENDTO:" + ip + ":7474");
            assertEquals(0, result.exit(), result.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void signal(String name, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + name + " " + pid);
    }

    private static long wallMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }
}
