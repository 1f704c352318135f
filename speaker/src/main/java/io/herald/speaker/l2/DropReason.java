package io.herald.speaker.l2;

/**
 * Why a responder did not answer a frame. Each reason's {@link #label()} is the value of
 * the {@code reason} label on the speaker's drop counter, so it is stable and says in a
 * user's words what happened.
 */
public enum DropReason {
    /** The frame ends before the headers it announces do, or before the length its IPv6 header claims. */
    TRUNCATED("truncated"),
    /**
     * The frame carries an 802.1Q or 802.1ad tag. A handle on the parent interface sees
     * other VLANs' traffic; answering there would put our MAC in the wrong segment. To serve
     * a VLAN, announce on its VLAN interface (eth0.100), where the kernel hands frames over untagged.
     */
    VLAN_TAGGED("vlan-tagged"),
    /** Handed to the ARP responder, but not ARP that resolves IPv4 over Ethernet. */
    NOT_ARP("not-arp"),
    /**
     * Handed to the NDP responder, but not an IPv6 packet whose first header is ICMPv6
     * (Neighbor Solicitations behind extension headers are not answered; the capture filter
     * does not pass them either).
     */
    NOT_ICMPV6("not-icmpv6"),
    /** ARP other than a request (replies, RARP), or ICMPv6 other than a Neighbor Solicitation. */
    NOT_A_REQUEST("not-a-request"),
    /** Another host announcing its own address (ARP sender IP = target IP): nothing was asked. */
    GRATUITOUS("gratuitous"),
    /**
     * Our own frame, seen again because the capture also sees what we send, or sent back to
     * us by a bridge or a loop (our MAC as the ARP sender or in the source link-layer option).
     */
    OWN_FRAME("own-frame"),
    /** Sent to another host's MAC; we only see it because the interface is promiscuous. */
    NOT_ADDRESSED_TO_US("not-addressed-to-us"),
    /**
     * The asker cannot be answered: its link-layer address is multicast, broadcast or zero,
     * or its IP address is one no host may send from (multicast, broadcast, loopback).
     */
    BAD_SENDER("bad-sender"),
    /**
     * Another host uses, as its own sender address, a VIP that this node announces: two
     * hosts claim the same IP. It may be the previous owner in its last seconds, or a host
     * configured with an address from the pool.
     */
    ADDRESS_CONFLICT("address-conflict"),
    /**
     * A request for a VIP this node announces, not answered because its view of who owns
     * what is older than the heartbeat timeout (or, without heartbeats, its Lease ran out
     * since the last renewal): the process was paused, or it is cut off. It answers again
     * once it has heard that it still owns the VIP.
     */
    STALE_VIEW("stale-view"),
    /** A well-formed request for an IP this node does not announce: the common case on a busy LAN. */
    NOT_OWNED("not-owned"),
    /** A Neighbor Solicitation with an IPv6 hop limit other than 255, so it may come from off-link (RFC 4861 7.1.1). */
    BAD_HOP_LIMIT("bad-hop-limit"),
    /** An ICMPv6 checksum that does not add up. */
    BAD_CHECKSUM("bad-checksum"),
    /** A Neighbor Solicitation with an ICMP code other than 0 (RFC 4861 7.1.1). */
    BAD_ICMP_CODE("bad-icmp-code"),
    /** A Neighbor Solicitation asking for a multicast address, which nobody may answer (RFC 4861 7.1.1). */
    MULTICAST_TARGET("multicast-target"),
    /**
     * Fields that contradict each other or the standard: wrong address lengths, an IP
     * version other than 6, an ICMP message shorter than its type needs, a zero-length or
     * overlong option, a duplicate address detection probe with a source link-layer
     * option or without a solicited-node destination.
     */
    MALFORMED("malformed");

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    /** The metric label value, such as "not-owned". */
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
