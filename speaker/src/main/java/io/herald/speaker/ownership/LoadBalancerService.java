package io.herald.speaker.ownership;

import io.herald.common.ip.IpAddress;
import java.util.Objects;
import java.util.Set;

/**
 * A {@code type: LoadBalancer} Service with the VIPs it was given, seen from the nodes:
 * from which of them its traffic reaches a ready endpoint. Each traffic policy carries
 * exactly what that policy needs, so no combination of fields can contradict another.
 */
public sealed interface LoadBalancerService {
    /** {@code namespace/name}, for reasons and logs. */
    String name();

    /** The Service's IPs from {@code status.loadBalancer.ingress}; several Services may share one. */
    Set<IpAddress> vips();

    /** Whether the Service has a ready endpoint anywhere in the cluster. */
    boolean hasReadyEndpoint();

    /** Whether traffic for this Service that arrives at the node reaches a ready endpoint. */
    boolean reachableVia(String node);

    /**
     * {@code externalTrafficPolicy: Cluster}: kube-proxy forwards from any node, so any
     * node serves it as long as a ready endpoint exists somewhere. Endpoints are counted
     * whether or not they name a node (a selector-less Service's hand-written ones may not).
     */
    record Cluster(String name, Set<IpAddress> vips, boolean hasReadyEndpoint) implements LoadBalancerService {
        public Cluster {
            Objects.requireNonNull(name, "name");
            vips = Set.copyOf(vips);
        }

        @Override
        public boolean reachableVia(String node) {
            return hasReadyEndpoint;
        }
    }

    /**
     * {@code externalTrafficPolicy: Local}: kube-proxy drops traffic on a node without a
     * ready endpoint of the Service, so only those nodes serve it.
     *
     * @param nodesWithReadyEndpoints {@code nodeName} of every ready endpoint in the Service's EndpointSlices
     */
    record Local(String name, Set<IpAddress> vips, Set<String> nodesWithReadyEndpoints) implements LoadBalancerService {
        public Local {
            Objects.requireNonNull(name, "name");
            vips = Set.copyOf(vips);
            nodesWithReadyEndpoints = Set.copyOf(nodesWithReadyEndpoints);
        }

        @Override
        public boolean hasReadyEndpoint() {
            return !nodesWithReadyEndpoints.isEmpty();
        }

        @Override
        public boolean reachableVia(String node) {
            return nodesWithReadyEndpoints.contains(node);
        }
    }
}
