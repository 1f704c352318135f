package io.herald.speaker.ownership;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which speakers are alive, as one observer sees the node Leases: an immutable value
 * that the Lease informer replaces on every event, so readers never see it half-updated.
 *
 * <p>Liveness is judged only by the observer's monotonic clock and by changes it saw.
 * A Lease seen for the first time counts as renewed at that moment: a restarted speaker
 * then keeps existing owners for one Lease duration instead of grabbing their VIPs,
 * which is the safe way to err.
 */
public record Membership(Map<String, NodeLease> leases) {
    public static final Membership EMPTY = new Membership(Map.of());

    public Membership {
        leases = Map.copyOf(leases);
        leases.forEach((node, lease) -> {
            if (!node.equals(lease.node())) {
                throw new IllegalArgumentException("Lease of node " + lease.node() + " filed under " + node);
            }
        });
    }

    /**
     * The membership after seeing node's Lease (added or updated) at {@code nowNanos}.
     *
     * @param renewMarker   compared for equality only; a change means the holder renewed
     * @param durationNanos {@code leaseDurationSeconds} in nanoseconds
     */
    public Membership observe(String node, String renewMarker, long durationNanos, long nowNanos) {
        Objects.requireNonNull(node, "node");
        NodeLease known = leases.get(node);
        NodeLease seen = known == null
                ? new NodeLease(node, renewMarker, durationNanos, nowNanos)
                : known.seenAgain(renewMarker, durationNanos, nowNanos);
        Map<String, NodeLease> next = new HashMap<>(leases);
        next.put(node, seen);
        return new Membership(next);
    }

    /**
     * The membership after node's Lease was deleted: a speaker deletes its Lease when it
     * stops gracefully, and its VIPs should move at once rather than after the duration.
     */
    public Membership deleted(String node) {
        if (!leases.containsKey(node)) {
            return this;
        }
        Map<String, NodeLease> next = new HashMap<>(leases);
        next.remove(node);
        return new Membership(next);
    }

    public boolean isLive(String node, long nowNanos) {
        NodeLease lease = leases.get(node);
        return lease != null && lease.isLive(nowNanos);
    }

    /** The nodes whose Lease is live at {@code nowNanos}, sorted by name. */
    public Set<String> liveAt(long nowNanos) {
        Set<String> live = new TreeSet<>();
        for (NodeLease lease : leases.values()) {
            if (lease.isLive(nowNanos)) {
                live.add(lease.node());
            }
        }
        return live;
    }

    /**
     * The nodes whose Lease was seen renewed less than half its duration ago: with renewals
     * at a third of the duration, a speaker that is alive and reaches the API server is
     * always among them; one that died leaves within half a duration.
     */
    public Set<String> renewingAt(long nowNanos) {
        Set<String> renewing = new TreeSet<>();
        for (NodeLease lease : leases.values()) {
            if (nowNanos - lease.renewedAtNanos() < lease.durationNanos() / 2) {
                renewing.add(lease.node());
            }
        }
        return renewing;
    }

    public Optional<NodeLease> lease(String node) {
        return Optional.ofNullable(leases.get(node));
    }

    /**
     * Nanoseconds until the next live Lease expires, or empty when none is live. An
     * expiry produces no API event, so whoever recomputes ownership must wake up then.
     */
    public OptionalLong nanosUntilNextExpiry(long nowNanos) {
        OptionalLong soonest = OptionalLong.empty();
        for (NodeLease lease : leases.values()) {
            if (lease.isLive(nowNanos)) {
                long left = lease.nanosUntilExpiry(nowNanos);
                if (soonest.isEmpty() || left < soonest.getAsLong()) {
                    soonest = OptionalLong.of(left);
                }
            }
        }
        return soonest;
    }
}
