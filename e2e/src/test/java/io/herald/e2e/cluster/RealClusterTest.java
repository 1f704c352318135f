package io.herald.e2e.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testkit.cluster.RealCluster;
import io.herald.testkit.cluster.RealClusterExtension;
import io.herald.testkit.net.Exec;
import io.herald.testkit.net.Netns;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The real cluster does what a cluster does, before Herald is in it: nodes Ready, pods
 * scheduled by the scheduler and started by each node's kubelet and containerd, Services
 * carried by kube-proxy, and a node that dies taking only its own pods with it.
 */
@ExtendWith(RealClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealClusterTest {
    private static final String NS = "cluster-test";
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final Duration KUBECTL = Duration.ofSeconds(60);
    /** A LoadBalancer ingress IP the test writes itself: nobody announces it, kube-proxy serves it inside nodes. */
    private static final String LB_IP = "198.18.0.240";

    private RealCluster cluster;
    private CoreV1Api core;

    @BeforeAll
    void workloads(RealCluster cluster) {
        this.cluster = cluster;
        this.core = new CoreV1Api(cluster.adminClient());
        System.out.printf("real cluster: %d nodes Ready %d ms after start; cluster RSS %d MiB%n", cluster.nodes().size(),
                cluster.startupTime().toMillis(), cluster.residentBytes() >> 20);
        long began = System.nanoTime();
        cluster.kubectl(KUBECTL, "create", "namespace", NS).orThrow();
        cluster.apply(Workloads.hostNetworkDaemonSet(NS, "web", 8080) + "---\n" + Workloads.deployment(NS, "echo", 3)
                + "---\n" + Workloads.service(NS, "echo", "echo", "ClusterIP", null)
                + "---\n" + Workloads.service(NS, "echo-np", "echo", "NodePort", null)
                + "---\n" + Workloads.service(NS, "echo-lb", "echo", "LoadBalancer", "  loadBalancerClass: example.com/nobody"));
        cluster.awaitRollout(NS, "daemonset/web", PATIENCE);
        cluster.awaitRollout(NS, "deployment/echo", PATIENCE);
        System.out.printf("real cluster: 3 hostNetwork + 3 pod-network pods Ready %d ms after kubectl apply; cluster RSS %d MiB%n",
                (System.nanoTime() - began) / 1_000_000, cluster.residentBytes() >> 20);
    }

    @AfterAll
    void removeWorkloads() {
        if (cluster != null) {
            cluster.kubectl(KUBECTL, "delete", "namespace", NS, "--wait=true");
        }
    }

    @Test
    @Order(1)
    void nodesAreReadyWithTheirLanAddresses() throws ApiException {
        List<V1Node> nodes = core.listNode().execute().getItems();
        Map<String, String> addresses = new TreeMap<>();
        for (V1Node node : nodes) {
            assertTrue(ready(node), node.getMetadata().getName() + " Ready");
            addresses.put(node.getMetadata().getName(), node.getStatus().getAddresses().stream()
                    .filter(a -> a.getType().equals("InternalIP")).findFirst().orElseThrow().getAddress());
        }
        assertEquals(Map.of("n1", "198.18.0.11", "n2", "198.18.0.12", "n3", "198.18.0.13"), addresses);
    }

    @Test
    @Order(2)
    void kubectlLogsAndExecReachThePods() throws ApiException {
        V1Pod pod = pods("app=web").get(0);
        String name = pod.getMetadata().getName();
        Exec.Result exec = cluster.kubectl(KUBECTL, "-n", NS, "exec", name, "--", "cat", "/tmp/www/index.html");
        assertEquals("pod " + name + " on node " + pod.getSpec().getNodeName(), exec.orThrow().strip());
        String logs = cluster.kubectl(KUBECTL, "-n", NS, "logs", name).orThrow();
        assertFalse(logs.contains("error"), logs);
        Map<String, String> status = cluster.processStatus(NS, name, "backend");
        assertTrue(status.get("Name").startsWith("busybox") || status.get("Name").startsWith("httpd"), status.toString());
        assertEquals("65534", status.get("Uid").split("\\s+")[1], "the image's user: " + status);
    }

    @Test
    @Order(3)
    void theClientReachesTheHostNetworkDaemonSetOnEveryNode() {
        for (RealCluster.Node node : cluster.nodes()) {
            assertEquals(node.name(), afterPod(get(cluster.client(), node.ip() + ":8080")), "the pod on " + node.name());
        }
    }

    @Test
    @Order(4)
    void aClusterIpAnswersThroughKubeProxyFromPodsOnSeveralNodes() throws ApiException {
        String ip = core.readNamespacedService("echo", NS).execute().getSpec().getClusterIP();
        Set<String> nodes = answeringNodes(cluster.node("n1").netns(), ip + ":80", 30);
        System.out.printf("real cluster: ClusterIP %s from n1 answered by pods on %s%n", ip, nodes);
        assertTrue(nodes.size() >= 2, "pods on more than one node answer: " + nodes);
    }

    @Test
    @Order(5)
    void theClientReachesANodePort() throws ApiException {
        int port = core.readNamespacedService("echo-np", NS).execute().getSpec().getPorts().get(0).getNodePort();
        for (RealCluster.Node node : cluster.nodes()) {
            assertTrue(get(cluster.client(), node.ip() + ":" + port).startsWith("pod echo-"), "NodePort " + port + " on " + node.name());
        }
    }

    @Test
    @Order(6)
    void aLoadBalancerIngressIpIsServedByKubeProxyInsideEveryNode() {
        cluster.kubectl(KUBECTL, "-n", NS, "patch", "service", "echo-lb", "--subresource=status", "--type=merge",
                "-p", "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"" + LB_IP + "\"}]}}}").orThrow();
        for (RealCluster.Node node : cluster.nodes()) {
            String answer = eventually(() -> get(node.netns(), LB_IP + ":80"), a -> a.startsWith("pod echo-"));
            assertTrue(answer.startsWith("pod echo-"), node.name() + ": " + answer);
        }
        // Nobody announces it on the LAN yet: that is Herald's job.
        assertFalse(cluster.client().exec(Duration.ofSeconds(5), "curl", "-s", "-m", "2", "http://" + LB_IP + "/").ok(),
                "the client cannot reach an IP no node announces");
    }

    @Test
    @Order(9)
    void aNodeLostHardTakesOnlyItsOwnPodsAndComesBack() throws Exception {
        V1Pod lost = pods("app=web").stream().filter(p -> p.getSpec().getNodeName().equals("n3")).findFirst().orElseThrow();
        long pid = cluster.pidOf(NS, lost.getMetadata().getName(), "backend");
        long began = System.nanoTime();
        cluster.powerOff("n3");
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "n3's pod process is gone");
        eventually(() -> ready(node("n3")) ? "Ready" : "NotReady", "NotReady"::equals);
        System.out.printf("real cluster: n3 NotReady %d ms after it was powered off%n", (System.nanoTime() - began) / 1_000_000);
        for (String alive : List.of("n1", "n2")) {
            assertTrue(afterPod(get(cluster.client(), cluster.node(alive).ip() + ":8080")).equals(alive), alive + " still serves");
        }
        String ip = core.readNamespacedService("echo", NS).execute().getSpec().getClusterIP();
        // Once the node controller takes n3's pods out of the endpoints, every answer comes from n1 and n2.
        eventually(() -> String.join(",", answeringNodes(cluster.node("n1").netns(), ip + ":80", 10)), s -> !s.contains("n3"));
        assertFalse(get(cluster.client(), cluster.node("n3").ip() + ":8080").startsWith("pod"), "n3 answers nothing");

        cluster.powerOn("n3");
        String back = eventually(() -> afterPod(get(cluster.client(), cluster.node("n3").ip() + ":8080")), "n3"::equals);
        assertEquals("n3", back, "n3 serves again after it came back");
        System.out.printf("real cluster: n3 back and serving %d ms after it was powered off%n", (System.nanoTime() - began) / 1_000_000);
        cluster.awaitRollout(NS, "deployment/echo", PATIENCE);
    }

    // ---- helpers ----

    private List<V1Pod> pods(String selector) throws ApiException {
        return core.listNamespacedPod(NS).labelSelector(selector).execute().getItems();
    }

    private V1Node node(String name) {
        try {
            return core.readNode(name).execute();
        } catch (ApiException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean ready(V1Node node) {
        return node.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    }

    /** One GET from inside {@code netns}; the body, or "" when nothing answered within 2 s. */
    static String get(Netns netns, String hostPort) {
        Exec.Result r = netns.exec(Duration.ofSeconds(5), "curl", "-s", "-m", "2", "http://" + hostPort + "/");
        return r.ok() ? r.out().strip() : "";
    }

    /** "pod P on node N" -> "N". */
    static String afterPod(String answer) {
        int at = answer.lastIndexOf(" on node ");
        return at < 0 ? answer : answer.substring(at + " on node ".length());
    }

    private static Set<String> answeringNodes(Netns from, String hostPort, int requests) {
        Set<String> nodes = new TreeSet<>();
        for (int i = 0; i < requests; i++) {
            String answer = get(from, hostPort);
            if (!answer.isEmpty()) {
                nodes.add(afterPod(answer));
            }
        }
        return nodes;
    }

    private static String eventually(Supplier<String> probe, java.util.function.Predicate<String> done) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        String last = probe.get();
        while (!done.test(last) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            last = probe.get();
        }
        return last;
    }
}
