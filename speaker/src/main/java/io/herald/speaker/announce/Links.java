package io.herald.speaker.announce;

import io.herald.speaker.l2.InterfaceInfo;
import io.herald.speaker.l2.MacAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * This node's network interfaces, as the kernel shows them in {@code /sys/class/net}: which
 * to announce on when a pool names none, and the MAC and index of the ones it names.
 *
 * <p>Why /sys and not {@link java.net.NetworkInterface}: the JDK lists, on Linux, only
 * interfaces that have an IP address, and an interface set aside for VIPs may have none.
 * /sys also says what the JDK does not: whether the interface is a bridge or bond port.
 */
public final class Links {
    // include/uapi/linux/if.h
    private static final int IFF_UP = 0x1;
    private static final int IFF_BROADCAST = 0x2;
    private static final int IFF_LOOPBACK = 0x8;
    private static final int IFF_NOARP = 0x80;
    /** include/uapi/linux/if_arp.h: Ethernet, and every link that carries Ethernet frames (veth, bridge, bond, VLAN, macvlan). */
    private static final int ARPHRD_ETHER = 1;
    /** What Linux accepts as a name (net/core/dev.c dev_valid_name), so a name can never leave /sys/class/net. */
    private static final Pattern NAME = Pattern.compile("[^/\\s:]{1,15}");

    private final Path sysClassNet;

    Links(Path sysClassNet) {
        this.sysClassNet = sysClassNet;
    }

    /** The links of the network namespace this process runs in (the node's, with hostNetwork). */
    public static Links system() {
        return new Links(Path.of("/sys/class/net"));
    }

    /**
     * The interfaces to announce on when a pool names none, sorted by name: the ones
     * {@link #survey(ExcludedInterfaces)} finds fit.
     */
    public List<InterfaceInfo> announceable(ExcludedInterfaces excluded) {
        return survey(excluded).stream().filter(LinkVerdict::fit).map(LinkVerdict::info).toList();
    }

    /**
     * Every link of the node, sorted by name, with whether it is fit to announce on when a
     * pool names none and, if not, why: up, Ethernet, broadcast-capable, ARP on, not
     * loopback, with a unicast MAC, not a port of a bridge or bond (whose master carries the
     * node's address and is the one to announce on), and not matched by {@code excluded}
     * (the pod network's bridges and veths, container runtimes' bridges: MetalLB's list).
     */
    public List<LinkVerdict> survey(ExcludedInterfaces excluded) {
        List<LinkVerdict> found = new ArrayList<>();
        for (String name : names()) {
            found.add(verdict(name, excluded));
        }
        return List.copyOf(found);
    }

    private LinkVerdict verdict(String name, ExcludedInterfaces excluded) {
        try {
            int flags = Integer.decode(read(name, "flags"));
            int type = Integer.parseInt(read(name, "type"));
            Optional<String> master = master(name);
            Optional<MacAddress> mac = unicastMac(name);
            Optional<String> pattern = excluded.match(name);
            String why = (flags & IFF_LOOPBACK) != 0 ? "loopback"
                    : type != ARPHRD_ETHER || mac.isEmpty() ? "not Ethernet with its own MAC (link type " + type + ")"
                    : (flags & IFF_NOARP) != 0 ? "ARP is off on it (NOARP)"
                    : (flags & IFF_BROADCAST) == 0 ? "cannot broadcast"
                    : master.isPresent() ? "a port of " + master.get() + "; its master is the one to announce on"
                    : pattern.isPresent() ? "excluded by " + pattern.get() + " (--exclude-interfaces)"
                    : (flags & IFF_UP) == 0 ? "down"
                    : null;
            return why == null ? LinkVerdict.fit(new InterfaceInfo(name, mac.get(), Integer.parseInt(read(name, "ifindex"))))
                    : LinkVerdict.skipped(name, why);
        } catch (IOException | RuntimeException e) {
            return LinkVerdict.skipped(name, "could not be read from " + sysClassNet + ": " + e.getMessage());
        }
    }

    /**
     * The interface a pool names. Down is fine (the announcer retries until it is up); what
     * cannot work is refused with a message that says what to write instead.
     *
     * @throws IllegalArgumentException if there is no such interface, it is not Ethernet, or
     *         it is a bridge or bond port
     */
    public InterfaceInfo resolve(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("\"" + name + "\" is not an interface name; Linux names are 1 to 15 characters"
                    + " without '/', ':' or spaces, such as eth0");
        }
        if (!Files.isDirectory(sysClassNet.resolve(name))) {
            throw new IllegalArgumentException("there is no interface " + name + " on this node (it has " + String.join(", ", names())
                    + "); name one of those in the pool's interfaces, or leave the list out to announce on every suitable one");
        }
        try {
            Optional<String> master = master(name);
            if (master.isPresent()) {
                throw new IllegalArgumentException("interface " + name + " is a port of " + master.get() + ", which receives its traffic;"
                        + " announce on " + master.get() + " instead");
            }
            Optional<MacAddress> mac = unicastMac(name);
            if (Integer.parseInt(read(name, "type")) != ARPHRD_ETHER || mac.isEmpty()) {
                throw new IllegalArgumentException("interface " + name + " is not an Ethernet interface with its own MAC address"
                        + " (link type " + read(name, "type") + ", address \"" + read(name, "address")
                        + "\"); Herald answers ARP and NDP on Ethernet links only");
            }
            return new InterfaceInfo(name, mac.get(), Integer.parseInt(read(name, "ifindex")));
        } catch (IOException e) {
            throw new IllegalArgumentException("interface " + name + " could not be read from " + sysClassNet + ": " + e.getMessage(), e);
        }
    }

    /** {@link #resolve(String)} for each name, in order; the first problem stops it. */
    public List<InterfaceInfo> resolve(Collection<String> names) {
        return names.stream().map(this::resolve).toList();
    }

    private List<String> names() {
        try (Stream<Path> links = Files.list(sysClassNet)) {
            return links.map(link -> link.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list network interfaces in " + sysClassNet, e);
        }
    }

    private Optional<String> master(String name) throws IOException {
        Path master = sysClassNet.resolve(name).resolve("master");
        if (!Files.exists(master, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        return Optional.of(Files.isSymbolicLink(master) ? Files.readSymbolicLink(master).getFileName().toString() : "another interface");
    }

    private Optional<MacAddress> unicastMac(String name) throws IOException {
        try {
            MacAddress mac = MacAddress.parse(read(name, "address"));
            return mac.isUnicast() ? Optional.of(mac) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // not 6 bytes: InfiniBand, tunnels
        }
    }

    private String read(String name, String attribute) throws IOException {
        return Files.readString(sysClassNet.resolve(name).resolve(attribute), StandardCharsets.US_ASCII).trim();
    }
}
