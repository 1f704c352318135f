package io.herald.e2e.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.e2e.Kube;
import io.herald.testkit.KubeApiServerExtension;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every object the chart renders is accepted by the real API server ({@code kubectl apply
 * --dry-run=server}), with strict field validation so a misspelt or misplaced field is an
 * error rather than silently dropped, and without a single warning.
 */
@ExtendWith(KubeApiServerExtension.class)
class ChartDryRunTest {
    private static final String NS = "herald-chart-dry-run";
    private static KubeObjects objects;

    @BeforeAll
    static void namespace(ApiClient admin) throws Exception {
        Kube.namespace(admin, NS);
        objects = new KubeObjects(admin);
    }

    @AfterAll
    static void removeNamespace(ApiClient admin) throws Exception {
        new CoreV1Api(admin).deleteNamespace(NS).execute();
    }

    static Stream<Arguments> renderings() {
        return Stream.of(
                Arguments.of("default values", null, Map.of()),
                Arguments.of("custom-values.yaml", HeraldChart.values("custom-values.yaml"), Map.of()),
                Arguments.of("existingConfigMap, no metrics Services", null,
                        Map.of("existingConfigMap", "my-pools", "metrics.service.enabled", false,
                                "controller.replicas", 1, "speaker.tolerateControlPlane", true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everyRenderedObjectIsAcceptedByTheApiServer(String what, Path values, Map<String, Object> set, ApiClient admin,
            TestReporter reporter) throws Exception {
        Manifests rendered = HeraldChart.template(NS, values, set);
        List<String> refused = new ArrayList<>();
        List<String> accepted = new ArrayList<>();
        for (JsonNode object : rendered.objects()) {
            if (objects.resourceOf(object).isEmpty()) {
                // The Prometheus operator's CRD is not in this API server; a ServiceMonitor is only
                // rendered when the user says the operator is there (metrics.serviceMonitor.enabled).
                assertEquals("ServiceMonitor", Manifests.kind(object), "the API server does not know " + Manifests.id(object));
                reporter.publishEntry("skipped", Manifests.id(object) + ": no ServiceMonitor CRD in this API server");
                continue;
            }
            try {
                List<String> warnings = objects.create(object, true);
                if (warnings.isEmpty()) {
                    accepted.add(Manifests.id(object));
                } else {
                    refused.add(Manifests.id(object) + " accepted with warnings: " + warnings);
                }
            } catch (ApiException e) {
                refused.add(Manifests.id(object) + ": HTTP " + e.getCode() + " " + e.getResponseBody());
            }
        }
        assertEquals(List.of(), refused, "with " + what);
        assertTrue(accepted.containsAll(List.of("DaemonSet/herald-speaker", "Deployment/herald-controller",
                "ClusterRole/herald-controller", "Role/herald-speaker")), "accepted: " + accepted);
    }
}
