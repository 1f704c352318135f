package io.herald.speaker.ownership;

import io.herald.common.ip.IpAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Who keeps which VIP against the hash, as the heartbeats say: the input that stops a VIP
 * from moving back to a node that returns. A node is in {@code byNode} when it follows the
 * holding rule and every other speaker knows it does: it is heard on the heartbeats and
 * hears them ({@code PeerLiveness.Basis.HEARD}); this node is in it on the same terms.
 * A speaker without heartbeats, or one that nobody hears, takes VIPs by the hash alone, and
 * so the others let it.
 *
 * @param byNode node name to the VIPs it announces although the hash over every node gives
 *               them to another; an empty set for a node that follows the rule and holds none
 */
public record Holdings(Map<String, Set<IpAddress>> byNode) {
    /** Nobody follows the rule: the hash alone decides (a speaker without heartbeats). */
    public static final Holdings NONE = new Holdings(Map.of());

    public Holdings {
        Map<String, Set<IpAddress>> copy = new HashMap<>();
        byNode.forEach((node, vips) -> copy.put(node, Set.copyOf(vips)));
        byNode = Map.copyOf(copy);
    }

    /** Whether {@code node} keeps VIPs it holds and leaves the others' alone. */
    public boolean follows(String node) {
        return byNode.containsKey(node);
    }

    /** Whether {@code node} says it holds {@code vip}. */
    public boolean holds(String node, IpAddress vip) {
        Set<IpAddress> held = byNode.get(node);
        return held != null && held.contains(vip);
    }
}
