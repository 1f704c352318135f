package io.herald.common.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import java.util.List;
import org.junit.jupiter.api.Test;

class LenientJsonTest {
    @Test
    void anEndpointSliceWithNullEndpointsReadsAsEmptyAndOthersAsBefore() {
        LenientJson.install();
        LenientJson.install(); // idempotent
        V1EndpointSlice empty = JSON.deserialize("""
                {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"web-abc"},
                 "addressType":"IPv4","endpoints":null}""", V1EndpointSlice.class);
        assertEquals(List.of(), empty.getEndpoints(), "a Service scaled to zero: no endpoints");

        V1EndpointSlice one = JSON.deserialize("""
                {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"web-abc"},
                 "addressType":"IPv4","endpoints":[{"addresses":["198.19.0.1"],"nodeName":"n1","conditions":{"ready":true}}]}""",
                V1EndpointSlice.class);
        assertEquals("n1", one.getEndpoints().get(0).getNodeName());
        assertEquals("web-abc", one.getMetadata().getName());
    }
}
