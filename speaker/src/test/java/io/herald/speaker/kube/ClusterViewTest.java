package io.herald.speaker.kube;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.informer.cache.Cache;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which Node updates can change an owner, and so are worth a decision (issue 13). */
class ClusterViewTest {
    static V1Node node(Map<String, String> labels, String ready, String version, OffsetDateTime heartbeat) {
        return new V1Node()
                .metadata(new V1ObjectMeta().name("n1").labels(labels).resourceVersion(version)
                        .annotations(Map.of("node.alpha.kubernetes.io/ttl", version)))
                .status(new V1NodeStatus().conditions(List.of(
                        new V1NodeCondition().type("MemoryPressure").status("False").lastHeartbeatTime(heartbeat),
                        new V1NodeCondition().type("Ready").status(ready).lastHeartbeatTime(heartbeat))));
    }

    static final Map<String, String> ZONE_A = Map.of("topology.kubernetes.io/zone", "a");
    static final OffsetDateTime T0 = OffsetDateTime.parse("2026-12-08T00:00:00Z");

    @Test
    void aKubeletsStatusReportOrANewAnnotationChangesNoOwner() {
        V1Node before = node(ZONE_A, "True", "1", T0);
        assertFalse(ClusterView.changesOwnership(before, node(ZONE_A, "True", "2", T0.plusSeconds(10))));
    }

    @Test
    void labelsAndReadinessDo() {
        V1Node before = node(ZONE_A, "True", "1", T0);
        assertTrue(ClusterView.changesOwnership(before, node(Map.of("topology.kubernetes.io/zone", "b"), "True", "2", T0)),
                "a label a pool's node-selector may read");
        assertTrue(ClusterView.changesOwnership(before, node(ZONE_A, "Unknown", "2", T0)), "Ready turned Unknown");
        assertTrue(ClusterView.changesOwnership(before, node(ZONE_A, "False", "2", T0)), "Ready turned False");
        assertTrue(ClusterView.changesOwnership(node(ZONE_A, "False", "1", T0), node(ZONE_A, "True", "2", T0)), "Ready again");
    }

    static V1Service service(String name, String type, String loadBalancerClass) {
        return new V1Service().metadata(new V1ObjectMeta().namespace("apps").name(name))
                .spec(new V1ServiceSpec().type(type).loadBalancerClass(loadBalancerClass));
    }

    static V1EndpointSlice sliceOf(String service) {
        return new V1EndpointSlice().metadata(new V1ObjectMeta().namespace("apps").name(service + "-x1")
                .labels(service == null ? null : Map.of("kubernetes.io/service-name", service)));
    }

    @Test
    void onlyHeraldsServicesAndTheirSlicesAreWorthADecision() {
        Cache<V1Service> services = new Cache<>();
        services.add(service("web", "LoadBalancer", null));
        services.add(service("dns", "ClusterIP", null));
        services.add(service("other-lb", "LoadBalancer", "example.com/other"));
        ClusterView view = new ClusterView(new Cache<>(), services, new Cache<>(), "herald.io/herald");

        assertTrue(view.concernsOwnership(service("web", "LoadBalancer", null)));
        assertTrue(view.concernsOwnership(service("web", "LoadBalancer", "herald.io/herald")));
        assertFalse(view.concernsOwnership(service("dns", "ClusterIP", null)), "not a LoadBalancer");
        assertFalse(view.concernsOwnership(service("other-lb", "LoadBalancer", "example.com/other")), "another class");

        assertTrue(view.concernsOwnership(sliceOf("web")), "a slice of Herald's Service");
        assertFalse(view.concernsOwnership(sliceOf("dns")), "a slice of a ClusterIP Service");
        assertFalse(view.concernsOwnership(sliceOf("other-lb")), "a slice of another class's Service");
        assertFalse(view.concernsOwnership(sliceOf("not-yet-known")), "its Service's own add decides, with the slice");
        assertFalse(view.concernsOwnership(sliceOf(null)), "a slice of no Service");
    }
}
