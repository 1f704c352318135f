package io.herald.speaker.l2;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import java.util.Objects;

/**
 * The broadcast ARP announcement a node sends when it takes a VIP over, so that hosts which
 * cached the previous owner's MAC switch to ours without waiting for their entry to expire.
 */
public final class GratuitousArp {
    private GratuitousArp() {
    }

    /**
     * A gratuitous ARP for {@code vip} at {@code mac}: the request form, as {@code arping -U}
     * sends it, broadcast, sender and target IP both the VIP.
     *
     * <p>Why a request and not the reply form of {@code arping -A}: every receiver runs
     * RFC 826's merge step (update the sender's entry if one exists) before it looks at the
     * opcode, and Linux counts a request whose sender IP equals its target IP as gratuitous
     * and lets it override an existing entry; the reply form counts only on newer kernels and
     * only when the target MAC repeats the sender's. RFC 5227 section 3 chose requests for its
     * announcements for the same reason, and Linux announces its own addresses this way.
     * The target MAC is zero, as in the kernel's and RFC 5227's announcements ({@code arping -U}
     * puts the broadcast address there); receivers ignore it in a request.
     *
     * @throws IllegalArgumentException if {@code vip} is not IPv4 or {@code mac} is not unicast
     */
    public static byte[] frame(IpAddress vip, MacAddress mac) {
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(mac, "mac");
        if (vip.family() != Family.IPV4) {
            throw new IllegalArgumentException("gratuitous ARP is for IPv4; announce " + vip + " with an unsolicited Neighbor Advertisement");
        }
        if (!mac.isUnicast()) {
            throw new IllegalArgumentException(mac + " is not a unicast MAC address; announce a VIP at an interface's own address");
        }
        return new ArpPacket(ArpPacket.REQUEST, mac, vip, MacAddress.ZERO, vip).frame(MacAddress.BROADCAST, mac);
    }
}
