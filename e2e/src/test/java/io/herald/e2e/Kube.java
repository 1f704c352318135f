package io.herald.e2e;

import io.herald.common.kube.HeraldServices;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;


/** Small, readable steps against the real API server, as a user would take them with kubectl. */
public final class Kube {
    private Kube() {}

    public static void namespace(ApiClient admin, String name) throws ApiException {
        try {
            new CoreV1Api(admin).createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(name))).execute();
        } catch (ApiException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    /** Creates or replaces ConfigMap herald-config with the given {@code config} key. */
    public static void applyConfig(ApiClient admin, String namespace, String config) throws ApiException {
        CoreV1Api core = new CoreV1Api(admin);
        V1ConfigMap map = new V1ConfigMap().metadata(new V1ObjectMeta().name("herald-config").namespace(namespace))
                .data(Map.of("config", config));
        try {
            core.createNamespacedConfigMap(namespace, map).execute();
        } catch (ApiException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            core.replaceNamespacedConfigMap("herald-config", namespace, map).execute();
        }
    }

    public static V1Service loadBalancer(String namespace, String name, int... ports) {
        List<V1ServicePort> list = new ArrayList<>();
        for (int port : ports.length == 0 ? new int[] {80} : ports) {
            list.add(new V1ServicePort().name("p" + port).protocol("TCP").port(port));
        }
        return new V1Service()
                .metadata(new V1ObjectMeta().name(name).namespace(namespace).annotations(new TreeMap<>()))
                // Node ports are not Herald's business, and there are only 2,768 of them.
                .spec(new V1ServiceSpec().type("LoadBalancer").allocateLoadBalancerNodePorts(false)
                        .selector(Map.of("app", name)).ports(list));
    }

    public static V1Service create(ApiClient admin, V1Service service) throws ApiException {
        return new CoreV1Api(admin).createNamespacedService(service.getMetadata().getNamespace(), service).execute();
    }

    public static V1Service read(ApiClient admin, String namespace, String name) throws ApiException {
        return new CoreV1Api(admin).readNamespacedService(name, namespace).execute();
    }

    public static void delete(ApiClient admin, String namespace, String name) throws ApiException {
        new CoreV1Api(admin).deleteNamespacedService(name, namespace).execute();
    }

    public static List<String> ingress(V1Service service) {
        return HeraldServices.ingressIps(service);
    }

    /** "namespace/name" → ingress IPs, for every Service of type LoadBalancer in the cluster. */
    public static Map<String, List<String>> ingressByService(ApiClient admin) throws ApiException {
        Map<String, List<String>> out = new TreeMap<>();
        for (V1Service service : new CoreV1Api(admin).listServiceForAllNamespaces().execute().getItems()) {
            if ("LoadBalancer".equals(service.getSpec().getType())) {
                out.put(service.getMetadata().getNamespace() + "/" + service.getMetadata().getName(), ingress(service));
            }
        }
        return out;
    }

    /** Messages of Events with this reason on the named object. */
    public static List<String> events(ApiClient admin, String namespace, String object, String reason) throws ApiException {
        List<String> out = new ArrayList<>();
        for (CoreV1Event event : new CoreV1Api(admin).listNamespacedEvent(namespace).execute().getItems()) {
            if (object.equals(event.getInvolvedObject().getName()) && reason.equals(event.getReason())) {
                out.add(event.getMessage());
            }
        }
        return out;
    }

    public interface Check<T> {
        T get() throws Exception;
    }

    /** Polls until {@code check} returns a non-null, non-false, non-empty value. */
    public static <T> T await(String what, Duration patience, Check<T> check) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = check.get();
            if (last != null && !Boolean.FALSE.equals(last) && !(last instanceof java.util.Collection<?> c && c.isEmpty())) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("gave up after " + patience.toSeconds() + " s waiting for " + what + "; last: " + last);
    }

}
