package io.herald.e2e.lab;

import io.herald.common.ip.Family;

/**
 * One simulated node: its network namespace and its {@code eth0} on the lab LAN. Node
 * {@code n<i>} has 198.18.0.(10+i), 2001:db8::(10+i) and MAC 02:00:00:00:00:(10+i), so
 * the three read alike in {@code ip neigh}.
 */
public record LabNode(String name, String netns, String ipv4, String ipv6, String mac) {
    /** The address of the given family, e.g. for the Node object's InternalIP. */
    public String address(Family family) {
        return family == Family.IPV6 ? ipv6 : ipv4;
    }
}
