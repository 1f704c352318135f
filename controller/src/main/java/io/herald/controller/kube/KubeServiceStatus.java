package io.herald.controller.kube;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.herald.common.Annotations;
import io.herald.common.ip.IpAddress;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.extended.event.EventType;
import io.kubernetes.client.extended.event.legacy.EventRecorder;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.util.PatchUtils;
import java.util.List;

/** Writes through the Service status subresource (which also accepts metadata), and Events. */
public final class KubeServiceStatus implements ServiceStatus {
    private final ApiClient client;
    private final CoreV1Api core;
    private final EventRecorder events;

    public KubeServiceStatus(ApiClient client, EventRecorder events) {
        this.client = client;
        this.core = new CoreV1Api(client);
        this.events = events;
    }

    @Override
    public void writeAllocation(V1Service service, String pool, List<IpAddress> ips) throws ApiException {
        JsonArray ingress = new JsonArray();
        for (IpAddress ip : ips) {
            JsonObject entry = new JsonObject();
            entry.addProperty("ip", ip.toString());
            entry.addProperty("ipMode", "VIP");
            ingress.add(entry);
        }
        JsonObject annotations = new JsonObject();
        annotations.addProperty(Annotations.ALLOCATED_POOL, pool);
        patchStatus(service, annotations, ingress);
    }

    @Override
    public void clearAllocation(V1Service service) throws ApiException {
        JsonObject annotations = new JsonObject();
        annotations.add(Annotations.ALLOCATED_POOL, JsonNull.INSTANCE);
        patchStatus(service, annotations, JsonNull.INSTANCE);
    }

    private void patchStatus(V1Service service, JsonObject annotations, com.google.gson.JsonElement ingress)
            throws ApiException {
        JsonObject metadata = new JsonObject();
        metadata.addProperty("resourceVersion", service.getMetadata().getResourceVersion());
        metadata.add("annotations", annotations);
        JsonObject loadBalancer = new JsonObject();
        loadBalancer.add("ingress", ingress);
        JsonObject status = new JsonObject();
        status.add("loadBalancer", loadBalancer);
        JsonObject patch = new JsonObject();
        patch.add("metadata", metadata);
        patch.add("status", status);
        String name = service.getMetadata().getName();
        String namespace = service.getMetadata().getNamespace();
        PatchUtils.patch(V1Service.class,
                () -> core.patchNamespacedServiceStatus(name, namespace, new V1Patch(patch.toString())).buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, client);
    }

    @Override
    public void event(V1Service service, boolean warning, String reason, String message) {
        events.event(service, warning ? EventType.Warning : EventType.Normal, reason, "%s", message);
    }
}
