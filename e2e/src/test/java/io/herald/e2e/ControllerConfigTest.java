package io.herald.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.Annotations;
import io.herald.testkit.KubeApiServerExtension;
import io.herald.testkit.KubeApiServerPerClass;
import io.herald.testkit.KubeCluster;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.util.PatchUtils;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The controller as a user meets it: pools from the ConfigMap, Events on mistakes, nothing lost. */
@ExtendWith(KubeApiServerExtension.class)
@KubeApiServerPerClass
class ControllerConfigTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String NS = "apps";

    private HeraldProcess controller;
    private int port;

    @BeforeEach
    void namespaces(ApiClient admin) throws Exception {
        Kube.namespace(admin, ControllerProcess.NAMESPACE);
        Kube.namespace(admin, NS);
    }

    @AfterEach
    void cleanUp(ApiClient admin) throws Exception {
        if (controller != null) {
            controller.close();
        }
        CoreV1Api core = new CoreV1Api(admin);
        for (V1Service s : core.listNamespacedService(NS).execute().getItems()) {
            core.deleteNamespacedService(s.getMetadata().getName(), NS).execute();
        }
    }

    private void startController(KubeCluster cluster) throws Exception {
        port = HeraldProcess.freePort();
        controller = ControllerProcess.start(cluster, "c", port);
        controller.awaitOk(port, "/readyz", PATIENCE);
    }

    private static String pool(String name, String addresses) {
        return "address-pools:\n- name: " + name + "\n  protocol: layer2\n  addresses: [" + addresses + "]\n";
    }

    private static List<String> awaitIngress(ApiClient admin, String name) throws Exception {
        return Kube.await(name + " to get an IP", PATIENCE, () -> {
            List<String> ips = Kube.ingress(Kube.read(admin, NS, name));
            return ips.isEmpty() ? null : ips;
        });
    }

    private static String awaitEvent(ApiClient admin, String namespace, String object, String reason, String containing)
            throws Exception {
        return Kube.await("Event " + reason + " on " + object + " containing \"" + containing + "\"", PATIENCE,
                () -> Kube.events(admin, namespace, object, reason).stream().filter(m -> m.contains(containing))
                        .findFirst().orElse(null));
    }

    private double metric(String name) throws Exception {
        String body = controller.awaitOk(port, "/metrics", PATIENCE);
        return body.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.split(" ")[1]))
                .findFirst().orElseThrow(() -> new AssertionError(name + " not in /metrics:\n" + body));
    }

    @Test
    void pendingUntilAPoolIsAddedThenServedWithoutRestart(KubeCluster cluster, ApiClient admin) throws Exception {
        new CoreV1Api(admin).deleteCollectionNamespacedConfigMap(ControllerProcess.NAMESPACE).execute();
        startController(cluster);
        controller.awaitLine("ConfigMap herald-system/herald-config does not exist", PATIENCE);
        Kube.create(admin, Kube.loadBalancer(NS, "web"));
        Thread.sleep(2000);
        assertEquals(List.of(), Kube.ingress(Kube.read(admin, NS, "web")), "no pools, no IP");

        Kube.applyConfig(admin, ControllerProcess.NAMESPACE, pool("first", "198.18.32.0/28"));
        assertEquals(List.of("198.18.32.0"), awaitIngress(admin, "web"));
        V1Service web = Kube.read(admin, NS, "web");
        assertEquals("first", web.getMetadata().getAnnotations().get(Annotations.ALLOCATED_POOL));
        assertEquals("VIP", web.getStatus().getLoadBalancer().getIngress().get(0).getIpMode());
        awaitEvent(admin, NS, "web", "IPAllocated", "Assigned 198.18.32.0 from pool first");
        assertEquals(1.0, metric("herald_config_loaded"));
        assertEquals(0.0, metric("herald_config_stale"));
    }

    @Test
    void badConfigIsRejectedWholeAndTheOldOneKeepsServing(KubeCluster cluster, ApiClient admin) throws Exception {
        Kube.applyConfig(admin, ControllerProcess.NAMESPACE, pool("good", "198.18.33.0/28"));
        startController(cluster);
        Kube.create(admin, Kube.loadBalancer(NS, "one"));
        assertEquals(List.of("198.18.33.0"), awaitIngress(admin, "one"));

        Kube.applyConfig(admin, ControllerProcess.NAMESPACE, pool("good", "198.18.33.0/28, 198.18.300.1"));
        String event = awaitEvent(admin, ControllerProcess.NAMESPACE, "herald-config", "InvalidConfig",
                "\"198.18.300.1\" is not an IP address");
        assertTrue(event.contains("the last good configuration stays in force"), event);
        Kube.await("herald_config_stale 1", PATIENCE, () -> metric("herald_config_stale") == 1.0);
        controller.awaitLine("ConfigMap herald-system/herald-config rejected", PATIENCE);

        // Nothing the user sees changed, and the old pools still serve new Services.
        Kube.create(admin, Kube.loadBalancer(NS, "two"));
        assertEquals(List.of("198.18.33.1"), awaitIngress(admin, "two"));
        assertEquals(List.of("198.18.33.0"), Kube.ingress(Kube.read(admin, NS, "one")));

        Kube.applyConfig(admin, ControllerProcess.NAMESPACE, "address-pools: [ {name: x, protocol: layer2, addresses: [");
        awaitEvent(admin, ControllerProcess.NAMESPACE, "herald-config", "InvalidConfig", "YAML");
        assertEquals(List.of("198.18.33.0"), Kube.ingress(Kube.read(admin, NS, "one")));
    }

    @Test
    void removingAPoolInUseIsRejectedNamingTheServices(KubeCluster cluster, ApiClient admin) throws Exception {
        Kube.applyConfig(admin, ControllerProcess.NAMESPACE, pool("old", "198.18.34.0/28"));
        startController(cluster);
        Kube.create(admin, Kube.loadBalancer(NS, "dns-points-here"));
        assertEquals(List.of("198.18.34.0"), awaitIngress(admin, "dns-points-here"));

        Kube.applyConfig(admin, ControllerProcess.NAMESPACE, pool("new", "198.18.35.0/28"));
        String event = awaitEvent(admin, ControllerProcess.NAMESPACE, "herald-config", "ConfigRejected", "apps/dns-points-here");
        assertTrue(event.contains("strand"), event);
        Kube.await("herald_config_stale 1", PATIENCE, () -> metric("herald_config_stale") == 1.0);
        assertEquals(List.of("198.18.34.0"), Kube.ingress(Kube.read(admin, NS, "dns-points-here")));

        // Keeping the address in a pool is accepted.
        Kube.applyConfig(admin, ControllerProcess.NAMESPACE, pool("old", "198.18.34.0/28") + pool("new", "198.18.35.0/28")
                .replace("address-pools:\n", ""));
        Kube.await("herald_config_stale 0", PATIENCE, () -> metric("herald_config_stale") == 0.0);
    }

    @Test
    void exhaustedPoolWarnsThenServesWhenAnAddressFrees(KubeCluster cluster, ApiClient admin) throws Exception {
        Kube.applyConfig(admin, ControllerProcess.NAMESPACE, pool("tiny", "198.18.36.10-198.18.36.11"));
        startController(cluster);
        Kube.create(admin, Kube.loadBalancer(NS, "a"));
        assertEquals(List.of("198.18.36.10"), awaitIngress(admin, "a"));
        Kube.create(admin, Kube.loadBalancer(NS, "b"));
        assertEquals(List.of("198.18.36.11"), awaitIngress(admin, "b"));
        Kube.create(admin, Kube.loadBalancer(NS, "c"));
        String event = awaitEvent(admin, NS, "c", "AllocationFailed", "tiny");
        assertTrue(event.contains("no free"), event);
        assertEquals(List.of(), Kube.ingress(Kube.read(admin, NS, "c")));

        Kube.delete(admin, NS, "a");
        assertEquals(List.of("198.18.36.10"), awaitIngress(admin, "c"));
        Kube.await("a failure counted", PATIENCE, () -> metric("herald_allocation_failures_total{reason=\"pool_exhausted\"}") >= 1);
    }

    @Test
    void onlyHeraldsClassIsServedAndTypeChangeReleases(KubeCluster cluster, ApiClient admin) throws Exception {
        Kube.applyConfig(admin, ControllerProcess.NAMESPACE, pool("cls", "198.18.37.0-198.18.37.0"));
        startController(cluster);
        V1Service foreign = Kube.loadBalancer(NS, "foreign");
        foreign.getSpec().setLoadBalancerClass("example.com/other");
        Kube.create(admin, foreign);
        V1Service ours = Kube.loadBalancer(NS, "ours");
        ours.getSpec().setLoadBalancerClass("herald.io/layer2");
        Kube.create(admin, ours);
        assertEquals(List.of("198.18.37.0"), awaitIngress(admin, "ours"));
        Kube.create(admin, Kube.loadBalancer(NS, "waiting"));
        awaitEvent(admin, NS, "waiting", "AllocationFailed", "cls");
        assertEquals(List.of(), Kube.ingress(Kube.read(admin, NS, "foreign")), "another class is not ours");

        PatchUtils.patch(V1Service.class, () -> new CoreV1Api(admin).patchNamespacedService("ours", NS,
                new V1Patch("{\"spec\":{\"type\":\"ClusterIP\",\"loadBalancerClass\":null}}")).buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, admin);
        assertEquals(List.of("198.18.37.0"), awaitIngress(admin, "waiting"), "the released address goes to the waiting Service");
        Kube.await("ours lost the pool annotation", PATIENCE, () -> !Kube.read(admin, NS, "ours").getMetadata()
                .getAnnotations().containsKey(Annotations.ALLOCATED_POOL));
        assertEquals(List.of(), Kube.ingress(Kube.read(admin, NS, "foreign")));
    }

    @Test
    void sharingIsAcceptedWithDistinctPortsAndRefusedOtherwise(KubeCluster cluster, ApiClient admin) throws Exception {
        Kube.applyConfig(admin, ControllerProcess.NAMESPACE, pool("shared", "198.18.38.0/28"));
        startController(cluster);
        Map<String, String> share = Map.of(Annotations.ALLOW_SHARED_IP, "web", Annotations.LOAD_BALANCER_IPS, "198.18.38.5");
        V1Service http = Kube.loadBalancer(NS, "http", 80);
        http.getMetadata().getAnnotations().putAll(share);
        Kube.create(admin, http);
        V1Service https = Kube.loadBalancer(NS, "https", 443);
        https.getMetadata().getAnnotations().putAll(share);
        Kube.create(admin, https);
        assertEquals(List.of("198.18.38.5"), awaitIngress(admin, "http"));
        assertEquals(List.of("198.18.38.5"), awaitIngress(admin, "https"));

        V1Service clash = Kube.loadBalancer(NS, "clash", 80);
        clash.getMetadata().getAnnotations().putAll(share);
        Kube.create(admin, clash);
        String event = awaitEvent(admin, NS, "clash", "AllocationFailed", "198.18.38.5");
        assertTrue(event.contains("apps/http"), "names the Service holding port 80: " + event);

        V1Service outside = Kube.loadBalancer(NS, "outside");
        outside.getMetadata().getAnnotations().put("metallb.universe.tf/loadBalancerIPs", "198.18.200.1");
        Kube.create(admin, outside);
        awaitEvent(admin, NS, "outside", "AllocationFailed", "198.18.200.1 is not in any address pool");
    }
}
