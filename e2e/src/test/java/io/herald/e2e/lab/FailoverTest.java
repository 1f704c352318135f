package io.herald.e2e.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.e2e.HeraldProcess;
import io.herald.e2e.Kube;
import io.herald.testkit.KubeApiServerExtension;
import io.herald.testkit.KubeApiServerPerClass;
import io.herald.testkit.KubeCluster;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Service;
import io.herald.common.Annotations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Herald end to end on simulated nodes: the real controller and one real speaker per
 * node namespace, real ARP / NDP on a bridge, a real Linux client, and nodes that stop
 * or die. What the client sees is what is asserted.
 */
@ExtendWith(KubeApiServerExtension.class)
@KubeApiServerPerClass
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FailoverTest {
    static final String NS = "apps";
    static final int PORT = 80;
    /** Speaker Lease timers for the lab: a dead node's VIPs move within 3 s. */
    static final int RENEW_MILLIS = 1000;
    static final int DURATION_MILLIS = 3000;
    static final String POOLS = """
            address-pools:
            - name: lan
              addresses: [198.18.0.100-198.18.0.120, "2001:db8::100-2001:db8::120"]
            """;
    private static final Duration PATIENCE = LabKube.PATIENCE;

    private Lab lab;
    private final Map<String, SpeakerProcess> speakers = new TreeMap<>();
    private HeraldProcess controller;

    @AfterEach
    void tearDown(ApiClient admin) throws Exception {
        LabKube.tearDown(lab, admin, NS);
    }

    /** A 3-node lab with the controller, a speaker per node and the stand-in server on port 80. */
    LabKube start(KubeCluster cluster, ApiClient admin) throws Exception {
        lab = Lab.builder().nodes(3).kube(cluster).start();
        LabKube kube = new LabKube(admin);
        kube.setUp(lab, NS, POOLS);
        controller = lab.startController("lab-controller");
        for (LabNode node : lab.nodes()) {
            speakers.put(node.name(), lab.startSpeaker(node.name(),
                    "--lease-renew", RENEW_MILLIS + "ms", "--lease-duration", DURATION_MILLIS + "ms"));
        }
        lab.serve(PORT);
        for (SpeakerProcess speaker : speakers.values()) {
            speaker.awaitOk("/readyz", PATIENCE);
        }
        return kube;
    }

    /** A Service whose pods run on every node, its IPs exposed on the nodes as kube-proxy would. */
    List<String> service(LabKube kube, String name, V1Service service) throws Exception {
        kube.create(service);
        kube.endpoints(NS, name, lab.nodes().stream().map(LabNode::name).toList());
        List<String> ips = kube.awaitIps(NS, name);
        ips.forEach(lab::exposeVip);
        return ips;
    }

    String awaitOwner(String vip) throws Exception {
        return SpeakerProcess.awaitOwner(speakers, vip, PATIENCE);
    }

    String awaitAnswer(String vip) throws Exception {
        return Kube.await("the client to reach " + vip + ":" + PORT, PATIENCE,
                () -> lab.client().get(vip, PORT, Duration.ofSeconds(1)).orElse(null));
    }

    /** Polls the client's neighbour entry until it names another MAC; the time that took, or fails. */
    Duration awaitNeighbourLeaves(String vip, String oldMac, long sinceNanos) throws Exception {
        for (int i = 0; i < 3000; i++) {
            Optional<Neighbour> entry = lab.client().neighbour(vip);
            if (entry.flatMap(Neighbour::mac).filter(mac -> !mac.equalsIgnoreCase(oldMac)).isPresent()) {
                return Duration.ofNanos(System.nanoTime() - sinceNanos);
            }
            if (System.nanoTime() - sinceNanos > PATIENCE.toNanos()) {
                break;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the client's neighbour entry for " + vip + " still names " + oldMac + ": "
                + lab.client().neighbour(vip));
    }

    @Test
    void clientReachesTheVipThroughTheAnnouncingNodeAndAgainAfterAStopAndANodeLoss(KubeCluster cluster, ApiClient admin)
            throws Exception {
        LabKube kube = start(cluster, admin);
        String vip = service(kube, "web", Kube.loadBalancer(NS, "web", PORT)).get(0);
        assertEquals("198.18.0.100", vip, "the pool's first address");

        String owner = awaitOwner(vip);
        assertEquals(owner, awaitAnswer(vip), "the node whose speaker announces the VIP is the one that answers");
        assertEquals(lab.node(owner).mac(), lab.client().neighbour(vip).flatMap(Neighbour::mac).orElse(null));
        String said = vip + " from node " + owner + " on eth0";
        Kube.await("Announcing Event \"" + said + "\"", PATIENCE, () -> kube.announcing(NS, "web").contains(said));

        // 1. Graceful stop of the owner's speaker (a rolling update, a drain): its Lease goes, the VIP moves at once.
        Probe probe = lab.client().probe(vip, PORT, Duration.ofMillis(10), Duration.ofSeconds(6));
        long stopAt = System.nanoTime();
        assertEquals(143, speakers.get(owner).terminate(Duration.ofSeconds(20)));
        Duration switched = awaitNeighbourLeaves(vip, lab.node(owner).mac(), stopAt);
        ProbeLog graceful = probe.await();
        String second = awaitOwner(vip);
        assertNotEquals(owner, second);
        assertEquals(lab.node(second).mac(), lab.client().neighbour(vip).flatMap(Neighbour::mac).orElse(null),
                "the client now sends to the new owner, without anyone flushing its cache");
        assertEquals(second, awaitAnswer(vip));
        assertEquals(0, graceful.failures(), "a graceful stop loses no request: the old node still serves until the"
                + " client switches; longest gap " + graceful.longestGap());
        System.out.printf("graceful stop of %s's speaker: client's neighbour entry switched to %s after %d ms;"
                + " %d requests, 0 failed (%d answered on a second connection after a reset), longest gap %d ms%n", owner, second,
                switched.toMillis(), graceful.attempts().size(), graceful.retriedAfterReset(), graceful.longestGap().length().toMillis());

        // 2. Hard node loss: the new owner's link is cut and its speaker killed; the VIP moves when its Lease expires,
        //    and only the VIPs that node held move.
        List<String> others = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            others.addAll(service(kube, "other-" + i, Kube.loadBalancer(NS, "other-" + i, PORT)));
        }
        Map<String, String> ownersBefore = new TreeMap<>();
        for (String ip : others) {
            ownersBefore.put(ip, awaitOwner(ip));
        }
        probe = lab.client().probe(vip, PORT, Duration.ofMillis(10), Duration.ofSeconds(10));
        long lossAt = System.nanoTime();
        lab.cutLink(second);
        speakers.get(second).kill();
        Duration switchedAfterLoss = awaitNeighbourLeaves(vip, lab.node(second).mac(), lossAt);
        ProbeLog loss = probe.await();
        String third = awaitOwner(vip);
        assertTrue(!third.equals(owner) && !third.equals(second), "the last live node owns it: " + third);
        assertEquals(third, awaitAnswer(vip), "the client reaches the VIP again, through " + third);
        ProbeLog.Gap gap = loss.longestGap();
        assertEquals(Optional.of(third), gap.nodeAfter(), "after the gap the survivor answers: " + gap);
        List<String> wronglyMoved = new ArrayList<>();
        for (String ip : others) {
            String now = awaitOwner(ip);
            String was = ownersBefore.get(ip);
            if (was.equals(second) ? now.equals(second) : !now.equals(was)) {
                wronglyMoved.add(ip + ": " + was + " -> " + now);
            }
        }
        assertEquals(List.of(), wronglyMoved, "only the lost node's VIPs move, all of them: " + ownersBefore);
        System.out.printf("hard loss of %s (link cut + SIGKILL, Lease %d ms): neighbour entry switched to %s after %d ms;"
                + " longest gap without an answer %d ms (%d failed requests)%n", second, DURATION_MILLIS, third,
                switchedAfterLoss.toMillis(), gap.length().toMillis(), loss.failures());
    }

    @Test
    void ipv6VipIsReachedThroughNdpAndMovesWithAnUnsolicitedAdvertisement(KubeCluster cluster, ApiClient admin)
            throws Exception {
        LabKube kube = start(cluster, admin);
        V1Service v6 = Kube.loadBalancer(NS, "web6", PORT);
        v6.getSpec().ipFamilyPolicy("SingleStack").ipFamilies(List.of("IPv6"));
        String vip = service(kube, "web6", v6).get(0);
        assertEquals("2001:db8::100", vip);

        String owner = awaitOwner(vip);
        assertEquals(owner, awaitAnswer(vip), "reached over IPv6 through the node that answers Neighbor Solicitations");
        assertEquals(lab.node(owner).mac(), lab.client().neighbour(vip).flatMap(Neighbour::mac).orElse(null));

        long stopAt = System.nanoTime();
        assertEquals(143, speakers.get(owner).terminate(Duration.ofSeconds(20)));
        Duration switched = awaitNeighbourLeaves(vip, lab.node(owner).mac(), stopAt);
        String next = awaitOwner(vip);
        assertEquals(lab.node(next).mac(), lab.client().neighbour(vip).flatMap(Neighbour::mac).orElse(null));
        assertEquals(next, awaitAnswer(vip));
        System.out.printf("IPv6 graceful stop of %s's speaker: neighbour entry switched to %s after %d ms%n",
                owner, next, switched.toMillis());
    }

    @Test
    void twoServicesSharingAnIpAreReachedOnTheirOwnPortsThroughOneNode(KubeCluster cluster, ApiClient admin)
            throws Exception {
        LabKube kube = start(cluster, admin);
        lab.serve(8080);
        V1Service a = Kube.loadBalancer(NS, "front", PORT);
        V1Service b = Kube.loadBalancer(NS, "admin", 8080);
        for (V1Service s : List.of(a, b)) {
            s.getMetadata().getAnnotations().put(Annotations.ALLOW_SHARED_IP, "edge");
            s.getSpec().loadBalancerIP("198.18.0.110");
        }
        String ipA = service(kube, "front", a).get(0);
        String ipB = service(kube, "admin", b).get(0);
        assertEquals("198.18.0.110", ipA);
        assertEquals(ipA, ipB, "one IP for both");

        String owner = awaitOwner(ipA);
        assertEquals(owner, awaitAnswer(ipA));
        assertEquals(Optional.of(owner), lab.client().get(ipA, 8080, Duration.ofSeconds(2)), "port 8080 through the same node");
        for (String service : List.of("front", "admin")) {
            String said = ipA + " from node " + owner + " on eth0";
            Kube.await("Announcing on " + service, PATIENCE, () -> kube.announcing(NS, service).contains(said));
        }
    }

    @Test
    void localTrafficPolicyIsAnnouncedOnlyWhereAnEndpointRunsAndFollowsIt(KubeCluster cluster, ApiClient admin)
            throws Exception {
        LabKube kube = start(cluster, admin);
        V1Service local = Kube.loadBalancer(NS, "local", PORT);
        local.getSpec().externalTrafficPolicy("Local");
        kube.create(local);
        kube.endpoints(NS, "local", List.of("n2"));
        String vip = kube.awaitIps(NS, "local").get(0);
        lab.exposeVip(vip);
        assertEquals("n2", awaitOwner(vip), "only n2 runs a ready endpoint");
        assertEquals("n2", awaitAnswer(vip));

        kube.endpoints(NS, "local", List.of("n3"));
        SpeakerProcess.awaitOwnerBecomes(speakers, vip, "n3", PATIENCE); // the VIP follows the endpoint
        assertEquals("n3", Kube.await("the client to reach n3", PATIENCE,
                () -> lab.client().get(vip, PORT, Duration.ofSeconds(1)).filter("n3"::equals).orElse(null)));

        kube.endpoints(NS, "local", List.of());
        Kube.await("nobody announcing " + vip + " without a ready endpoint", PATIENCE,
                () -> speakers.values().stream().noneMatch(s -> s.announced().contains(vip)));
    }

    @Test
    void aBadConfigMapMidRunChangesNothingTheClientSees(KubeCluster cluster, ApiClient admin) throws Exception {
        LabKube kube = start(cluster, admin);
        String vip = service(kube, "web", Kube.loadBalancer(NS, "web", PORT)).get(0);
        String owner = awaitOwner(vip);
        awaitAnswer(vip);

        Probe probe = lab.client().probe(vip, PORT, Duration.ofMillis(10), Duration.ofSeconds(5));
        Kube.applyConfig(admin, LabKube.HERALD_NS, "address-pools: [ {name: lan, addresses: [198.18.0.300");
        Kube.await("the controller's InvalidConfig Event", PATIENCE,
                () -> !Kube.events(admin, LabKube.HERALD_NS, "herald-config", "InvalidConfig").isEmpty());
        ProbeLog log = probe.await();
        assertEquals(0, log.failures(), "every request answered while the bad config was rejected: " + log.longestGap());
        assertEquals(List.of(owner), log.nodes(), "by the same node");
        assertEquals(List.of(vip), Kube.ingress(Kube.read(admin, NS, "web")));
        assertEquals(owner, awaitOwner(vip));
    }

    @Test
    void rollingRestartOfEverySpeakerLosesNoRequest(KubeCluster cluster, ApiClient admin) throws Exception {
        LabKube kube = start(cluster, admin);
        String vip = service(kube, "web", Kube.loadBalancer(NS, "web", PORT)).get(0);
        awaitOwner(vip);
        awaitAnswer(vip);

        Probe probe = lab.client().probe(vip, PORT, Duration.ofMillis(10), Duration.ofSeconds(30));
        for (String node : List.copyOf(speakers.keySet())) {
            assertEquals(143, speakers.get(node).terminate(Duration.ofSeconds(20)));
            SpeakerProcess again = lab.startSpeaker(node,
                    "--lease-renew", RENEW_MILLIS + "ms", "--lease-duration", DURATION_MILLIS + "ms");
            speakers.put(node, again);
            again.awaitOk("/readyz", PATIENCE);
            awaitOwner(vip);
        }
        ProbeLog log = probe.await();
        assertEquals(0, log.failures(), "no request failed during the rolling restart; longest gap " + log.longestGap());
        System.out.printf("rolling restart of 3 speakers: %d requests, 0 failed (%d answered on a second connection after"
                + " a reset), answered by %s, longest gap %d ms%n",
                log.attempts().size(), log.retriedAfterReset(), log.nodes(), log.longestGap().length().toMillis());
    }

    @Test
    void controllerLeaderKilledDuringABurstLeavesEveryServiceWithItsOwnIpAndChangesNone(KubeCluster cluster, ApiClient admin)
            throws Exception {
        LabKube kube = start(cluster, admin); // its controller, "lab-controller", leads
        String vip = service(kube, "web", Kube.loadBalancer(NS, "web", PORT)).get(0);
        lab.startController("lab-controller-2");
        Kube.await("lab-controller to lead", PATIENCE, () -> "lab-controller".equals(leader(admin)));

        Probe probe = lab.client().probe(vip, PORT, Duration.ofMillis(10), Duration.ofSeconds(10));
        for (int i = 0; i < 20; i++) {
            kube.create(Kube.loadBalancer(NS, "burst-" + i, PORT));
            if (i == 9) {
                controller.kill(); // SIGKILL, mid-burst
            }
        }
        Map<String, List<String>> ips = Kube.await("all 21 Services with an IP", Duration.ofSeconds(120), () -> {
            Map<String, List<String>> all = Kube.ingressByService(admin);
            return all.size() == 21 && all.values().stream().noneMatch(List::isEmpty) ? all : null;
        });
        assertEquals("lab-controller-2", leader(admin));
        List<String> flat = ips.values().stream().flatMap(List::stream).toList();
        assertEquals(flat.size(), Set.copyOf(flat).size(), "no IP handed out twice: " + ips);
        assertEquals(List.of(vip), ips.get(NS + "/web"), "the existing Service kept its IP");
        ProbeLog log = probe.await();
        assertEquals(0, log.failures(), "the client never noticed the controller dying: " + log.longestGap());
    }

    private static String leader(ApiClient admin) {
        try {
            return new CoordinationV1Api(admin).readNamespacedLease("herald-controller", LabKube.HERALD_NS).execute()
                    .getSpec().getHolderIdentity();
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void dualStackServiceIsReachedOnBothAddresses(KubeCluster cluster, ApiClient admin) throws Exception {
        LabKube kube = start(cluster, admin);
        V1Service both = Kube.loadBalancer(NS, "dual", PORT);
        both.getSpec().ipFamilyPolicy("RequireDualStack").ipFamilies(List.of("IPv4", "IPv6"));
        List<String> ips = service(kube, "dual", both);
        assertEquals(List.of("198.18.0.100", "2001:db8::100"), ips, "one address per family, lowest first");
        for (String ip : ips) {
            String owner = awaitOwner(ip);
            assertEquals(owner, awaitAnswer(ip), "each address reached through the node that announces it (ARP / NDP)");
            assertEquals(lab.node(owner).mac(), lab.client().neighbour(ip).flatMap(Neighbour::mac).orElse(null));
        }
    }
}
