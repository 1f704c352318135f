package io.herald.speaker.kube;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
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
}
