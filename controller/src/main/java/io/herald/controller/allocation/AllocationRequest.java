package io.herald.controller.allocation;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What one Service asks of the allocator, in plain values: the reconciler fills it
 * from the Service's spec and annotations.
 *
 * @param sharing      {@code herald.io/allow-shared-ip}; without it the Service's addresses are its own
 * @param traffic      decides, with {@code sharing}, who may share an address
 * @param familyPolicy {@code spec.ipFamilyPolicy}
 * @param families     {@code spec.ipFamilies} in order, as the API server filled it; may be empty
 * @param requestedIps {@code spec.loadBalancerIP} or {@code herald.io/loadBalancerIPs}, parsed; the
 *                     allocator checks them (at most one per family, families the Service has, ...)
 * @param requestedPool {@code herald.io/address-pool}
 */
public record AllocationRequest(
        ServiceKey service,
        PortSet ports,
        Optional<SharingKey> sharing,
        TrafficPolicy traffic,
        FamilyPolicy familyPolicy,
        List<Family> families,
        List<IpAddress> requestedIps,
        Optional<String> requestedPool) {

    public AllocationRequest {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(ports, "ports");
        Objects.requireNonNull(sharing, "sharing");
        Objects.requireNonNull(traffic, "traffic");
        Objects.requireNonNull(familyPolicy, "familyPolicy");
        families = List.copyOf(families);
        requestedIps = List.copyOf(requestedIps);
        Objects.requireNonNull(requestedPool, "requestedPool");
    }

    /** A SingleStack, Cluster-policy Service that asks for nothing in particular. */
    public static AllocationRequest of(ServiceKey service, PortSet ports) {
        return new AllocationRequest(service, ports, Optional.empty(), TrafficPolicy.CLUSTER,
                FamilyPolicy.SINGLE_STACK, List.of(), List.of(), Optional.empty());
    }

    public AllocationRequest withPorts(PortSet newPorts) {
        return new AllocationRequest(service, newPorts, sharing, traffic, familyPolicy, families, requestedIps, requestedPool);
    }

    public AllocationRequest withSharing(Optional<SharingKey> key) {
        return new AllocationRequest(service, ports, key, traffic, familyPolicy, families, requestedIps, requestedPool);
    }

    public AllocationRequest withSharing(String key) {
        return withSharing(Optional.of(new SharingKey(key)));
    }

    public AllocationRequest withTraffic(TrafficPolicy policy) {
        return new AllocationRequest(service, ports, sharing, policy, familyPolicy, families, requestedIps, requestedPool);
    }

    public AllocationRequest withFamilies(FamilyPolicy policy, Family... ordered) {
        return new AllocationRequest(service, ports, sharing, traffic, policy, List.of(ordered), requestedIps, requestedPool);
    }

    public AllocationRequest withRequestedIps(IpAddress... ips) {
        return new AllocationRequest(service, ports, sharing, traffic, familyPolicy, families, List.of(ips), requestedPool);
    }

    public AllocationRequest withRequestedPool(Optional<String> pool) {
        return new AllocationRequest(service, ports, sharing, traffic, familyPolicy, families, requestedIps, pool);
    }

    public AllocationRequest withRequestedPool(String pool) {
        return withRequestedPool(Optional.of(pool));
    }

    /**
     * The families the Service gets addresses of, in its order. A listed family decides;
     * when {@code families} is empty: SingleStack takes the family of the requested IPs
     * if they have one, else IPv4; the dual-stack policies take IPv4 then IPv6.
     * PreferDualStack with one listed family stays single: the API server lists one only
     * in a single-stack cluster, where the other family's address would carry no traffic.
     * RequireDualStack always has both, the listed one first.
     */
    public List<Family> addressFamilies() {
        List<Family> listed = families.stream().distinct().toList();
        switch (familyPolicy) {
            case SINGLE_STACK -> {
                if (!listed.isEmpty()) {
                    return List.of(listed.get(0));
                }
                Set<Family> requested = EnumSet.noneOf(Family.class);
                requestedIps.forEach(ip -> requested.add(ip.family()));
                return requested.size() == 1 ? List.copyOf(requested) : List.of(Family.IPV4);
            }
            case PREFER_DUAL_STACK -> {
                return listed.isEmpty() ? List.of(Family.IPV4, Family.IPV6) : listed;
            }
            default -> {
                if (listed.isEmpty()) {
                    return List.of(Family.IPV4, Family.IPV6);
                }
                List<Family> both = new ArrayList<>(listed);
                if (both.size() == 1) {
                    both.add(both.get(0) == Family.IPV4 ? Family.IPV6 : Family.IPV4);
                }
                return List.copyOf(both);
            }
        }
    }

    /** How many of {@link #addressFamilies()}, from the first, the Service cannot do without. */
    int requiredFamilyCount() {
        return familyPolicy == FamilyPolicy.REQUIRE_DUAL_STACK ? 2 : 1;
    }

    /** Whether the Service asks for a particular pool or address, rather than any auto-assign pool. */
    boolean pinned() {
        return requestedPool.isPresent() || !requestedIps.isEmpty();
    }
}
