package io.herald.common;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every annotation, label and name Herald reads or writes, in one place. */
public final class Annotations {
    private Annotations() {}

    /** Service: the pool to allocate from. */
    public static final String ADDRESS_POOL = "herald.io/address-pool";
    /** Service: comma-separated IPs to use, at most one per family. */
    public static final String LOAD_BALANCER_IPS = "herald.io/loadBalancerIPs";
    /** Service: Services with the same key may share an IP. */
    public static final String ALLOW_SHARED_IP = "herald.io/allow-shared-ip";
    /** Service, written by the controller: the pool the IPs came from. */
    public static final String ALLOCATED_POOL = "herald.io/allocated-pool";

    /** Speaker Lease, written by its speaker: where it listens for heartbeats, {@code IP:PORT}. */
    public static final String HEARTBEAT_ADDRESS = "herald.io/heartbeat";
    /** Speaker Lease, written by its speaker: the incarnation of the process holding it; older heartbeats are replays. */
    public static final String INCARNATION = "herald.io/incarnation";

    /** The class Herald handles by default in {@code spec.loadBalancerClass}. */
    public static final String DEFAULT_LOAD_BALANCER_CLASS = "herald.io/layer2";

    /** Node label: never announce from this node (a Kubernetes well-known label). */
    public static final String EXCLUDE_FROM_LOAD_BALANCERS = "node.kubernetes.io/exclude-from-external-load-balancers";

    /** The spellings MetalLB users already have on their Services; Herald's own wins. */
    private static final List<String> FOREIGN_PREFIXES = List.of("metallb.universe.tf/", "metallb.io/");

    /**
     * The value of a Herald Service annotation, also accepting MetalLB's spellings
     * ({@code metallb.universe.tf/address-pool}, {@code metallb.io/address-pool}).
     */
    public static Optional<String> read(Map<String, String> annotations, String heraldKey) {
        if (annotations == null) {
            return Optional.empty();
        }
        String value = annotations.get(heraldKey);
        if (value != null) {
            return Optional.of(value);
        }
        String suffix = heraldKey.substring(heraldKey.indexOf('/') + 1);
        for (String prefix : FOREIGN_PREFIXES) {
            value = annotations.get(prefix + suffix);
            if (value != null) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }
}
