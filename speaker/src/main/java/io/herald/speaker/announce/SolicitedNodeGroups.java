package io.herald.speaker.announce;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import java.io.IOException;
import java.math.BigInteger;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The solicited-node multicast groups of the IPv6 VIPs announced on one interface, joined so
 * that their Neighbor Solicitations reach us.
 *
 * <p>A host asking for a VIP sends its solicitation to the VIP's solicited-node group
 * (ff02::1:ffXX:XXXX, the VIP's last 24 bits; Ethernet 33:33:ff:XX:XX:XX). A NIC drops
 * multicast for groups nobody on the host joined, and an MLD-snooping switch does not even
 * forward it to our port. Joining the group, as the kernel does for the host's own
 * addresses and as MetalLB does for its VIPs, fixes both: the kernel programs the NIC's
 * filter and sends MLD reports. Promiscuous mode would fix only the first, and would
 * make the kernel look at every frame on the segment.
 *
 * <p>The kernel joins on behalf of a socket; this one is an unbound UDP socket that is
 * never read. The kernel itself ignores the solicitations (the VIP is not its address);
 * the capture, which sees frames before the kernel does, answers them. Joining needs IPv6
 * on the interface (a link-local address), as MetalLB's NDP responder does.
 */
final class SolicitedNodeGroups implements AutoCloseable {
    private static final BigInteger PREFIX = IpAddress.parse("ff02::1:ff00:0").value();
    private static final BigInteger LOW_24_BITS = BigInteger.valueOf(0xff_ffff);

    private final String interfaceName;
    private final Map<IpAddress, MembershipKey> joined = new HashMap<>();
    private DatagramChannel socket;

    SolicitedNodeGroups(String interfaceName) {
        this.interfaceName = interfaceName;
    }

    /** ff02::1:ffXX:XXXX for a VIP (RFC 4291 2.7.1). */
    static IpAddress groupOf(IpAddress vip) {
        if (vip.family() != Family.IPV6) {
            throw new IllegalArgumentException(vip + " is not IPv6; only IPv6 addresses have solicited-node groups");
        }
        return IpAddress.of(Family.IPV6, PREFIX.or(vip.value().and(LOW_24_BITS)));
    }

    /** Joins the groups of {@code vips} not joined yet and leaves the ones no VIP needs any more. */
    synchronized void update(Set<IpAddress> vips) throws IOException {
        Set<IpAddress> wanted = new TreeSet<>();
        for (IpAddress vip : vips) {
            wanted.add(groupOf(vip));
        }
        joined.entrySet().removeIf(entry -> {
            if (wanted.contains(entry.getKey())) {
                return false;
            }
            entry.getValue().drop();
            return true;
        });
        List<IpAddress> missing = new ArrayList<>();
        Exception cause = null;
        for (IpAddress group : wanted) {
            if (joined.containsKey(group)) {
                continue;
            }
            try {
                joined.put(group, socket().join(group.toInetAddress(), networkInterface()));
            } catch (IOException | RuntimeException e) {
                missing.add(group);
                cause = e;
            }
        }
        if (cause != null) {
            throw new IOException("interface " + interfaceName + " cannot receive Neighbor Solicitations sent to " + missing
                    + " (" + cause.getMessage() + "); IPv6 VIPs need IPv6 enabled on the interface"
                    + " (a link-local address: sysctl net.ipv6.conf." + interfaceName + ".disable_ipv6=0)", cause);
        }
    }

    /** The groups joined now. */
    synchronized Set<IpAddress> joined() {
        return Set.copyOf(joined.keySet());
    }

    @Override
    public synchronized void close() {
        joined.clear();
        if (socket != null) {
            try {
                socket.close(); // leaves every group
            } catch (IOException e) {
                // nothing to release
            }
            socket = null;
        }
    }

    private DatagramChannel socket() throws IOException {
        if (socket == null) {
            socket = DatagramChannel.open(StandardProtocolFamily.INET6);
        }
        return socket;
    }

    private NetworkInterface networkInterface() throws SocketException {
        NetworkInterface found = NetworkInterface.getByName(interfaceName);
        if (found == null) {
            // The JDK lists only interfaces with an address; without even a link-local one, IPv6 is off.
            throw new SocketException("it has no IPv6 link-local address");
        }
        return found;
    }
}
