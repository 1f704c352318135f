package io.herald.speaker.ownership;

import io.herald.common.ip.IpAddress;
import java.util.List;
import java.util.Objects;

/** Which node announces one VIP, or why none does. */
public sealed interface OwnerDecision {
    IpAddress vip();

    /** {@code namespace/name} of every Service on the VIP, sorted: they move together. */
    List<String> services();

    /** The VIP is announced by {@code node}. */
    record Owned(IpAddress vip, List<String> services, String node) implements OwnerDecision {
        public Owned {
            Objects.requireNonNull(vip, "vip");
            services = List.copyOf(services);
            Objects.requireNonNull(node, "node");
        }
    }

    /** No node announces the VIP; {@code message} says why in the user's words. */
    record Unowned(IpAddress vip, List<String> services, NoOwnerReason reason, String message) implements OwnerDecision {
        public Unowned {
            Objects.requireNonNull(vip, "vip");
            services = List.copyOf(services);
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
        }
    }
}
