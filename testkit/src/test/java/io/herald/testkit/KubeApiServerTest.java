package io.herald.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1RoleRef;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceList;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.util.PatchUtils;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What Herald needs from the Kubernetes API, proven against the real kube-apiserver. */
@ExtendWith(KubeApiServerExtension.class)
class KubeApiServerTest {
    private String namespace;

    @BeforeEach
    void namespace(ApiClient admin) throws ApiException {
        namespace = "t-" + UUID.randomUUID().toString().substring(0, 8);
        new CoreV1Api(admin).createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(namespace))).execute();
    }

    private static V1Service loadBalancer(String name) {
        return new V1Service()
                .metadata(new V1ObjectMeta().name(name))
                .spec(new V1ServiceSpec()
                        .type("LoadBalancer")
                        .selector(Map.of("app", name))
                        .ports(List.of(new V1ServicePort().name("http").protocol("TCP").port(80))));
    }

    @Test
    void informerSeesANewLoadBalancerService(ApiClient admin) throws Exception {
        SharedInformerFactory factory = new SharedInformerFactory(admin);
        SharedIndexInformer<V1Service> informer = factory.sharedIndexInformerFor(
                new GenericKubernetesApi<>(V1Service.class, V1ServiceList.class, "", "v1", "services", admin), V1Service.class, 0);
        BlockingQueue<V1Service> added = new LinkedBlockingQueue<>();
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1Service service) {
                if (namespace.equals(service.getMetadata().getNamespace())) {
                    added.add(service);
                }
            }

            @Override
            public void onUpdate(V1Service before, V1Service after) {}

            @Override
            public void onDelete(V1Service service, boolean finalStateUnknown) {}
        });
        factory.startAllRegisteredInformers();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!informer.hasSynced() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(informer.hasSynced(), "informer synced");

            new CoreV1Api(admin).createNamespacedService(namespace, loadBalancer("web")).execute();

            V1Service seen = added.poll(30, TimeUnit.SECONDS);
            assertTrue(seen != null, "the informer delivered the new Service");
            assertEquals("web", seen.getMetadata().getName());
            assertEquals("LoadBalancer", seen.getSpec().getType());
            assertTrue(seen.getSpec().getPorts().get(0).getNodePort() > 0, "the API server gave it a node port");
            var ingress = seen.getStatus().getLoadBalancer().getIngress();
            assertTrue(ingress == null || ingress.isEmpty(), "nobody has given it an address yet: " + ingress);
            assertEquals(seen, informer.getIndexer().getByKey(namespace + "/web"), "the cache holds it");
        } finally {
            factory.stopAllRegisteredInformers();
        }
    }

    @Test
    void statusSubresourceCarriesTheLoadBalancerIngress(ApiClient admin) throws Exception {
        CoreV1Api core = new CoreV1Api(admin);
        core.createNamespacedService(namespace, loadBalancer("web")).execute();

        String patch = "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"198.18.0.100\",\"ipMode\":\"VIP\"}]}}}";
        V1Service patched = PatchUtils.patch(V1Service.class,
                () -> core.patchNamespacedServiceStatus("web", namespace, new V1Patch(patch)).buildCall(null),
                V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH, admin);
        assertEquals("198.18.0.100", patched.getStatus().getLoadBalancer().getIngress().get(0).getIp());

        V1Service read = core.readNamespacedService("web", namespace).execute();
        assertEquals("198.18.0.100", read.getStatus().getLoadBalancer().getIngress().get(0).getIp());
        assertEquals("VIP", read.getStatus().getLoadBalancer().getIngress().get(0).getIpMode());

        // The main resource ignores status: only the subresource (and its RBAC) can set it.
        String other = "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"198.18.0.101\"}]}}}";
        PatchUtils.patch(V1Service.class,
                () -> core.patchNamespacedService("web", namespace, new V1Patch(other)).buildCall(null),
                V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH, admin);
        assertEquals("198.18.0.100", core.readNamespacedService("web", namespace).execute()
                .getStatus().getLoadBalancer().getIngress().get(0).getIp());
    }

    @Test
    void leaseIsCreatedRenewedAndGuardedByResourceVersion(ApiClient admin) throws Exception {
        CoordinationV1Api coordination = new CoordinationV1Api(admin);
        OffsetDateTime acquired = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        V1Lease created = coordination.createNamespacedLease(namespace, new V1Lease()
                .metadata(new V1ObjectMeta().name("herald-speaker-n1").labels(Map.of("app.kubernetes.io/component", "speaker")))
                .spec(new V1LeaseSpec().holderIdentity("n1").leaseDurationSeconds(6)
                        .acquireTime(acquired).renewTime(acquired))).execute();

        OffsetDateTime renewed = acquired.plusSeconds(2);
        created.getSpec().setRenewTime(renewed);
        V1Lease after = coordination.replaceNamespacedLease("herald-speaker-n1", namespace, created).execute();
        assertEquals(renewed.toInstant(), after.getSpec().getRenewTime().toInstant());
        assertEquals("n1", after.getSpec().getHolderIdentity());
        assertNotEquals(created.getMetadata().getResourceVersion(), after.getMetadata().getResourceVersion());

        // A writer holding the old version loses: two renewers can never both win.
        created.getSpec().setHolderIdentity("n2");
        ApiException conflict = assertThrows(ApiException.class,
                () -> coordination.replaceNamespacedLease("herald-speaker-n1", namespace, created).execute());
        assertEquals(409, conflict.getCode());
        assertEquals("n1", coordination.readNamespacedLease("herald-speaker-n1", namespace).execute()
                .getSpec().getHolderIdentity());
    }

    @Test
    void serviceAccountWithoutRbacIsRefusedUntilGranted(KubeCluster cluster, ApiClient admin) throws Exception {
        ApiClient nobody = cluster.clientAs(namespace, "nobody");
        ApiException refused = assertThrows(ApiException.class,
                () -> new CoreV1Api(nobody).listNamespacedService(namespace).execute());
        assertEquals(403, refused.getCode());
        assertTrue(refused.getResponseBody().contains("system:serviceaccount:" + namespace + ":nobody"),
                "the API server names the account: " + refused.getResponseBody());

        RbacAuthorizationV1Api rbac = new RbacAuthorizationV1Api(admin);
        rbac.createNamespacedRole(namespace, new V1Role().metadata(new V1ObjectMeta().name("read-services"))
                .rules(List.of(new V1PolicyRule().apiGroups(List.of("")).resources(List.of("services"))
                        .verbs(List.of("get", "list", "watch"))))).execute();
        rbac.createNamespacedRoleBinding(namespace, new V1RoleBinding().metadata(new V1ObjectMeta().name("read-services"))
                .roleRef(new V1RoleRef().apiGroup("rbac.authorization.k8s.io").kind("Role").name("read-services"))
                .subjects(List.of(new RbacV1Subject().kind("ServiceAccount").name("nobody").namespace(namespace)))).execute();

        // RBAC changes reach the authorizer's cache within moments.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        ApiException last = null;
        while (System.nanoTime() < deadline) {
            try {
                new CoreV1Api(nobody).listNamespacedService(namespace).execute();
                last = null;
                break;
            } catch (ApiException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        assertNull(last, "granted account can list services");
        ApiException stillRefused = assertThrows(ApiException.class,
                () -> new CoreV1Api(nobody).deleteNamespacedService("web", namespace).execute());
        assertEquals(403, stillRefused.getCode(), "but not delete them");
    }
}
