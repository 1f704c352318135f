package io.herald.e2e.chart;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.speaker.announce.ExcludedInterfaces;
import io.herald.common.config.AddressPool;
import io.herald.common.config.Config;
import io.herald.common.config.ConfigParser;
import io.herald.common.config.ParsedConfig;
import io.herald.common.ip.IpRange;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1DaemonSet;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1SecurityContext;
import io.kubernetes.client.openapi.models.V1Toleration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What a user checks in {@code helm lint} and {@code helm template} output before installing. */
class ChartTemplateTest {
    private static final String NS = "herald-system";
    private static final Manifests DEFAULTS = HeraldChart.template(NS);
    private static final Manifests CUSTOM = HeraldChart.template("team-lb", HeraldChart.values("custom-values.yaml"), Map.of());

    @Test
    void lintsCleanInStrictMode() {
        var lint = HeraldChart.lintStrict();
        assertFalse(lint.failed(), "helm lint --strict failed: " + lint.messages());
        // Strict lint fails on warnings already; INFO lines (such as "icon is recommended") are advice.
        assertEquals(List.of(), lint.messages().stream().filter(m -> !m.startsWith("[INFO]")).toList(),
                "helm lint --strict says more than INFO");
    }

    @Test
    void defaultsRenderBothPartsTheirRbacConfigMapAndMetrics() {
        assertEquals(List.of(
                "ClusterRole/herald-controller", "ClusterRole/herald-speaker",
                "ClusterRoleBinding/herald-controller", "ClusterRoleBinding/herald-speaker",
                "ConfigMap/herald-config",
                "DaemonSet/herald-speaker", "Deployment/herald-controller",
                "PodDisruptionBudget/herald-controller",
                "Role/herald-controller", "Role/herald-speaker",
                "RoleBinding/herald-controller", "RoleBinding/herald-speaker",
                "Secret/herald-heartbeat-key",
                "Service/herald-controller-metrics", "Service/herald-speaker-metrics",
                "ServiceAccount/herald-controller", "ServiceAccount/herald-speaker"), DEFAULTS.ids());
        for (JsonNode object : DEFAULTS.where(o -> !Manifests.kind(o).startsWith("Cluster"))) {
            assertEquals(NS, object.path("metadata").path("namespace").asText(), Manifests.id(object) + " namespace");
        }
    }

