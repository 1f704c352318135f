package io.herald.speaker.peers;

import io.herald.common.ip.IpAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Objects;

/**
 * One heartbeat, as sent from one speaker to one peer.
 *
 * @param node           the sender's node name
 * @param incarnation    changes on every start of the sender and only grows; a peer that
 *                       restarts is a new member, and frames of an older incarnation are replays
 * @param sequence       grows by one with every round the sender sends (the same in the
 *                       frames of one round to every peer)
 * @param leaving        the sender is stopping: drop it at once instead of after the timeout
 * @param echoSequence   the addressee's last sequence the sender heard, 0 for none: the
 *                       addressee learns that it is heard, and the round trip
 * @param echoDelayMicros how long the sender held that sequence before sending this
 * @param hears          {@link #idOf ids} of the peers the sender hears now, so that loss in
 *                       one direction is seen the same way by every speaker
 * @param holds          the VIPs the sender announces now although the rendezvous hash over
 *                       every node would give them to another: it took them when their node
 *                       was lost, and keeps them while it is live and may serve them (see
 *                       {@code Ownership}); sorted, at most {@link #MAX_HOLDS}
 */
public record Heartbeat(String node, long incarnation, long sequence, boolean leaving, long echoSequence,
        long echoDelayMicros, List<Long> hears, List<IpAddress> holds) {
    /** The longest node name Kubernetes allows (a DNS subdomain). */
    public static final int MAX_NAME_BYTES = 253;
    /** More peers than this in one frame would not fit a 64 KiB datagram with room to spare. */
    public static final int MAX_HEARS = 4096;
    /**
     * Held VIPs one frame lists at most: 256 IPv6 addresses keep a frame near 4 KiB. A
     * speaker holding more lists the first 256 by address and gives the rest back.
     */
    public static final int MAX_HOLDS = 256;

    public Heartbeat {
        Objects.requireNonNull(node, "node");
        int nameBytes = node.getBytes(StandardCharsets.UTF_8).length;
        if (nameBytes == 0 || nameBytes > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("node name must be 1 to " + MAX_NAME_BYTES + " bytes: " + node);
        }
        if (echoDelayMicros < 0 || echoDelayMicros > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("echo delay out of range: " + echoDelayMicros);
        }
        hears = List.copyOf(hears);
        if (hears.size() > MAX_HEARS) {
            throw new IllegalArgumentException("at most " + MAX_HEARS + " peers in one heartbeat, not " + hears.size());
        }
        holds = List.copyOf(holds);
        if (holds.size() > MAX_HOLDS) {
            throw new IllegalArgumentException("at most " + MAX_HOLDS + " held VIPs in one heartbeat, not " + holds.size());
        }
    }

    /** A heartbeat that holds no VIP against the hash. */
    public Heartbeat(String node, long incarnation, long sequence, boolean leaving, long echoSequence,
            long echoDelayMicros, List<Long> hears) {
        this(node, incarnation, sequence, leaving, echoSequence, echoDelayMicros, hears, List.of());
    }

    /**
     * A peer's id in {@link #hears}: the first 8 bytes of SHA-256 of its node name, so a
     * frame stays small (8 bytes a peer) and names of any length fit; every speaker knows
     * the names from the Leases and maps them back.
     */
    public static long idOf(String node) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(node.getBytes(StandardCharsets.UTF_8));
            long id = 0;
            for (int i = 0; i < 8; i++) {
                id = (id << 8) | (digest[i] & 0xFF);
            }
            return id;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
