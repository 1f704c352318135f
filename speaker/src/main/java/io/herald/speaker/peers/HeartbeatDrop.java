package io.herald.speaker.peers;

/**
 * Why a received heartbeat was not believed. Each {@link #label()} is the {@code reason}
 * label of {@code herald_speaker_heartbeats_dropped_total}. A dropped heartbeat changes
 * nothing: no peer becomes live or dead because of it.
 */
public enum HeartbeatDrop {
    /** Too short, a wrong magic or version, or lengths that do not add up. */
    MALFORMED("malformed"),
    /** The HMAC does not match: another key (another cluster on the LAN, a rotated Secret) or a forgery. */
    BAD_MAC("bad-mac"),
    /** Signed with our key but from a node that has no speaker Lease here. */
    UNKNOWN_NODE("unknown-node"),
    /** A sequence number this node already heard from that incarnation: a replay, or a duplicate. */
    REPLAYED("replayed"),
    /** An incarnation older than the sender's current one: a replay from before its last restart. */
    OLD_INCARNATION("old-incarnation"),
    /** Our own node name: a loop on the LAN, or two speakers configured with one --node-name. */
    OWN_NODE("own-node");

    private final String label;

    HeartbeatDrop(String label) {
        this.label = label;
    }

    /** The metric label value, such as "bad-mac". */
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
