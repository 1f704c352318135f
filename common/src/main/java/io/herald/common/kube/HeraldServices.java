package io.herald.common.kube;

import io.kubernetes.client.openapi.models.V1LoadBalancerIngress;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import java.util.List;
import java.util.Objects;

/** Which Services are Herald's, the same for the controller and the speakers. */
public final class HeraldServices {
    private HeraldServices() {}

    /** {@code type: LoadBalancer} with no {@code spec.loadBalancerClass}, or {@code loadBalancerClass}. */
    public static boolean isHeralds(V1Service service, String loadBalancerClass) {
        V1ServiceSpec spec = service.getSpec();
        return spec != null && "LoadBalancer".equals(spec.getType())
                && (spec.getLoadBalancerClass() == null || spec.getLoadBalancerClass().equals(loadBalancerClass));
    }

    /** The IPs in {@code status.loadBalancer.ingress}, in order; empty when there are none. */
    public static List<String> ingressIps(V1Service service) {
        if (service.getStatus() == null || service.getStatus().getLoadBalancer() == null
                || service.getStatus().getLoadBalancer().getIngress() == null) {
            return List.of();
        }
        return service.getStatus().getLoadBalancer().getIngress().stream()
                .map(V1LoadBalancerIngress::getIp).filter(Objects::nonNull).toList();
    }
}
