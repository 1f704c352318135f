package io.herald.controller.kube;

import io.herald.common.Annotations;
import io.herald.common.kube.HeraldServices;
import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.controller.allocation.AllocationRequest;
import io.herald.controller.allocation.FamilyPolicy;
import io.herald.controller.allocation.PortSet;
import io.herald.controller.allocation.Protocol;
import io.herald.controller.allocation.ServiceKey;
import io.herald.controller.allocation.SharingKey;
import io.herald.controller.allocation.TrafficPolicy;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Translates a V1Service into the allocator's plain request: the one place that knows both. */
public final class ServiceRequests {
    private final String loadBalancerClass;

    public ServiceRequests(String loadBalancerClass) {
        this.loadBalancerClass = loadBalancerClass;
    }

    /** A request, or the reason the Service's own settings make one impossible. */
    public record Parsed(Optional<AllocationRequest> request, Optional<String> problem) {
        static Parsed ok(AllocationRequest request) {
            return new Parsed(Optional.of(request), Optional.empty());
        }

        static Parsed problem(String problem) {
            return new Parsed(Optional.empty(), Optional.of(problem));
        }
    }

    /** Type LoadBalancer with no loadBalancerClass, or Herald's. */
    public boolean handles(V1Service service) {
        return HeraldServices.isHeralds(service, loadBalancerClass);
    }

    /** Why {@link #handles} is false, in words for an Event. */
    public String whyNotHandled(V1Service service) {
        V1ServiceSpec spec = service.getSpec();
        if (spec == null || !"LoadBalancer".equals(spec.getType())) {
            return "type is " + (spec == null ? "unset" : spec.getType()) + ", not LoadBalancer";
        }
        return "spec.loadBalancerClass is " + spec.getLoadBalancerClass() + "; this controller handles " + loadBalancerClass;
    }

    public Parsed parse(V1Service service) {
        V1ServiceSpec spec = service.getSpec();
        Map<String, String> annotations = Optional.ofNullable(service.getMetadata().getAnnotations()).orElse(Map.of());
        ServiceKey key = new ServiceKey(service.getMetadata().getNamespace(), service.getMetadata().getName());
        if (spec == null) {
            return Parsed.problem("the Service has no spec");
        }

        List<IpAddress> requested = new ArrayList<>();
        Optional<String> listed = Annotations.read(annotations, Annotations.LOAD_BALANCER_IPS);
        String legacy = spec.getLoadBalancerIP();
        if (listed.isPresent() && legacy != null && !legacy.isBlank()) {
            return Parsed.problem("both spec.loadBalancerIP and annotation " + Annotations.LOAD_BALANCER_IPS
                    + " are set; keep only the annotation");
        }
        String source = listed.isPresent() ? "annotation " + Annotations.LOAD_BALANCER_IPS : "spec.loadBalancerIP";
        for (String text : listed.orElse(legacy == null ? "" : legacy).split(",")) {
            if (text.isBlank()) {
                continue;
            }
            try {
                requested.add(IpAddress.parse(text));
            } catch (IllegalArgumentException e) {
                return Parsed.problem(source + ": " + e.getMessage());
            }
        }

        List<Family> families = new ArrayList<>();
        for (String name : Optional.ofNullable(spec.getIpFamilies()).orElse(List.of())) {
            families.add(Family.fromKubernetes(name));
        }
        FamilyPolicy policy = FamilyPolicy.fromKubernetes(Optional.ofNullable(spec.getIpFamilyPolicy()).orElse("SingleStack"));

        List<PortSet.Port> ports = new ArrayList<>();
        for (V1ServicePort port : Optional.ofNullable(spec.getPorts()).orElse(List.of())) {
            ports.add(new PortSet.Port(Protocol.valueOf(Optional.ofNullable(port.getProtocol()).orElse("TCP")), port.getPort()));
        }

        TrafficPolicy traffic = "Local".equals(spec.getExternalTrafficPolicy())
                ? TrafficPolicy.local(Optional.ofNullable(spec.getSelector()).orElse(Map.of()))
                : TrafficPolicy.CLUSTER;

        return Parsed.ok(new AllocationRequest(key, new PortSet(ports),
                Annotations.read(annotations, Annotations.ALLOW_SHARED_IP).filter(s -> !s.isBlank()).map(SharingKey::new),
                traffic, policy, families, requested,
                Annotations.read(annotations, Annotations.ADDRESS_POOL).filter(s -> !s.isBlank())));
    }
}
