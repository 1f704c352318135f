package io.herald.e2e.chart;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.common.ip.IpAddress;
import io.herald.common.ip.IpRange;
import io.herald.e2e.HeraldProcess;
import io.herald.e2e.Kube;
import io.herald.e2e.Shell;
import io.herald.testkit.KubeApiServerExtension;
import io.herald.testkit.KubeApiServerPerClass;
import io.herald.testkit.KubeCluster;
import io.herald.testkit.net.Netns;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.AuthorizationV1Api;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ResourceRule;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1SelfSubjectRulesReview;
import io.kubernetes.client.openapi.models.V1SelfSubjectRulesReviewSpec;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.util.PatchUtils;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chart's ServiceAccounts, roles and bindings, applied to the real API server, are
 * enough for the real controller and speaker to do their whole job with tokens of those
 * accounts, and no more than that: each widening a reviewer could miss fails here by name.
 * The speaker announces on a veth beside the test JVM (in the JVM's own network namespace)
 * whose peer is in a network namespace of the test's own, so no frame leaves this machine.
 */
@ExtendWith(KubeApiServerExtension.class)
@KubeApiServerPerClass
class ChartRbacTest {
    private static final String NS = "herald-rbac";
    private static final String APPS = "shop";
    private static final String NODE = "rbac-n1";
    private static final String POOL = "198.18.52.0/28";
    /** The chart's objects this test creates; the workloads too, though no controller-manager runs them: they own the Leases. */
    private static final Set<String> RBAC_CONFIG_AND_OWNERS = Set.of(
            "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "Deployment", "DaemonSet");
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static String link;
    private static String netns;
    private static Manifests chart;
    private static ApiClient asController;
    private static ApiClient asSpeaker;
    private static HeraldProcess controller;
    private static HeraldProcess speaker;
    private static int controllerPort;
    private static int speakerPort;

    @BeforeAll
    static void install(KubeCluster cluster, ApiClient admin) throws Exception {
        String id = Long.toHexString(System.nanoTime() & 0xffffffL);
        link = "hch" + id;
        netns = "herald-chart-" + id;
        Netns.requireOwnNamespace();
        Shell.run("ip", "netns", "add", netns);
        Shell.run("ip", "link", "add", link, "type", "veth", "peer", "name", "hcp" + id, "netns", netns);
        Shell.run("ip", "link", "set", link, "up");
        Shell.run("ip", "-n", netns, "link", "set", "hcp" + id, "up");

        chart = HeraldChart.template(NS, null, Map.of(
                "addressPools[0].name", "lan",
                "addressPools[0].addresses[0]", POOL,
                "addressPools[0].interfaces[0]", link));
        Kube.namespace(admin, NS);
        Kube.namespace(admin, APPS);
        KubeObjects objects = new KubeObjects(admin);
        for (JsonNode object : chart.where(o -> RBAC_CONFIG_AND_OWNERS.contains(Manifests.kind(o)))) {
            assertEquals(List.of(), objects.create(object, false), Manifests.id(object) + " warnings");
        }
        asController = cluster.clientAs(NS, "herald-controller");
        asSpeaker = cluster.clientAs(NS, "herald-speaker");

        new CoreV1Api(admin).createNode(new V1Node().metadata(new V1ObjectMeta().name(NODE))).execute();
        V1Service web = Kube.loadBalancer(APPS, "web");
        Kube.create(admin, web);
        // No controller-manager runs here: the EndpointSlice a ready pod would get.
        new DiscoveryV1Api(admin).createNamespacedEndpointSlice(APPS, new V1EndpointSlice()
                .metadata(new V1ObjectMeta().name("web-1").namespace(APPS).labels(Map.of("kubernetes.io/service-name", "web")))
                .addressType("IPv4")
                .endpoints(List.of(new V1Endpoint().addresses(List.of("198.19.52.1")).nodeName(NODE)
                        .conditions(new V1EndpointConditions().ready(true))))).execute();

        controllerPort = HeraldProcess.freePort();
        controller = HeraldProcess.start("controller", argsOf("Deployment", "herald-controller",
                cluster.kubeconfigAs(NS, "herald-controller").toString(), controllerPort, "--identity=controller-0"));
        speakerPort = HeraldProcess.freePort();
        speaker = HeraldProcess.start("speaker", argsOf("DaemonSet", "herald-speaker",
                cluster.kubeconfigAs(NS, "herald-speaker").toString(), speakerPort));
    }

    /** The container args the chart renders, as the kubelet would expand them, for a process on this host. */
    private static List<String> argsOf(String kind, String name, String kubeconfig, int port, String... extra) {
        List<String> args = new ArrayList<>();
        for (JsonNode arg : chart.one(kind, name).at("/spec/template/spec/containers/0/args")) {
            String value = arg.asText().replace("$(NODE_NAME)", NODE);
            if (value.startsWith("--listen-address=")) {
                value = "--listen-address=127.0.0.1:" + port;
            } else if (value.startsWith("--heartbeat-key-file=")) {
                value = "--heartbeat-key-file=" + heartbeatKeyAsMounted(); // the kubelet mounts the chart's Secret
            } else if (value.startsWith("--heartbeat-port=")) {
                value = "--heartbeat-port=0"; // any free port on this host; the Lease says which
            }
            args.add(value);
        }
        if (kind.equals("DaemonSet")) {
            args.add("--heartbeat-address=127.0.0.1"); // HOST_IP, which the kubelet sets from status.hostIP
        }
        args.add("--kubeconfig=" + kubeconfig);
        args.addAll(List.of(extra));
        return args;
    }

    /** The chart's heartbeat key written to a file, as the kubelet writes a Secret volume. */
    private static String heartbeatKeyAsMounted() {
        try {
            Path file = Files.createTempFile("herald-heartbeat-key", "");
            Files.write(file, java.util.Base64.getDecoder().decode(chart.one("Secret", "herald-heartbeat-key").at("/data/key")
                    .asText()));
            file.toFile().deleteOnExit();
            return file.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void uninstall() throws Exception {
        for (HeraldProcess p : new HeraldProcess[] {controller, speaker}) {
            if (p != null) {
                p.close();
            }
        }
        Shell.runQuietly("ip", "link", "del", link);
        Shell.runQuietly("ip", "netns", "del", netns);
    }

    @Test
    void controllerDoesItsWholeJobWithTheChartsRbac(ApiClient admin) throws Exception {
        controller.awaitOk(controllerPort, "/readyz", PATIENCE);
        awaitOrShow(controller, "controller-0 to hold Lease herald-controller", () -> "controller-0".equals(
                new CoordinationV1Api(admin).readNamespacedLease("herald-controller", NS).execute().getSpec().getHolderIdentity()));
        assertEquals(List.of("Deployment/herald-controller " + uid(admin, "Deployment", "herald-controller")),
                owners(new CoordinationV1Api(admin).readNamespacedLease("herald-controller", NS).execute()),
                "the leader Lease is owned by the Deployment, so helm uninstall deletes it");
        awaitOrShow(controller, "Event ConfigLoaded on the chart's ConfigMap",
                () -> Kube.events(admin, NS, "herald-config", "ConfigLoaded"));
        List<String> ips = awaitOrShow(controller, "an IP for shop/web", () -> Kube.ingress(Kube.read(admin, APPS, "web")));
        assertEquals(1, ips.size(), "ingress " + ips);
        assertTrue(IpRange.parse(POOL).contains(IpAddress.parse(ips.get(0))), ips.get(0) + " in " + POOL);
        List<String> allocated = awaitOrShow(controller, "Event IPAllocated on shop/web",
                () -> Kube.events(admin, APPS, "web", "IPAllocated"));
        assertTrue(allocated.get(0).contains(ips.get(0)), allocated.toString());
        controller.awaitOk(controllerPort, "/healthz", PATIENCE);
        assertNoRefusals(controller);
    }

    @Test
    void speakerKeepsItsLeaseAndAnnouncesWithTheChartsRbac(ApiClient admin) throws Exception {
        speaker.awaitOk(speakerPort, "/readyz", PATIENCE);
        CoordinationV1Api leases = new CoordinationV1Api(admin);
        V1Lease first = awaitOrShow(speaker, "Lease herald-speaker-" + NODE,
                () -> leaseOrNull(leases, "herald-speaker-" + NODE));
        assertEquals(NODE, first.getSpec().getHolderIdentity());
        assertEquals(List.of("DaemonSet/herald-speaker " + uid(admin, "DaemonSet", "herald-speaker")), owners(first),
                "the node's Lease is owned by the DaemonSet, so helm uninstall deletes it");
        awaitOrShow(speaker, "the speaker to renew its Lease", () -> !first.getSpec().getRenewTime().equals(
                leases.readNamespacedLease("herald-speaker-" + NODE, NS).execute().getSpec().getRenewTime()));
        String ip = Kube.await("an IP for shop/web", PATIENCE, () -> Kube.ingress(Kube.read(admin, APPS, "web"))).get(0);
        List<String> announcing = awaitOrShow(speaker, "Event Announcing on shop/web",
                () -> Kube.events(admin, APPS, "web", "Announcing"));
        assertEquals(ip + " from node " + NODE + " on " + link, announcing.get(0));
        speaker.awaitOk(speakerPort, "/healthz", PATIENCE);
        assertNoRefusals(speaker);

        // A graceful stop (drain, rolling update) deletes the Lease so the next owner takes over at once.
        assertEquals(143, speaker.terminate(Duration.ofSeconds(20)), "the JVM's exit code for SIGTERM");
        assertEquals(null, leaseOrNull(leases, "herald-speaker-" + NODE), "Lease left behind by a stopped speaker");
        assertNoRefusals(speaker);
    }

    @Test
    void speakerTokenIsRefusedWhatTheSpeakerNeverDoes(ApiClient admin) throws Exception {
        CoreV1Api core = new CoreV1Api(asSpeaker);
        V1Service web = Kube.read(admin, APPS, "web");
        secret(admin);
        assertAll(
                () -> assertRefused("update a Service", () -> core.replaceNamespacedService("web", APPS, web).execute()),
                () -> assertRefused("patch services/status", () -> patchStatus(asSpeaker, APPS, "web")),
                () -> assertRefused("read a Secret", () -> core.readNamespacedSecret("herald-test-secret", NS).execute()),
                () -> assertRefused("list Secrets", () -> core.listNamespacedSecret(NS).execute()),
                () -> assertRefused("create a Lease in another namespace", () -> new CoordinationV1Api(asSpeaker)
                        .createNamespacedLease(APPS, lease(APPS, "herald-speaker-" + NODE)).execute()),
                () -> assertRefused("label a Node", () -> labelNode(asSpeaker)));
    }

    @Test
    void controllerTokenIsRefusedWhatTheControllerNeverDoes(ApiClient admin) throws Exception {
        CoreV1Api core = new CoreV1Api(asController);
        CoordinationV1Api leases = new CoordinationV1Api(asController);
        secret(admin);
        String other = "herald-speaker-rbac-n2";
        try {
            new CoordinationV1Api(admin).createNamespacedLease(NS, lease(NS, other)).execute();
        } catch (ApiException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        V1Service web = Kube.read(admin, APPS, "web");
        V1Lease otherLease = new CoordinationV1Api(admin).readNamespacedLease(other, NS).execute();
        assertAll(
                () -> assertRefused("read a Secret", () -> core.readNamespacedSecret("herald-test-secret", NS).execute()),
                () -> assertRefused("list Secrets", () -> core.listSecretForAllNamespaces().execute()),
                () -> assertRefused("label a Node", () -> labelNode(asController)),
                () -> assertRefused("delete a Service", () -> core.deleteNamespacedService("web", APPS).execute()),
                () -> assertRefused("update a Service's spec", () -> core.replaceNamespacedService("web", APPS, web).execute()),
                () -> assertRefused("read Lease " + other, () -> leases.readNamespacedLease(other, NS).execute()),
                () -> assertRefused("update Lease " + other, () -> leases.replaceNamespacedLease(other, NS, otherLease).execute()),
                () -> assertRefused("delete Lease " + other, () -> leases.deleteNamespacedLease(other, NS).execute()),
                () -> assertRefused("list Leases", () -> leases.listNamespacedLease(NS).execute()),
                () -> assertRefused("delete its own Lease",
                        () -> leases.deleteNamespacedLease("herald-controller", NS).execute()),
                () -> assertRefused("create a Lease in another namespace", () -> leases.createNamespacedLease(APPS,
                        lease(APPS, "herald-controller")).execute()));
    }

    /** Granted to every authenticated user by Kubernetes itself (system:basic-user); not the chart's. */
    private static final Set<String> EVERYONE = Set.of(
            "authorization.k8s.io/selfsubjectaccessreviews create",
            "authorization.k8s.io/selfsubjectrulesreviews create",
            "authentication.k8s.io/selfsubjectreviews create");

    @Test
    void controllerMayDoExactlyThis() throws Exception {
        assertAllowedExactly(asController, Set.of(
                "services get", "services list", "services watch",
                "services/status update", "services/status patch",
                "events create", "events patch",
                "configmaps get", "configmaps list", "configmaps watch",
                "coordination.k8s.io/leases create",
                "coordination.k8s.io/leases[herald-controller] get",
                "coordination.k8s.io/leases[herald-controller] update",
                "apps/deployments[herald-controller] get"));
    }

    @Test
    void speakerMayDoExactlyThis() throws Exception {
        assertAllowedExactly(asSpeaker, Set.of(
                "services get", "services list", "services watch",
                "nodes get", "nodes list", "nodes watch",
                "discovery.k8s.io/endpointslices get", "discovery.k8s.io/endpointslices list",
                "discovery.k8s.io/endpointslices watch",
                "events create", "events patch",
                "configmaps get", "configmaps list", "configmaps watch",
                "coordination.k8s.io/leases get", "coordination.k8s.io/leases list", "coordination.k8s.io/leases watch",
                "coordination.k8s.io/leases create", "coordination.k8s.io/leases update",
                "coordination.k8s.io/leases delete",
                "apps/daemonsets[herald-speaker] get"));
    }

    /** What the API server says this account may do in the release namespace, as "group/resource[name] verb". */
    private static void assertAllowedExactly(ApiClient client, Set<String> chartGrants) throws ApiException {
        V1SelfSubjectRulesReview review = new AuthorizationV1Api(client).createSelfSubjectRulesReview(
                new V1SelfSubjectRulesReview().spec(new V1SelfSubjectRulesReviewSpec().namespace(NS))).execute();
        assertFalse(Boolean.TRUE.equals(review.getStatus().getIncomplete()), "rules review incomplete: "
                + review.getStatus().getEvaluationError());
        Set<String> allowed = new TreeSet<>();
        for (V1ResourceRule rule : review.getStatus().getResourceRules()) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    List<String> names = rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
                            ? List.of("") : rule.getResourceNames();
                    for (String name : names) {
                        for (String verb : rule.getVerbs()) {
                            allowed.add((group.isEmpty() ? "" : group + "/") + resource
                                    + (name.isEmpty() ? "" : "[" + name + "]") + " " + verb);
                        }
                    }
                }
            }
        }
        Set<String> expected = new TreeSet<>(chartGrants);
        expected.addAll(EVERYONE);
        Set<String> extra = new TreeSet<>(allowed);
        extra.removeAll(expected);
        Set<String> lacking = new TreeSet<>(expected);
        lacking.removeAll(allowed);
        assertAll(
                () -> assertEquals(Set.of(), extra, "allowed beyond what this part needs: RBAC widened"),
                () -> assertEquals(Set.of(), lacking, "needed but not allowed"));
    }

    private interface Call {
        Object run() throws Exception;
    }

    private static void assertRefused(String what, Call call) throws Exception {
        try {
            call.run();
        } catch (ApiException e) {
            assertEquals(403, e.getCode(), what + ": expected Forbidden, got HTTP " + e.getCode() + " " + e.getResponseBody());
            return;
        }
        fail("allowed to " + what + ": the chart's RBAC grants more than this part needs");
    }

    /** Kube.await, and on failure the process's output: a refusal by RBAC shows there. */
    private static <T> T awaitOrShow(HeraldProcess process, String what, Kube.Check<T> check) throws Exception {
        try {
            return Kube.await(what, PATIENCE, check);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\noutput:\n" + process.output(), e);
        }
    }

    private static void assertNoRefusals(HeraldProcess process) {
        String output = process.output();
        assertFalse(output.toLowerCase(java.util.Locale.ROOT).contains("forbidden"), "refused by RBAC:\n" + output);
    }

    private static Object patchStatus(ApiClient client, String namespace, String name) throws ApiException {
        CoreV1Api core = new CoreV1Api(client);
        return PatchUtils.patch(V1Service.class,
                () -> core.patchNamespacedServiceStatus(name, namespace,
                        new V1Patch("{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"198.18.52.9\"}]}}}")).buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, client);
    }

    private static Object labelNode(ApiClient client) throws ApiException {
        CoreV1Api core = new CoreV1Api(client);
        return PatchUtils.patch(V1Node.class,
                () -> core.patchNode(NODE, new V1Patch("{\"metadata\":{\"labels\":{\"pool\":\"edge\"}}}")).buildCall(null),
                V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH, client);
    }

    private static List<String> owners(V1Lease lease) {
        return lease.getMetadata().getOwnerReferences() == null ? List.of() : lease.getMetadata().getOwnerReferences().stream()
                .map(o -> o.getKind() + "/" + o.getName() + " " + o.getUid()).toList();
    }

    private static String uid(ApiClient admin, String kind, String name) throws ApiException {
        AppsV1Api apps = new AppsV1Api(admin);
        return kind.equals("Deployment") ? apps.readNamespacedDeployment(name, NS).execute().getMetadata().getUid()
                : apps.readNamespacedDaemonSet(name, NS).execute().getMetadata().getUid();
    }

    private static V1Lease leaseOrNull(CoordinationV1Api leases, String name) throws ApiException {
        try {
            return leases.readNamespacedLease(name, NS).execute();
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    private static V1Lease lease(String namespace, String name) {
        return new V1Lease().metadata(new V1ObjectMeta().name(name).namespace(namespace))
                .spec(new V1LeaseSpec().holderIdentity("intruder").leaseDurationSeconds(15));
    }

    private static void secret(ApiClient admin) throws ApiException {
        try {
            new CoreV1Api(admin).createNamespacedSecret(NS, new V1Secret().metadata(new V1ObjectMeta().name("herald-test-secret"))
                    .stringData(Map.of("token", "not for herald"))).execute();
        } catch (ApiException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }
}
