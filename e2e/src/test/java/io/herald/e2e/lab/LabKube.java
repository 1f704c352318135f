package io.herald.e2e.lab;

import io.herald.common.kube.LenientJson;
import io.herald.e2e.Kube;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Service;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * The Kubernetes side of the lab, as the cluster would have it: a Ready Node object per
 * lab node, the pools, Services, and the EndpointSlices kube-controller-manager would
 * write (this API server runs no controller-manager).
 */
public final class LabKube {
    public static final String HERALD_NS = "herald-system";
    public static final Duration PATIENCE = Duration.ofSeconds(60);

    private final ApiClient admin;
    private final CoreV1Api core;

    public LabKube(ApiClient admin) {
        LenientJson.install(); // EndpointSlices with no endpoints come back as "endpoints": null
        this.admin = admin;
        this.core = new CoreV1Api(admin);
    }

    public ApiClient admin() {
        return admin;
    }

    /**
     * What one test leaves for the next on a shared API server: {@code lab} closed, the
     * Services and EndpointSlices of {@code namespace}, and every Lease in Herald's namespace
     * (a killed speaker's would make the next test's speakers wait it out).
     */
    public static void tearDown(Lab lab, ApiClient admin, String namespace) throws Exception {
        if (lab != null) {
            lab.close();
        }
        new CoreV1Api(admin).deleteCollectionNamespacedService(namespace).execute();
        new io.kubernetes.client.openapi.apis.DiscoveryV1Api(admin).deleteCollectionNamespacedEndpointSlice(namespace).execute();
        new io.kubernetes.client.openapi.apis.CoordinationV1Api(admin).deleteCollectionNamespacedLease(HERALD_NS).execute();
    }

    /** Namespaces, a Ready Node per lab node, and the address pools. */
    public void setUp(Lab lab, String namespace, String poolConfig) throws Exception {
        Kube.namespace(admin, HERALD_NS);
        Kube.namespace(admin, namespace);
        for (LabNode node : lab.nodes()) {
            readyNode(node.name());
        }
        Kube.applyConfig(admin, HERALD_NS, poolConfig);
    }

    private void readyNode(String name) throws ApiException {
        V1Node node;
        try {
            node = core.createNode(new V1Node().metadata(new V1ObjectMeta().name(name))).execute();
        } catch (ApiException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            node = core.readNode(name).execute();
        }
        node.status(new V1NodeStatus().conditions(List.of(new V1NodeCondition().type("Ready").status("True")
                .reason("KubeletReady").lastHeartbeatTime(OffsetDateTime.now()).lastTransitionTime(OffsetDateTime.now()))));
        core.replaceNodeStatus(name, node).execute();
    }

    /** What a kubelet's status report does to a Ready Node: a fresh heartbeat time on its conditions, nothing else. */
    public void reportStatus(String name) throws ApiException {
        V1Node node = core.readNode(name).execute();
        node.getStatus().getConditions().forEach(condition -> condition.lastHeartbeatTime(OffsetDateTime.now()));
        core.replaceNodeStatus(name, node).execute();
    }

    public V1Service create(V1Service service) throws ApiException {
        return Kube.create(admin, service);
    }

    /** Ready endpoints of the Service on these nodes, in one EndpointSlice (replaced if it exists). */
    public void endpoints(String namespace, String service, List<String> nodes) throws ApiException {
        DiscoveryV1Api discovery = new DiscoveryV1Api(admin);
        String name = service + "-lab";
        V1EndpointSlice slice = new V1EndpointSlice()
                .metadata(new V1ObjectMeta().name(name).namespace(namespace).labels(Map.of("kubernetes.io/service-name", service)))
                .addressType("IPv4")
                .endpoints(nodes.stream().map(node -> new V1Endpoint()
                        .addresses(List.of("198.19.0." + (10 + nodes.indexOf(node)))).nodeName(node)
                        .conditions(new V1EndpointConditions().ready(true))).toList());
        try {
            discovery.createNamespacedEndpointSlice(namespace, slice).execute();
        } catch (ApiException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            discovery.replaceNamespacedEndpointSlice(name, namespace, slice).execute();
        }
    }

    /** The Service's first ingress IP once the controller wrote one. */
    public List<String> awaitIps(String namespace, String service) throws Exception {
        return Kube.await(service + " to get an IP", PATIENCE, () -> {
            List<String> ips = Kube.ingress(Kube.read(admin, namespace, service));
            return ips.isEmpty() ? null : ips;
        });
    }

    /** Messages of the Announcing Events on the Service. */
    public List<String> announcing(String namespace, String service) throws ApiException {
        return Kube.events(admin, namespace, service, "Announcing");
    }
}