    @Test
    void speakerHasNetRawAndNothingElse() {
        for (Manifests rendered : List.of(DEFAULTS, CUSTOM)) {
            V1PodSpec pod = rendered.one(V1DaemonSet.class, "DaemonSet", "herald-speaker").getSpec().getTemplate().getSpec();
            V1Container speaker = only(pod.getContainers());
            V1SecurityContext security = speaker.getSecurityContext();
            assertAll(
                    () -> assertEquals(List.of("ALL"), security.getCapabilities().getDrop(), "dropped capabilities"),
                    () -> assertEquals(List.of("NET_RAW"), security.getCapabilities().getAdd(), "added capabilities"),
                    () -> assertEquals(Boolean.FALSE, security.getPrivileged(), "privileged"),
                    () -> assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation(), "allowPrivilegeEscalation"),
                    () -> assertEquals(Boolean.TRUE, security.getReadOnlyRootFilesystem(), "readOnlyRootFilesystem"),
                    () -> assertEquals(Boolean.TRUE, pod.getHostNetwork(), "hostNetwork"),
                    () -> assertEquals("ClusterFirstWithHostNet", pod.getDnsPolicy(), "dnsPolicy"),
                    () -> assertEquals("spec.nodeName", env(speaker, "NODE_NAME").getValueFrom().getFieldRef().getFieldPath()),
                    () -> assertTrue(speaker.getArgs().contains("--node-name=$(NODE_NAME)"), "args " + speaker.getArgs()),
                    () -> assertEquals("herald-speaker", pod.getServiceAccountName()),
                    () -> assertFalse(pod.getVolumes().stream().anyMatch(v -> v.getHostPath() != null), "hostPath volumes"),
                    () -> assertTrue(pod.getHostPID() == null || !pod.getHostPID(), "hostPID"));
        }
    }

    /** Heartbeats on by default: a random key in a Secret the kubelet mounts, so the speaker reads no Secret itself. */
    @Test
    void speakerHeartbeatsWithAKeyTheKubeletMountsAndTheNodesAddress() {
        V1Secret secret = DEFAULTS.one(V1Secret.class, "Secret", "herald-heartbeat-key");
        String key = new String(secret.getData().get("key"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(key.matches("[A-Za-z0-9]{32}"), "32 random characters: " + key);
        assertNotEquals(key, new String(HeraldChart.template(NS).one(V1Secret.class, "Secret", "herald-heartbeat-key").getData()
                .get("key"), java.nio.charset.StandardCharsets.UTF_8), "a new random key for a new install");
        V1PodSpec pod = DEFAULTS.one(V1DaemonSet.class, "DaemonSet", "herald-speaker").getSpec().getTemplate().getSpec();
        V1Container speaker = only(pod.getContainers());
        assertTrue(speaker.getArgs().containsAll(List.of("--heartbeat-key-file=/etc/herald/heartbeat/key",
                "--heartbeat-port=7474", "--heartbeat-interval=100ms", "--heartbeat-timeout=500ms")), speaker.getArgs().toString());
        assertEquals("status.hostIP", speaker.getEnv().stream().filter(e -> e.getName().equals("HOST_IP")).findFirst()
                .orElseThrow().getValueFrom().getFieldRef().getFieldPath());
        var volume = pod.getVolumes().stream().filter(v -> v.getName().equals("heartbeat-key")).findFirst().orElseThrow();
        assertEquals("herald-heartbeat-key", volume.getSecret().getSecretName());
        assertEquals(0400, volume.getSecret().getDefaultMode());
        assertTrue(speaker.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("heartbeat-key")
                && m.getMountPath().equals("/etc/herald/heartbeat") && Boolean.TRUE.equals(m.getReadOnly())));
        assertTrue(speaker.getPorts().stream().anyMatch(p -> p.getContainerPort() == 7474 && p.getProtocol().equals("UDP")));

        Manifests own = HeraldChart.template(NS, null, Map.of("speaker.heartbeat.existingSecret", "my-key"));
        assertTrue(own.ofKind("Secret").isEmpty(), "no Secret of the chart's beside the user's");
        assertEquals("my-key", own.one(V1DaemonSet.class, "DaemonSet", "herald-speaker").getSpec().getTemplate().getSpec()
                .getVolumes().stream().filter(v -> v.getName().equals("heartbeat-key")).findFirst().orElseThrow().getSecret()
                .getSecretName());
        Manifests off = HeraldChart.template(NS, null, Map.of("speaker.heartbeat.enabled", "false"));
        assertTrue(off.ofKind("Secret").isEmpty());
        V1Container leaseOnly = only(off.one(V1DaemonSet.class, "DaemonSet", "herald-speaker").getSpec().getTemplate().getSpec()
                .getContainers());
        assertTrue(leaseOnly.getArgs().stream().noneMatch(a -> a.startsWith("--heartbeat")), leaseOnly.getArgs().toString());
        var error = assertThrows(RuntimeException.class,
                () -> HeraldChart.template(NS, null, Map.of("speaker.heartbeat.interval", "100")));
        assertTrue(error.getMessage().contains("/speaker/heartbeat/interval"), error.getMessage());
    }

    @Test
    void speakerExcludesThePodNetworksDevicesByDefaultAndNoneWhenEmptied() {
        V1Container speaker = only(DEFAULTS.one(V1DaemonSet.class, "DaemonSet", "herald-speaker").getSpec().getTemplate().getSpec()
                .getContainers());
        List<String> excluded = speaker.getArgs().stream().filter(a -> a.startsWith("--exclude-interfaces="))
                .map(a -> a.substring("--exclude-interfaces=".length())).toList();
        assertEquals(ExcludedInterfaces.DEFAULT, excluded, "the chart's default is the speaker's own");
        V1Container emptied = only(HeraldChart.template(NS, null, Map.of("speaker.excludeInterfaces", "null"))
                .one(V1DaemonSet.class, "DaemonSet", "herald-speaker").getSpec().getTemplate().getSpec().getContainers());
        assertEquals(List.of("--exclude-interfaces="), emptied.getArgs().stream().filter(a -> a.startsWith("--exclude-interfaces"))
                .toList(), "an empty list excludes none");
    }

    @Test
    void controllerRunsNonRootTwiceWithPdbAndAntiAffinity() {
        V1Deployment deployment = DEFAULTS.one(V1Deployment.class, "Deployment", "herald-controller");
        V1PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        V1Container controller = only(pod.getContainers());
        V1PodDisruptionBudget pdb = DEFAULTS.one(V1PodDisruptionBudget.class, "PodDisruptionBudget", "herald-controller");
        var antiAffinity = pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
        assertAll(
                () -> assertEquals(2, deployment.getSpec().getReplicas(), "replicas"),
                () -> assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot(), "runAsNonRoot"),
                () -> assertTrue(pod.getSecurityContext().getRunAsUser() > 0, "runAsUser"),
                () -> assertEquals(List.of("ALL"), controller.getSecurityContext().getCapabilities().getDrop()),
                () -> assertEquals(List.of(), Objects.requireNonNullElse(controller.getSecurityContext().getCapabilities().getAdd(),
                        List.of()), "added capabilities"),
                () -> assertEquals(Boolean.TRUE, controller.getSecurityContext().getReadOnlyRootFilesystem()),
                () -> assertEquals(Boolean.FALSE, controller.getSecurityContext().getAllowPrivilegeEscalation()),
                () -> assertFalse(Boolean.TRUE.equals(pod.getHostNetwork()), "the controller needs no host network"),
                () -> assertEquals("herald-controller", pod.getServiceAccountName()),
                () -> assertEquals(1, pdb.getSpec().getMinAvailable().getIntValue(), "PDB minAvailable"),
                () -> assertEquals(deployment.getSpec().getSelector().getMatchLabels(), pdb.getSpec().getSelector().getMatchLabels(),
                        "the PDB selects the controller's pods"),
                () -> assertEquals("kubernetes.io/hostname", only(antiAffinity).getPodAffinityTerm().getTopologyKey()),
                () -> assertEquals(deployment.getSpec().getSelector().getMatchLabels(),
                        only(antiAffinity).getPodAffinityTerm().getLabelSelector().getMatchLabels(),
                        "replicas keep away from each other, not from other pods"));
    }

    @Test
    void defaultConfigMapHasNoPoolsYetAndIsValid() {
        Config config = valid(DEFAULTS.one(V1ConfigMap.class, "ConfigMap", "herald-config"));
        assertEquals(List.of(), config.pools());
    }

    @Test
    void addressPoolsBecomeTheConfigHeraldParses() {
        Config config = valid(CUSTOM.one(V1ConfigMap.class, "ConfigMap", "herald-config"));
        assertEquals(List.of("lan", "lan-v6"), config.pools().stream().map(AddressPool::name).toList());
        AddressPool lan = config.pool("lan").orElseThrow();
        AddressPool v6 = config.pool("lan-v6").orElseThrow();
        assertAll(
                () -> assertEquals(List.of(IpRange.parse("198.18.0.100-198.18.0.150"), IpRange.parse("198.18.1.0/28")),
                        lan.ranges()),
                () -> assertTrue(lan.autoAssign()),
                () -> assertTrue(lan.avoidBuggyIps()),
                () -> assertEquals(List.of(IpRange.parse("2001:db8::100/124")), v6.ranges()),
                () -> assertFalse(v6.autoAssign()),
                () -> assertEquals(List.of("eth1"), v6.interfaces()),
                () -> assertEquals(List.of("team-a"), v6.namespaces()),
                () -> assertTrue(v6.selectsNode(Map.of("pool", "edge")), "match-labels"),
                () -> assertTrue(v6.selectsNode(Map.of("kubernetes.io/hostname", "n2")), "match-expressions"),
                () -> assertFalse(v6.selectsNode(Map.of("kubernetes.io/hostname", "n3")), "a node neither selector names"));
    }

    @Test
    void customValuesReachThePodsAndMetrics() {
        V1Deployment deployment = CUSTOM.one(V1Deployment.class, "Deployment", "herald-controller");
        V1PodSpec controllerPod = deployment.getSpec().getTemplate().getSpec();
        V1Container controller = only(controllerPod.getContainers());
        V1PodSpec speakerPod = CUSTOM.one(V1DaemonSet.class, "DaemonSet", "herald-speaker").getSpec().getTemplate().getSpec();
        V1Container speaker = only(speakerPod.getContainers());
        JsonNode monitor = CUSTOM.one("ServiceMonitor", "herald-speaker");
        assertAll(
                () -> assertEquals(3, deployment.getSpec().getReplicas()),
                () -> assertEquals(2, CUSTOM.one(V1PodDisruptionBudget.class, "PodDisruptionBudget", "herald-controller")
                        .getSpec().getMinAvailable().getIntValue()),
                () -> assertEquals("registry.example.com/mirror/herald/controller:1.2.3", controller.getImage()),
                () -> assertEquals("registry.example.com/mirror/herald/speaker:1.2.4", speaker.getImage()),
                () -> assertEquals("Always", speaker.getImagePullPolicy()),
                () -> assertEquals("mirror-pull", only(speakerPod.getImagePullSecrets()).getName()),
                () -> assertTrue(controller.getArgs().containsAll(List.of("--namespace=team-lb",
                        "--load-balancer-class=example.com/lan",
                        "--lease-duration=30s", "--renew-deadline=20s", "--retry-period=4s")), "controller args " + controller.getArgs()),
                () -> assertTrue(speaker.getArgs().containsAll(List.of("--namespace=team-lb",
                        "--load-balancer-class=example.com/lan",
                        "--lease-renew=1s", "--lease-duration=3s")), "speaker args " + speaker.getArgs()),
                () -> assertEquals("debug", env(speaker, "HERALD_LOG_LEVEL").getValue()),
                () -> assertTrue(speakerPod.getTolerations().contains(new V1Toleration()
                        .key("node-role.kubernetes.io/control-plane").operator("Exists").effect("NoSchedule")),
                        "tolerateControlPlane: " + speakerPod.getTolerations()),
                () -> assertTrue(speakerPod.getTolerations().contains(new V1Toleration()
                        .key("dedicated").operator("Equal").value("edge").effect("NoSchedule")), "own toleration"),
                () -> assertEquals("prometheus", monitor.at("/metadata/labels/release").asText()),
                () -> assertEquals("15s", monitor.at("/spec/endpoints/0/interval").asText()),
                () -> assertTrue(selects(monitor.at("/spec/selector/matchLabels"),
                        CUSTOM.one("Service", "herald-speaker-metrics").at("/metadata/labels")),
                        "the ServiceMonitor selects the speaker's metrics Service"),
                () -> assertFalse(selects(monitor.at("/spec/selector/matchLabels"),
                        CUSTOM.one("Service", "herald-controller-metrics").at("/metadata/labels")),
                        "and not the controller's"),
                () -> assertEquals("metrics", monitor.at("/spec/endpoints/0/port").asText()),
                () -> assertEquals(2, CUSTOM.ofKind("ServiceMonitor").size()));
        assertFalse(DEFAULTS.yaml().contains("ServiceMonitor"), "no ServiceMonitor unless asked: its CRD may be absent");
        assertFalse(DEFAULTS.ofKind("DaemonSet").get(0).at("/spec/template/spec/tolerations").isArray(),
                "by default the speaker stays off tainted nodes");
    }

    @Test
    void anyReleaseNameBindsTheRolesToTheAccountsThePodsRunAs() {
        Manifests rendered = HeraldChart.template("edge-lb", "lb", null, Map.of());
        Set<String> accounts = rendered.ofKind("ServiceAccount").stream().map(Manifests::name).collect(Collectors.toSet());
        assertEquals(Set.of("edge-lb-herald-controller", "edge-lb-herald-speaker"), accounts);
        for (JsonNode workload : rendered.where(o -> Set.of("Deployment", "DaemonSet").contains(Manifests.kind(o)))) {
            String account = workload.at("/spec/template/spec/serviceAccountName").asText();
            assertTrue(accounts.contains(account), Manifests.id(workload) + " runs as " + account);
        }
        for (JsonNode binding : rendered.where(o -> Manifests.kind(o).endsWith("Binding"))) {
            JsonNode subject = binding.at("/subjects/0");
            assertEquals(1, binding.path("subjects").size(), Manifests.id(binding) + " subjects");
            assertEquals("ServiceAccount", subject.path("kind").asText());
            assertEquals("lb", subject.path("namespace").asText(), Manifests.id(binding) + " subject namespace");
            assertTrue(accounts.contains(subject.path("name").asText()), Manifests.id(binding) + " binds " + subject);
            String role = binding.at("/roleRef/kind").asText() + "/" + binding.at("/roleRef/name").asText();
            assertTrue(rendered.ids().contains(role), Manifests.id(binding) + " refers to " + role + ", not rendered");
            assertEquals(Manifests.name(binding), binding.at("/roleRef/name").asText(), "each part its own role");
            assertTrue(subject.path("name").asText().endsWith(Manifests.name(binding).replaceAll(".*-", "-")),
                    Manifests.id(binding) + " gives the " + Manifests.name(binding) + " role to " + subject.path("name"));
        }
    }

    @Test
    void existingConfigMapIsReadAndNotRendered() {
        Manifests rendered = HeraldChart.template(NS, null, Map.of("existingConfigMap", "my-pools"));
        assertEquals(List.of(), rendered.ofKind("ConfigMap"), "a ConfigMap the user manages is not Helm's");
        for (String part : List.of("Deployment/herald-controller", "DaemonSet/herald-speaker")) {
            JsonNode args = rendered.one(part.split("/")[0], part.split("/")[1]).at("/spec/template/spec/containers/0/args");
            assertTrue(args.toString().contains("\"--config-map=my-pools\""), part + " args " + args);
        }
    }

    @Test
    void existingConfigMapWithAddressPoolsIsRefusedNotIgnored() {
        Exception refused = assertThrows(Exception.class, () -> HeraldChart.template(NS, null, Map.of(
                "existingConfigMap", "my-pools", "addressPools[0].name", "lan", "addressPools[0].addresses[0]", "198.18.0.1")));
        assertTrue(refused.getMessage().contains("set addressPools or existingConfigMap, not both"), refused.getMessage());
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of(Map.of("controller.replicas", "three"), "/controller/replicas", "got string, want integer"),
                Arguments.of(Map.of("speaker.lease.renew", "fast"), "/speaker/lease/renew", "does not match pattern"),
                Arguments.of(Map.of("speaker.lease.renew", "2000"), "/speaker/lease/renew", "want string"),
                Arguments.of(Map.of("speaker.lease.renewMillis", "2000"), "/speaker/lease",
                        "additional properties 'renewMillis' not allowed"),
                Arguments.of(Map.of("speaker.heartbeat.timeout", "1.5s"), "/speaker/heartbeat/timeout", "does not match pattern"),
                Arguments.of(Map.of("speaker.tolerateControlPlane", "maybe"), "/speaker/tolerateControlPlane", "want boolean"),
                Arguments.of(Map.of("speaker.bogus", "1"), "/speaker", "additional properties 'bogus' not allowed"),
                Arguments.of(Map.of("replica", "3"), "at ''", "additional properties 'replica' not allowed"),
                Arguments.of(Map.of("addressPools[0].name", "lan", "addressPools[0].addresses[0]", "198.18.0.1",
                        "addressPools[0].auto-asign", "false"), "/addressPools/0", "additional properties 'auto-asign' not allowed"),
                Arguments.of(Map.of("addressPools[0].name", "lan"), "/addressPools/0", "missing property 'addresses'"));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void valuesSchemaRefusesWithThePlaceAndTheReason(Map<String, Object> set, String place, String reason) {
        Exception refused = assertThrows(Exception.class, () -> HeraldChart.template(NS, null, set));
        String message = refused.getMessage();
        assertTrue(message.contains("values don't meet the specifications of the schema"), message);
        assertTrue(message.contains(place), "names " + place + ": " + message);
        assertTrue(message.contains(reason), "says " + reason + ": " + message);
    }

    private static Config valid(V1ConfigMap map) {
        ParsedConfig parsed = ConfigParser.parseConfigMapData(map.getData());
        assertInstanceOf(ParsedConfig.Valid.class, parsed, () -> "the rendered config is rejected: " + parsed.errors()
                + "\n" + map.getData().get("config"));
        return ((ParsedConfig.Valid) parsed).config();
    }

    private static boolean selects(JsonNode matchLabels, JsonNode labels) {
        var fields = matchLabels.fields();
        while (fields.hasNext()) {
            var label = fields.next();
            if (!label.getValue().equals(labels.get(label.getKey()))) {
                return false;
            }
        }
        return !matchLabels.isEmpty();
    }

    private static V1EnvVar env(V1Container container, String name) {
        return container.getEnv().stream().filter(e -> name.equals(e.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no env " + name));
    }

    private static <T> T only(List<T> list) {
        assertNotNull(list);
        assertEquals(1, list.size(), () -> "expected exactly one: " + list);
        return list.get(0);
    }
}
