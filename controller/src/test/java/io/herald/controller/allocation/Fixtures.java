package io.herald.controller.allocation;

import io.herald.common.config.AddressPool;
import io.herald.common.config.Config;
import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.common.ip.IpRange;
import java.util.Arrays;
import java.util.List;

/** Short ways to write pools, Services and requests in tests. */
final class Fixtures {
    private Fixtures() {}

    static final Family V4 = Family.IPV4;
    static final Family V6 = Family.IPV6;

    static AddressPool pool(String name, String... ranges) {
        return new AddressPool(name, ranges(ranges), true, false, List.of(), List.of(), List.of());
    }

    static AddressPool manualPool(String name, String... ranges) {
        return new AddressPool(name, ranges(ranges), false, false, List.of(), List.of(), List.of());
    }

    static AddressPool avoidingPool(String name, String... ranges) {
        return new AddressPool(name, ranges(ranges), true, true, List.of(), List.of(), List.of());
    }

    static AddressPool withNamespaces(AddressPool pool, String... namespaces) {
        return new AddressPool(pool.name(), pool.ranges(), pool.autoAssign(), pool.avoidBuggyIps(),
                pool.nodeSelectors(), pool.interfaces(), List.of(namespaces));
    }

    static Config config(AddressPool... pools) {
        return new Config(List.of(pools));
    }

    static List<IpRange> ranges(String... ranges) {
        return Arrays.stream(ranges).map(IpRange::parse).sorted().toList();
    }

    static IpAddress ip(String text) {
        return IpAddress.parse(text);
    }

    static List<IpAddress> ips(String... texts) {
        return Arrays.stream(texts).map(IpAddress::parse).toList();
    }

    /** "team-a/web" */
    static ServiceKey svc(String namespaceAndName) {
        int slash = namespaceAndName.indexOf('/');
        return new ServiceKey(namespaceAndName.substring(0, slash), namespaceAndName.substring(slash + 1));
    }

    static PortSet.Port tcp(int port) {
        return PortSet.Port.tcp(port);
    }

    static PortSet.Port udp(int port) {
        return PortSet.Port.udp(port);
    }

    /** A plain request: SingleStack, Cluster, no key, nothing pinned. */
    static AllocationRequest req(String service, PortSet.Port... ports) {
        return AllocationRequest.of(svc(service), PortSet.of(ports));
    }
}
