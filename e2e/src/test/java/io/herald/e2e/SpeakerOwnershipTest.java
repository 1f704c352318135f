package io.herald.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.e2e.lab.SpeakerProcess;
import io.herald.testkit.KubeApiServerExtension;
import io.herald.testkit.KubeApiServerPerClass;
import io.herald.testkit.KubeCluster;
import io.herald.testkit.net.Netns;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1LoadBalancerIngress;
import io.kubernetes.client.openapi.models.V1LoadBalancerStatus;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three speakers as real processes against the real API server: they agree, through
 * their node Leases alone, on exactly one owner per VIP, and hand VIPs over when one
 * stops (at once) or dies (after its Lease expires). They announce on a veth the test
 * creates beside the test JVM (in the JVM's own network namespace) whose peer is in a
 * namespace of its own, so no frame leaves this machine.
 */
@ExtendWith(KubeApiServerExtension.class)
@KubeApiServerPerClass
class SpeakerOwnershipTest {
    private static final String NS = "apps";
    private static final int VIPS = 30;
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** The speakers' Lease: short, so the hard-kill test is quick; renewal a third of it. */
    private static final int LEASE_MILLIS = 4000;

    private static String dummy;
    private final Map<String, HeraldProcess> speakers = new TreeMap<>();
    private final Map<String, Integer> ports = new HashMap<>();

    /** A veth whose other end is in a network namespace of its own: frames sent on it reach only that namespace. */
    @BeforeAll
    static void announcingInterface() throws Exception {
        String id = Long.toHexString(System.nanoTime() & 0xffffffL);
        dummy = "hd" + id;
        Netns.requireOwnNamespace();
        Shell.run("ip", "netns", "add", "hs" + id);
        Shell.run("ip", "link", "add", dummy, "type", "veth", "peer", "name", "hp" + id, "netns", "hs" + id);
        Shell.run("ip", "link", "set", dummy, "up");
        Shell.run("ip", "-n", "hs" + id, "link", "set", "hp" + id, "up");
    }

    @AfterAll
    static void removeInterface() {
        Shell.runQuietly("ip", "link", "del", dummy);
        Shell.runQuietly("ip", "netns", "del", "hs" + dummy.substring(2));
    }

    @BeforeEach
    void cluster(ApiClient admin) throws Exception {
        Kube.namespace(admin, ControllerProcess.NAMESPACE);
        Kube.namespace(admin, NS);
        Kube.applyConfig(admin, ControllerProcess.NAMESPACE, """
                address-pools:
                - name: lan
                  addresses: [198.18.40.0/24]
                  interfaces: [%s]
                """.formatted(dummy));
        CoreV1Api core = new CoreV1Api(admin);
        for (String node : List.of("n1", "n2", "n3")) {
            try {
                core.createNode(new V1Node().metadata(new V1ObjectMeta().name(node))).execute();
            } catch (ApiException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
        for (int i = 0; i < VIPS; i++) {
            serviceWithVip(admin, "web-" + i, "198.18.40." + (10 + i));
        }
    }

    @AfterEach
    void stopSpeakers(ApiClient admin) throws Exception {
        for (HeraldProcess p : speakers.values()) {
            p.close();
        }
        new CoreV1Api(admin).deleteCollectionNamespacedService(NS).execute();
        new DiscoveryV1Api(admin).deleteCollectionNamespacedEndpointSlice(NS).execute();
        new CoordinationV1Api(admin).deleteCollectionNamespacedLease(ControllerProcess.NAMESPACE).execute();
    }

    /** A Service as the controller leaves it (an IP in status), with one ready endpoint on n1. */
    private static void serviceWithVip(ApiClient admin, String name, String ip) throws Exception {
        V1Service service = Kube.create(admin, Kube.loadBalancer(NS, name));
        service.status(new V1ServiceStatus().loadBalancer(new V1LoadBalancerStatus()
                .ingress(List.of(new V1LoadBalancerIngress().ip(ip).ipMode("VIP")))));
        new CoreV1Api(admin).replaceNamespacedServiceStatus(name, NS, service).execute();
        new DiscoveryV1Api(admin).createNamespacedEndpointSlice(NS, new V1EndpointSlice()
                .metadata(new V1ObjectMeta().name(name + "-1").namespace(NS)
                        .labels(Map.of("kubernetes.io/service-name", name)))
                .addressType("IPv4")
                .endpoints(List.of(new V1Endpoint().addresses(List.of("198.19.0.1")).nodeName("n1")
                        .conditions(new V1EndpointConditions().ready(true))))).execute();
    }

    private void startSpeaker(KubeCluster cluster, String node) {
        int port = HeraldProcess.freePort();
        ports.put(node, port);
        speakers.put(node, HeraldProcess.start("speaker", List.of(
                "--kubeconfig", cluster.adminKubeconfig().toString(),
                "--listen-address", "127.0.0.1:" + port,
                "--namespace", ControllerProcess.NAMESPACE,
                "--node-name", node,
                "--lease-renew", LEASE_MILLIS / 3 + "ms",
                "--lease-duration", LEASE_MILLIS + "ms")));
    }

    /** VIPs each running speaker says it announces, from its /metrics. */
    private Map<String, Set<String>> announcedBySpeaker() throws Exception {
        Map<String, Set<String>> out = new TreeMap<>();
        for (var entry : speakers.entrySet()) {
            if (!entry.getValue().alive()) {
                continue;
            }
            var response = HeraldProcess.get(ports.get(entry.getKey()), "/metrics");
            Set<String> vips = new java.util.TreeSet<>();
            if (response != null && response.statusCode() == 200) {
                vips.addAll(SpeakerProcess.announcedIn(response.body()));
            }
            out.put(entry.getKey(), vips);
        }
        return out;
    }

    /** Waits until every VIP has exactly one announcing speaker; returns VIP → node. */
    private Map<String, String> awaitOneOwnerEach() throws Exception {
        return Kube.await("exactly one speaker announcing each of " + VIPS + " VIPs", PATIENCE, () -> {
            Map<String, String> owner = new TreeMap<>();
            for (var entry : announcedBySpeaker().entrySet()) {
                for (String vip : entry.getValue()) {
                    if (owner.put(vip, entry.getKey()) != null) {
                        return null; // two speakers announce it: not settled (or wrong; checked below)
                    }
                }
            }
            return owner.size() == VIPS ? owner : null;
        });
    }

    private void startAll(KubeCluster cluster) throws Exception {
        for (String node : List.of("n1", "n2", "n3")) {
            startSpeaker(cluster, node);
        }
        for (String node : speakers.keySet()) {
            speakers.get(node).awaitOk(ports.get(node), "/readyz", PATIENCE);
        }
    }

    @Test
    void threeSpeakersAgreeOnOneOwnerPerVipAndSayWhereInAnEvent(KubeCluster cluster, ApiClient admin) throws Exception {
        startAll(cluster);
        Map<String, String> owners = awaitOneOwnerEach();
        Map<String, Integer> perNode = new TreeMap<>();
        owners.values().forEach(n -> perNode.merge(n, 1, Integer::sum));
        assertEquals(Set.of("n1", "n2", "n3"), perNode.keySet(), "every live node owns some of " + VIPS + " VIPs: " + perNode);

        String vip = "198.18.40.10";
        // The owner says so on the Service (a speaker that held it briefly at start-up may have said so too).
        String expected = vip + " from node " + owners.get(vip) + " on " + dummy;
        Kube.await("Event Announcing on web-0: " + expected, PATIENCE,
                () -> Kube.events(admin, NS, "web-0", "Announcing").contains(expected));

        // Stable: a few renewals later, nobody has changed their mind and still one owner each.
        Thread.sleep(LEASE_MILLIS);
        assertEquals(owners, awaitOneOwnerEach());
    }

    @Test
    void gracefulStopHandsOverAtOnceAndAKilledSpeakersVipsMoveAfterItsLease(KubeCluster cluster, ApiClient admin)
            throws Exception {
        startAll(cluster);
        Map<String, String> before = awaitOneOwnerEach();

        // Graceful: SIGTERM; the Lease is deleted, so the others need not wait for it to expire.
        String stopped = before.get("198.18.40.10");
        long stopAt = System.nanoTime();
        assertEquals(143, speakers.get(stopped).terminate(Duration.ofSeconds(20)), "the JVM's exit code for SIGTERM");
        assertFalse(leaseExists(admin, stopped), "Lease herald-speaker-" + stopped + " is deleted on a graceful stop");
        Map<String, String> afterStop = awaitOneOwnerEach();
        double handover = (System.nanoTime() - stopAt) / 1e9;
        System.out.printf("graceful stop of %s: its VIPs announced elsewhere %.2f s after SIGTERM (Lease %d ms)%n",
                stopped, handover, LEASE_MILLIS);
        assertOnlyMoved(before, afterStop, stopped);
        assertTrue(handover < LEASE_MILLIS / 1000.0,
                "a graceful stop must not wait out the " + LEASE_MILLIS + " ms Lease; took " + handover + " s");

        // Hard: SIGKILL; the Lease stays until it expires, then the VIPs move.
        String killed = afterStop.values().iterator().next();
        long killAt = System.nanoTime();
        speakers.get(killed).kill();
        assertTrue(leaseExists(admin, killed), "a killed speaker cannot delete its Lease");
        Map<String, String> afterKill = awaitOneOwnerEach();
        System.out.printf("SIGKILL of %s: its VIPs announced elsewhere %.2f s later (Lease %d ms)%n",
                killed, (System.nanoTime() - killAt) / 1e9, LEASE_MILLIS);
        assertOnlyMoved(afterStop, afterKill, killed);
        assertEquals(1, Set.copyOf(afterKill.values()).size(), "one live speaker left owns everything: " + afterKill);
    }

    private static void assertOnlyMoved(Map<String, String> before, Map<String, String> after, String gone) {
        List<String> wrong = new ArrayList<>();
        before.forEach((vip, node) -> {
            String now = after.get(vip);
            if (node.equals(gone) ? gone.equals(now) : !node.equals(now)) {
                wrong.add(vip + ": " + node + " -> " + now);
            }
        });
        assertEquals(List.of(), wrong, "only the VIPs of " + gone + " move, and all of them");
    }

    private static boolean leaseExists(ApiClient admin, String node) {
        try {
            new CoordinationV1Api(admin).readNamespacedLease("herald-speaker-" + node, ControllerProcess.NAMESPACE).execute();
            return true;
        } catch (ApiException e) {
            return false;
        }
    }
}
