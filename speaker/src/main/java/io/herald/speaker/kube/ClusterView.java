package io.herald.speaker.kube;

import io.herald.common.ip.IpAddress;
import io.herald.common.kube.HeraldServices;
import io.herald.speaker.ownership.LoadBalancerService;
import io.herald.speaker.ownership.NodeInfo;
import io.kubernetes.client.informer.cache.Indexer;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1Service;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Turns the informer caches into the plain values ownership decides on: Nodes, and
 * Herald's LoadBalancer Services with their VIPs and where their ready endpoints run.
 */
public final class ClusterView {
    private static final Logger log = LogManager.getLogger(ClusterView.class);
    /** The label the EndpointSlice controller puts on every slice of a Service. */
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final Indexer<V1Node> nodes;
    private final Indexer<V1Service> services;
    private final Indexer<V1EndpointSlice> slices;
    private final String loadBalancerClass;
    private final Set<String> badStatusLogged = new HashSet<>();

    public ClusterView(Indexer<V1Node> nodes, Indexer<V1Service> services, Indexer<V1EndpointSlice> slices,
            String loadBalancerClass) {
        this.nodes = nodes;
        this.services = services;
        this.slices = slices;
        this.loadBalancerClass = loadBalancerClass;
    }

    public List<NodeInfo> nodes() {
        List<NodeInfo> out = new ArrayList<>();
        for (V1Node node : nodes.list()) {
            out.add(info(node));
        }
        return out;
    }

    /** What ownership reads of a Node: its name, labels and whether it is NotReady. */
    public static NodeInfo info(V1Node node) {
        return new NodeInfo(node.getMetadata().getName(), node.getMetadata().getLabels(), notReady(node));
    }

    /**
     * Whether an update of a Node can change any owner: a kubelet's status report, a new
     * annotation or a changed condition other than Ready cannot, so it decides nothing.
     */
    public static boolean changesOwnership(V1Node before, V1Node after) {
        return !info(before).equals(info(after));
    }

    /** Ready condition explicitly False or Unknown; a Node without conditions yet is not NotReady. */
    static boolean notReady(V1Node node) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return false;
        }
        for (V1NodeCondition condition : node.getStatus().getConditions()) {
            if ("Ready".equals(condition.getType())) {
                return !"True".equals(condition.getStatus());
            }
        }
        return false;
    }

    /** Herald's Services that have VIPs in their status, with where their traffic reaches a ready endpoint. */
    public List<LoadBalancerService> services() {
        Map<String, Endpoints> endpoints = endpointsByService();
        List<LoadBalancerService> out = new ArrayList<>();
        for (V1Service service : services.list()) {
            if (!HeraldServices.isHeralds(service, loadBalancerClass)) {
                continue;
            }
            String key = service.getMetadata().getNamespace() + "/" + service.getMetadata().getName();
            Set<IpAddress> vips = vips(key, HeraldServices.ingressIps(service));
            if (vips.isEmpty()) {
                continue;
            }
            Endpoints ready = endpoints.getOrDefault(key, Endpoints.NONE);
            if ("Local".equals(service.getSpec().getExternalTrafficPolicy())) {
                out.add(new LoadBalancerService.Local(key, vips, ready.nodes()));
            } else {
                out.add(new LoadBalancerService.Cluster(key, vips, ready.any()));
            }
        }
        return out;
    }

    private Set<IpAddress> vips(String service, List<String> ips) {
        Set<IpAddress> vips = new LinkedHashSet<>();
        for (String ip : ips) {
            try {
                vips.add(IpAddress.parse(ip));
            } catch (IllegalArgumentException e) {
                if (badStatusLogged.add(service + " " + ip)) {
                    log.warn("{}: status.loadBalancer.ingress holds {}, which is not an IP address; not announced", service, ip);
                }
            }
        }
        return vips;
    }

    private record Endpoints(boolean any, Set<String> nodes) {
        static final Endpoints NONE = new Endpoints(false, Set.of());
    }

    private Map<String, Endpoints> endpointsByService() {
        Map<String, Boolean> any = new HashMap<>();
        Map<String, Set<String>> nodesOf = new HashMap<>();
        for (V1EndpointSlice slice : slices.list()) {
            String service = Optional.ofNullable(slice.getMetadata().getLabels()).map(l -> l.get(SERVICE_NAME_LABEL)).orElse(null);
            if (service == null || slice.getEndpoints() == null) {
                continue;
            }
            String key = slice.getMetadata().getNamespace() + "/" + service;
            for (V1Endpoint endpoint : slice.getEndpoints()) {
                // The API: a nil "ready" means ready.
                boolean ready = endpoint.getConditions() == null || endpoint.getConditions().getReady() == null
                        || endpoint.getConditions().getReady();
                if (!ready) {
                    continue;
                }
                any.put(key, true);
                if (endpoint.getNodeName() != null) {
                    nodesOf.computeIfAbsent(key, k -> new HashSet<>()).add(endpoint.getNodeName());
                }
            }
        }
        Map<String, Endpoints> out = new HashMap<>();
        any.forEach((key, yes) -> out.put(key, new Endpoints(yes, nodesOf.getOrDefault(key, Set.of()))));
        return out;
    }

    /** Whether ownership reads this Service: one of Herald's (type LoadBalancer, Herald's class or none). */
    public boolean concernsOwnership(V1Service service) {
        return HeraldServices.isHeralds(service, loadBalancerClass);
    }

    /**
     * Whether ownership reads this EndpointSlice: one of a Service of Herald's. The slices of
     * every other Service in the cluster (kube-dns, each app's ClusterIP) decide nothing; a
     * Service that becomes Herald's is decided on its own update, with all its slices.
     */
    public boolean concernsOwnership(V1EndpointSlice slice) {
        String service = Optional.ofNullable(slice.getMetadata().getLabels()).map(l -> l.get(SERVICE_NAME_LABEL)).orElse(null);
        return service != null && service(slice.getMetadata().getNamespace() + "/" + service).map(this::concernsOwnership)
                .orElse(false);
    }

    /** The Service objects for a {@code namespace/name}, for Events. */
    public Optional<V1Service> service(String key) {
        return Optional.ofNullable(services.getByKey(key));
    }
}
