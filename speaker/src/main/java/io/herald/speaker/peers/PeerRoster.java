package io.herald.speaker.peers;

import io.herald.common.Annotations;
import io.herald.common.serve.ListenAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The members and where they hear heartbeats, from the speaker Leases' annotations, kept
 * one Lease at a time: a renewal that changes neither costs a map lookup, and only a
 * new member, a restart, a changed address or a leave hands {@link PeerLiveness} a new roster.
 */
public final class PeerRoster {
    private static final Logger log = LogManager.getLogger(PeerRoster.class);

    private final PeerLiveness liveness;
    private final Map<String, Long> incarnations = new HashMap<>();
    private final Map<String, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    /** The two annotations as last written on each member's Lease. */
    private final Map<String, java.util.List<String>> written = new HashMap<>();

    public PeerRoster(PeerLiveness liveness) {
        this.liveness = Objects.requireNonNull(liveness, "liveness");
    }

    /** The speaker Lease of {@code node} was added or updated, with these annotations (null for none). */
    public synchronized void seen(String node, Map<String, String> annotations) {
        Map<String, String> notes = annotations == null ? Map.of() : annotations;
        java.util.List<String> said = java.util.Arrays.asList(notes.get(Annotations.INCARNATION),
                notes.get(Annotations.HEARTBEAT_ADDRESS));
        if (said.equals(written.put(node, said))) {
            return; // a renewal: nothing this roster reads changed
        }
        long incarnation = incarnation(node, notes.get(Annotations.INCARNATION));
        Optional<InetSocketAddress> address = address(node, notes.get(Annotations.HEARTBEAT_ADDRESS));
        incarnations.put(node, incarnation);
        if (address.isPresent()) {
            addresses.put(node, address.get());
        } else {
            addresses.remove(node);
        }
        liveness.roster(Map.copyOf(incarnations), Set.copyOf(addresses.keySet()));
    }

    /** The speaker Lease of {@code node} was deleted: it left. */
    public synchronized void deleted(String node) {
        written.remove(node);
        addresses.remove(node);
        if (incarnations.remove(node) != null) {
            liveness.roster(Map.copyOf(incarnations), Set.copyOf(addresses.keySet()));
        }
    }

    /** Where {@code node} hears heartbeats; empty when its Lease does not say (an older speaker, heartbeats off). */
    public Optional<InetSocketAddress> address(String node) {
        return Optional.ofNullable(addresses.get(node));
    }

    private static long incarnation(String node, String text) {
        if (text == null) {
            return 0;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            log.warn("Lease of node {}: {}: \"{}\" is not a number; its heartbeats are believed from any incarnation",
                    node, Annotations.INCARNATION, text);
            return 0;
        }
    }

    private static Optional<InetSocketAddress> address(String node, String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ListenAddress.parseIp("Lease of node " + node + ": " + Annotations.HEARTBEAT_ADDRESS, text));
        } catch (IllegalArgumentException e) {
            log.warn("{}; that node is judged by its Lease alone", e.getMessage());
            return Optional.empty();
        }
    }
}
