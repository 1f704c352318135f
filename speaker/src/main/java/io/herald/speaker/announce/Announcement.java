package io.herald.speaker.announce;

import io.herald.common.ip.IpAddress;
import java.util.Objects;

/**
 * One VIP to answer for on one interface. The same VIP on two interfaces is two
 * announcements; each gets its own takeover burst.
 *
 * @param vip           the address to answer ARP (IPv4) or Neighbor Solicitations (IPv6) for
 * @param interfaceName the kernel's name of the interface, such as "eth0"
 */
public record Announcement(IpAddress vip, String interfaceName) {
    public Announcement {
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(interfaceName, "interfaceName");
        if (interfaceName.isBlank()) {
            throw new IllegalArgumentException("an announcement of " + vip + " needs an interface name");
        }
    }

    @Override
    public String toString() {
        return vip + " on " + interfaceName;
    }
}
