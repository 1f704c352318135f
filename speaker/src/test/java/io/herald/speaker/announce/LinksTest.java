package io.herald.speaker.announce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.speaker.l2.InterfaceInfo;
import io.herald.speaker.l2.MacAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which links a speaker announces on, from a /sys/class/net laid out as a typical node's. */
class LinksTest {
    @TempDir
    Path sys;
    Links links;

    @BeforeEach
    void node() throws IOException {
        link("lo", "0x9", 772, "00:00:00:00:00:00", 1);
        link("eth0", "0x1003", 1, "52:54:00:12:34:56", 2);
        link("eth1", "0x1003", 1, "52:54:00:12:34:57", 3);
        link("br0", "0x1003", 1, "52:54:00:12:34:57", 4);
        Files.createSymbolicLink(sys.resolve("eth1/master"), Path.of("../br0"));
        link("eth2", "0x1002", 1, "52:54:00:12:34:58", 5); // down
        link("kube-ipvs0", "0xc3", 1, "6a:1c:8e:00:00:01", 6); // up, NOARP: kube-proxy's dummy
        link("wg0", "0x91", 65534, "", 7); // point-to-point tunnel, no MAC
        link("ib0", "0x1003", 32, "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:b1:c3", 8);
        link("vip0", "0x1003", 1, "02:00:00:00:00:00", 9); // no address: found here though the JDK would not list it
        link("cni0", "0x1003", 1, "52:54:00:12:34:60", 10); // the pod network's bridge
        link("veth1a2b3c4d", "0x1003", 1, "52:54:00:12:34:61", 11); // a pod's end on the node
        links = new Links(sys);
    }

    private void link(String name, String flags, int type, String address, int index) throws IOException {
        Path dir = Files.createDirectories(sys.resolve(name));
        Files.writeString(dir.resolve("flags"), flags + "\n");
        Files.writeString(dir.resolve("type"), type + "\n");
        Files.writeString(dir.resolve("address"), address + "\n");
        Files.writeString(dir.resolve("ifindex"), index + "\n");
    }

    @Test
    void announcesOnUpEthernetLinksThatAreNotPortsOfABridge() {
        assertEquals(List.of(
                new InterfaceInfo("br0", MacAddress.parse("52:54:00:12:34:57"), 4),
                new InterfaceInfo("eth0", MacAddress.parse("52:54:00:12:34:56"), 2),
                new InterfaceInfo("vip0", MacAddress.parse("02:00:00:00:00:00"), 9)),
                links.announceable(ExcludedInterfaces.of(ExcludedInterfaces.DEFAULT)));
    }

    @Test
    void saysWhyEachOtherLinkIsSkipped() {
        Map<String, String> skipped = links.survey(ExcludedInterfaces.of(ExcludedInterfaces.DEFAULT)).stream()
                .filter(link -> !link.fit()).collect(Collectors.toMap(LinkVerdict::name, LinkVerdict::skipped));
        assertEquals(Map.of(
                "lo", "loopback",
                "eth1", "a port of br0; its master is the one to announce on",
                "eth2", "down",
                "kube-ipvs0", "ARP is off on it (NOARP)",
                "wg0", "not Ethernet with its own MAC (link type 65534)",
                "ib0", "not Ethernet with its own MAC (link type 32)",
                "cni0", "excluded by ^cni.* (--exclude-interfaces)",
                "veth1a2b3c4d", "excluded by ^veth.* (--exclude-interfaces)"), skipped);
    }

    @Test
    void withNothingExcludedThePodNetworksBridgeIsAnnouncedOnAsMetalLbWithoutItsListWould() {
        assertEquals(List.of("br0", "cni0", "eth0", "veth1a2b3c4d", "vip0"),
                links.announceable(ExcludedInterfaces.of(List.of(""))).stream().map(InterfaceInfo::name).toList());
    }

    @Test
    void aPoolThatNamesAnExcludedInterfaceStillGetsIt() {
        assertEquals(new InterfaceInfo("cni0", MacAddress.parse("52:54:00:12:34:60"), 10), links.resolve("cni0"));
    }

    @Test
    void aBadExpressionIsNamedWithTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExcludedInterfaces.of(List.of("^veth.*", "(cni")));
        assertTrue(e.getMessage().startsWith("--exclude-interfaces: \"(cni\" is not a regular expression ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("write one such as ^veth.*"), e.getMessage());
    }

    @Test
    void resolvesANamedInterfaceEvenWhenItIsDown() {
        assertEquals(new InterfaceInfo("eth2", MacAddress.parse("52:54:00:12:34:58"), 5), links.resolve("eth2"));
        assertEquals(List.of(links.resolve("eth0"), links.resolve("br0")), links.resolve(List.of("eth0", "br0")));
    }

    @Test
    void anUnknownNameListsTheInterfacesThereAre() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> links.resolve("eth9"));
        assertEquals("there is no interface eth9 on this node (it has br0, cni0, eth0, eth1, eth2, ib0, kube-ipvs0, lo, veth1a2b3c4d, vip0, wg0);"
                + " name one of those in the pool's interfaces, or leave the list out to announce on every suitable one", e.getMessage());
    }

    @Test
    void aBridgePortPointsAtItsBridge() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> links.resolve("eth1"));
        assertEquals("interface eth1 is a port of br0, which receives its traffic; announce on br0 instead", e.getMessage());
    }

    @Test
    void linksWithoutAnEthernetMacAreRefused() {
        for (String name : List.of("lo", "wg0", "ib0")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> links.resolve(name));
            assertTrue(e.getMessage().startsWith("interface " + name + " is not an Ethernet interface with its own MAC address"), e.getMessage());
            assertTrue(e.getMessage().endsWith("Herald answers ARP and NDP on Ethernet links only"), e.getMessage());
        }
    }

    @Test
    void aNameCannotLeaveSysClassNet() {
        for (String name : new String[] {"../etc", "..", "", "a/b", "eth0:1", "sixteen-chars-xx"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> links.resolve(name));
            assertTrue(e.getMessage().contains("is not an interface name"), e.getMessage());
        }
    }

    @Test
    void thisMachinesLoopbackIsNeverAnnouncedOn() {
        Links system = Links.system();
        assertTrue(system.announceable(ExcludedInterfaces.NONE).stream().noneMatch(link -> link.name().equals("lo")), system.announceable(ExcludedInterfaces.NONE)::toString);
        assertThrows(IllegalArgumentException.class, () -> system.resolve("lo"));
    }
}
