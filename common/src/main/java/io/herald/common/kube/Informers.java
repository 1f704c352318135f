package io.herald.common.kube;

import io.herald.common.serve.Health;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import java.util.Optional;

/** Registers cluster-wide informers and ties their sync to readiness. */
public final class Informers {
    private Informers() {}

    public static <T extends KubernetesObject, L extends KubernetesListObject> SharedIndexInformer<T> watch(
            SharedInformerFactory factory, ApiClient client, Health health,
            Class<T> type, Class<L> listType, String group, String version, String plural) {
        var api = new GenericKubernetesApi<>(type, listType, group, version, plural, client);
        SharedIndexInformer<T> informer = factory.sharedIndexInformerFor(api, type, 0);
        health.addReadiness(plural + "-synced", () -> informer.hasSynced()
                ? Optional.empty()
                : Optional.of("the " + plural + " cache has not synced with the API server yet"));
        return informer;
    }
}
