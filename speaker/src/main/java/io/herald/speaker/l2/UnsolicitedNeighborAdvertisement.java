package io.herald.speaker.l2;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import java.util.Objects;

/**
 * The Neighbor Advertisement a node multicasts when it takes an IPv6 VIP over (RFC 4861
 * 7.2.6), so neighbours that cached the previous owner's MAC switch to ours at once.
 */
public final class UnsolicitedNeighborAdvertisement {
    private UnsolicitedNeighborAdvertisement() {
    }

    /**
     * An advertisement that {@code vip} is at {@code mac}: to all nodes (ff02::1, Ethernet
     * 33:33:00:00:00:01), from the VIP, hop limit 255, Override set so caches replace the
     * old MAC, Solicited clear as nobody asked, and the Target Link-Layer Address option.
     *
     * @throws IllegalArgumentException if {@code vip} is not a unicast IPv6 address or {@code mac} is not unicast
     */
    public static byte[] frame(IpAddress vip, MacAddress mac) {
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(mac, "mac");
        if (vip.family() != Family.IPV6) {
            throw new IllegalArgumentException("Neighbor Advertisements are for IPv6; announce " + vip + " with gratuitous ARP");
        }
        if (Icmpv6.isMulticast(vip) || vip.equals(Icmpv6.UNSPECIFIED)) {
            throw new IllegalArgumentException(vip + " is not a unicast address; only those can be announced");
        }
        if (!mac.isUnicast()) {
            throw new IllegalArgumentException(mac + " is not a unicast MAC address; announce a VIP at an interface's own address");
        }
        return NeighborAdvertisement.frame(MacAddress.IPV6_ALL_NODES, mac, vip, Icmpv6.ALL_NODES, NeighborAdvertisement.OVERRIDE);
    }
}
