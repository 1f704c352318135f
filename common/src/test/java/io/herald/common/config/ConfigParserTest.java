package io.herald.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.herald.common.config.NodeSelector.Operator;
import io.herald.common.config.NodeSelector.Requirement;
import io.herald.common.ip.IpRange;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigParserTest {

    /** A pool as the parser should build it: defaults unless a test says otherwise. */
    private static AddressPool pool(String name, String... ranges) {
        return new AddressPool(name, Arrays.stream(ranges).map(IpRange::parse).toList(), true, false, List.of(), List.of(), List.of());
    }

    private static AddressPool with(AddressPool p, boolean autoAssign, boolean avoidBuggyIps) {
        return new AddressPool(p.name(), p.ranges(), autoAssign, avoidBuggyIps, p.nodeSelectors(), p.interfaces(), p.namespaces());
    }

    private static Config config(AddressPool... pools) {
        return new Config(List.of(pools));
    }

    private static Config valid(ParsedConfig parsed) {
        assertEquals(List.of(), parsed.errors(), "errors");
        return assertInstanceOf(ParsedConfig.Valid.class, parsed).config();
    }

    private static List<String> errors(ParsedConfig parsed) {
        return assertInstanceOf(ParsedConfig.Invalid.class, parsed).errors().stream().map(ConfigError::toString).toList();
    }

    static Stream<Arguments> validForms() {
        return Stream.of(
                Arguments.of("IPv4 CIDR", """
                        address-pools:
                        - name: default
                          protocol: layer2
                          addresses: [198.18.1.0/28]
                        """, config(pool("default", "198.18.1.0-198.18.1.15"))),
                Arguments.of("IPv6 CIDR", """
                        address-pools:
                        - name: v6
                          addresses: [2001:db8::100/124]
                        """, config(pool("v6", "2001:db8::100-2001:db8::10f"))),
                Arguments.of("range, spaces around the dash allowed", """
                        address-pools:
                        - name: default
                          addresses:
                          - 198.18.0.100-198.18.0.150
                          - 198.18.0.200 - 198.18.0.210
                        """, config(pool("default", "198.18.0.100-198.18.0.150", "198.18.0.200-198.18.0.210"))),
                Arguments.of("single IPs of both families", """
                        address-pools:
                        - name: one
                          addresses: [198.18.0.7, "2001:db8::7"]
                        """, config(pool("one", "198.18.0.7", "2001:db8::7"))),
                Arguments.of("defaults: protocol layer2, auto-assign on, avoid-buggy-ips off, all nodes", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.0/24]
                        """, config(pool("default", "198.18.0.0/24"))),
                Arguments.of("auto-assign and avoid-buggy-ips set, also in YAML 1.1 words as MetalLB reads them", """
                        address-pools:
                        - name: manual
                          addresses: [198.18.0.0/24]
                          auto-assign: false
                          avoid-buggy-ips: true
                        - name: manual-too
                          addresses: [198.18.1.0/24]
                          auto-assign: no
                          avoid-buggy-ips: yes
                        """, config(with(pool("manual", "198.18.0.0/24"), false, true),
                                with(pool("manual-too", "198.18.1.0/24"), false, true))),
                Arguments.of("ranges sorted, IPv4 first", """
                        address-pools:
                        - name: default
                          addresses: [2001:db8::/120, 198.18.2.0/24, 198.18.0.5, 198.18.1.0-198.18.1.9]
                        """, config(pool("default", "198.18.0.5", "198.18.1.0-198.18.1.9", "198.18.2.0/24", "2001:db8::/120"))),
                Arguments.of("node selectors, interfaces and namespaces", """
                        address-pools:
                        - name: edge
                          addresses: [198.18.0.0/24]
                          node-selectors:
                          - match-labels: {pool: edge, topology.kubernetes.io/zone: a, empty: ""}
                            match-expressions:
                            - {key: zone, operator: In, values: [a, b]}
                            - {key: rack, operator: NotIn, values: ["12"]}
                            - {key: node-role.kubernetes.io/edge, operator: Exists}
                            - {key: example.com/broken, operator: DoesNotExist, values: []}
                          - {}
                          interfaces: [eth0, bond0.100]
                          namespaces: [team-a, team-b]
                        """, config(new AddressPool("edge", List.of(IpRange.parse("198.18.0.0/24")), true, false,
                                List.of(new NodeSelector(Map.of("pool", "edge", "topology.kubernetes.io/zone", "a", "empty", ""), List.of(
                                                new Requirement("zone", Operator.In, List.of("a", "b")),
                                                new Requirement("rack", Operator.NotIn, List.of("12")),
                                                new Requirement("node-role.kubernetes.io/edge", Operator.Exists, List.of()),
                                                new Requirement("example.com/broken", Operator.DoesNotExist, List.of()))),
                                        new NodeSelector(Map.of(), List.of())),
                                List.of("eth0", "bond0.100"), List.of("team-a", "team-b")))),
                Arguments.of("label values that YAML reads as numbers stay text", """
                        address-pools:
                        - name: racks
                          addresses: [198.18.0.0/24]
                          node-selectors:
                          - match-labels: {rack: 12}
                            match-expressions: [{key: row, operator: In, values: [1, 2]}]
                        """, config(new AddressPool("racks", List.of(IpRange.parse("198.18.0.0/24")), true, false,
                                List.of(new NodeSelector(Map.of("rack", "12"), List.of(new Requirement("row", Operator.In, List.of("1", "2"))))),
                                List.of(), List.of()))),
                Arguments.of("empty lists are the defaults", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.0/24]
                          node-selectors: []
                          interfaces: []
                          namespaces: []
                        """, config(pool("default", "198.18.0.0/24"))),
                Arguments.of("no address pools at all", "address-pools: []\n", Config.EMPTY),
                Arguments.of("address-pools with nothing after it", "address-pools:\n", Config.EMPTY),
                Arguments.of("an empty file", "", Config.EMPTY),
                Arguments.of("comments only", "# pools come later\n", Config.EMPTY),
                Arguments.of("document markers", "---\naddress-pools: []\n...\n", Config.EMPTY),
                Arguments.of("empty documents around the config", "---\n---\naddress-pools: [{name: a, addresses: [198.18.0.1]}]\n---\n",
                        config(pool("a", "198.18.0.1"))),
                Arguments.of("a MetalLB v0.12 layer2 config, pasted", """
                        # MetalLB hands out these addresses and answers ARP for them.
                        address-pools:
                        - # Services pick this pool with metallb.universe.tf/address-pool.
                          name: my-ip-space
                          # layer2 here; bgp would need peers.
                          protocol: layer2
                          # CIDRs or first-last ranges, all with the settings below.
                          addresses:
                          - 198.18.10.0/24
                          - 198.18.11.10-198.18.11.20
                          # skip addresses ending in .0 and .255
                          avoid-buggy-ips: true
                          # only Services that ask get an address from this pool
                          auto-assign: false
                        """, config(with(pool("my-ip-space", "198.18.10.0/24", "198.18.11.10-198.18.11.20"), false, true))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void validForms(String description, String yaml, Config expected) {
        assertEquals(expected, valid(ConfigParser.parse(yaml)));
        assertEquals(expected, valid(ConfigParser.parseConfigMap(yaml)), "a bare config is read the same from a file");
    }

    static Stream<Arguments> everyErrorNamesItsPlaceAndTheFix() {
        return Stream.of(
                Arguments.of("unknown top-level key, with the likely one", """
                        adress-pools: []
                        """, List.of("adress-pools: unknown key (did you mean address-pools?); keys allowed here: address-pools")),
                Arguments.of("unknown pool key", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.0/24]
                          vlan: 100
                        """, List.of("address-pools[0].vlan: unknown key; keys allowed here: addresses, auto-assign, "
                                + "avoid-buggy-ips, interfaces, name, namespaces, node-selectors, protocol")),
                Arguments.of("a typo and the camelCase of MetalLB's CRDs", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.0/24]
                          auto-asign: false
                          avoidBuggyIPs: true
                        """, List.of(
                                "address-pools[0].auto-asign: unknown key (did you mean auto-assign?); keys allowed here: addresses, "
                                        + "auto-assign, avoid-buggy-ips, interfaces, name, namespaces, node-selectors, protocol",
                                "address-pools[0].avoidBuggyIPs: unknown key (did you mean avoid-buggy-ips?); keys allowed here: "
                                        + "addresses, auto-assign, avoid-buggy-ips, interfaces, name, namespaces, node-selectors, protocol")),
                Arguments.of("unknown keys in a node selector and an expression", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.0/24]
                          node-selectors:
                          - matchLabels: {pool: edge}
                            match-expressions: [{key: zone, operator: Exists, value: a}]
                        """, List.of(
                                "address-pools[0].node-selectors[0].matchLabels: unknown key (did you mean match-labels?); "
                                        + "keys allowed here: match-expressions, match-labels",
                                "address-pools[0].node-selectors[0].match-expressions[0].value: unknown key (did you mean values?); "
                                        + "keys allowed here: key, operator, values")),
                Arguments.of("not an IP address", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.0/24]
                        - name: edge
                          addresses: [198.18.0.300]
                        """, List.of("address-pools[1].addresses[0]: \"198.18.0.300\" is not an IP address")),
                Arguments.of("host bits set", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.1/24]
                        """, List.of("address-pools[0].addresses[0]: \"198.18.0.1/24\" has host bits set; did you mean 198.18.0.0/24?")),
                Arguments.of("range written backwards", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.150-198.18.0.100]
                        """, List.of("address-pools[0].addresses[0]: \"198.18.0.150-198.18.0.100\" ends before it starts; "
                                + "write the lower address first")),
                Arguments.of("range of two families", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.1-2001:db8::1]
                        """, List.of("address-pools[0].addresses[0]: \"198.18.0.1-2001:db8::1\" mixes IPv4 and IPv6")),
                Arguments.of("overlap within a pool", """
                        address-pools:
                        - name: default
                          addresses:
                          - 198.18.0.0/28
                          - 2001:db8::/64
                          - 198.18.0.8-198.18.0.20
                        """, List.of("address-pools[0].addresses[2]: \"198.18.0.8-198.18.0.20\" overlaps \"198.18.0.0/28\" "
                                + "at address-pools[0].addresses[0] in the same pool; list each address once")),
                Arguments.of("overlap across pools names both", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.0/24]
                        - name: edge
                          addresses: [198.18.1.0/24, 198.18.0.128/25]
                        """, List.of("address-pools[1].addresses[1]: \"198.18.0.128/25\" overlaps \"198.18.0.0/24\" "
                                + "at address-pools[0].addresses[0] (pool \"default\"); an address may belong to one pool only")),
                Arguments.of("the same address twice", """
                        address-pools:
                        - name: a
                          addresses: ["2001:db8::1"]
                        - name: b
                          addresses: ["2001:db8::1"]
                        """, List.of("address-pools[1].addresses[0]: \"2001:db8::1\" overlaps \"2001:db8::1\" "
                                + "at address-pools[0].addresses[0] (pool \"a\"); an address may belong to one pool only")),
                Arguments.of("duplicate pool names", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.0/24]
                        - name: default
                          addresses: [198.18.1.0/24]
                        """, List.of("address-pools[1].name: \"default\" is already the name of address-pools[0]; "
                                + "pool names must be unique")),
                Arguments.of("missing and malformed pool names", """
                        address-pools:
                        - addresses: [198.18.0.0/24]
                        - name: Edge_Pool
                          addresses: [198.18.1.0/24]
                        """, List.of("address-pools[0].name: missing; every pool needs a name, such as \"name: default\"",
                                "address-pools[1].name: \"Edge_Pool\" is not a valid pool name; use at most 63 lowercase "
                                        + "letters, digits and '-', starting and ending with a letter or digit")),
                Arguments.of("protocol bgp", """
                        address-pools:
                        - name: default
                          protocol: bgp
                          addresses: [198.18.0.0/24]
                        """, List.of("address-pools[0].protocol: \"bgp\" is not supported: Herald announces with layer2 only; "
                                + "write \"protocol: layer2\" or leave the key out")),
                Arguments.of("MetalLB's pre-0.7 protocol name", """
                        address-pools:
                        - name: default
                          protocol: arp
                          addresses: [198.18.0.0/24]
                        """, List.of("address-pools[0].protocol: \"arp\" is not supported: Herald announces with layer2 only; "
                                + "write \"protocol: layer2\" or leave the key out")),
                Arguments.of("MetalLB's BGP keys", """
                        peers:
                        - peer-address: 198.18.0.1
                          peer-asn: 64501
                          my-asn: 64500
                        bgp-communities:
                          no-advertise: 65535:65282
                        address-pools:
                        - name: default
                          protocol: layer2
                          addresses: [198.18.1.0/24]
                          bgp-advertisements:
                          - aggregation-length: 32
                        """, List.of("peers: a BGP setting, but Herald announces with layer2 only; remove it",
                                "bgp-communities: a BGP setting, but Herald announces with layer2 only; remove it",
                                "address-pools[0].bgp-advertisements: a BGP setting, but Herald announces with layer2 only; remove it")),
                Arguments.of("no addresses", """
                        address-pools:
                        - name: default
                        - name: empty
                          addresses: []
                        - name: blank
                          addresses: ["", ~]
                        """, List.of(
                                "address-pools[0].addresses: must list at least one address: a CIDR (198.18.0.0/24), "
                                        + "a range (198.18.0.10-198.18.0.20) or a single IP",
                                "address-pools[1].addresses: must list at least one address: a CIDR (198.18.0.0/24), "
                                        + "a range (198.18.0.10-198.18.0.20) or a single IP",
                                "address-pools[2].addresses[0]: empty; write a CIDR (198.18.0.0/24), a range "
                                        + "(198.18.0.10-198.18.0.20) or a single IP, or remove the entry",
                                "address-pools[2].addresses[1]: empty; write a CIDR (198.18.0.0/24), a range "
                                        + "(198.18.0.10-198.18.0.20) or a single IP, or remove the entry")),
                Arguments.of("an empty pool entry", """
                        address-pools:
                        -
                        - name: default
                          addresses: [198.18.0.0/24]
                        """, List.of("address-pools[0]: empty entry; give a pool with a name and addresses, or remove the \"-\"")),
                Arguments.of("YAML that cannot be read", """
                        address-pools:
                        - name: default
                           addresses: [198.18.0.0/24]
                        """, List.of("line 3, column 13: not valid YAML: mapping values are not allowed here")),
                Arguments.of("an unterminated quote", """
                        address-pools:
                        - name: "default
                        """, List.of("line 3, column 1: not valid YAML: found unexpected end of stream "
                                + "(while scanning a quoted scalar at line 2, column 9)")),
                Arguments.of("a key twice in one mapping", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.0/24]
                          addresses: [198.18.1.0/24]
                        """, List.of("line 4, column 12: the key \"addresses\" appears twice in one mapping; keep one")),
                Arguments.of("a second document", """
                        address-pools: []
                        ---
                        address-pools: []
                        """, List.of("line 3, column 1: a second YAML document starts here; "
                                + "keep only the config, or its ConfigMap, in this file")),
                Arguments.of("YAML aliases, which would be read as their names", """
                        address-pools:
                        - name: default
                          addresses: &ours [198.18.0.0/24]
                        - name: edge
                          addresses: *ours
                        """, List.of("line 5, column 14: YAML aliases (*ours) are not supported here; write the value out in full")),
                Arguments.of("wrong types", """
                        address-pools:
                        - name: default
                          addresses: 198.18.0.0/24
                          auto-assign: maybe
                          avoid-buggy-ips: 1
                          interfaces: eth0
                        """, List.of("address-pools[0].addresses: must be a list, not \"198.18.0.0/24\"",
                                "address-pools[0].auto-assign: must be true or false, not \"maybe\"",
                                "address-pools[0].avoid-buggy-ips: must be true or false, not 1",
                                "address-pools[0].interfaces: must be a list, not \"eth0\"")),
                Arguments.of("wrong shapes", """
                        address-pools:
                        - default
                        - name: [edge]
                          addresses: [{cidr: 198.18.0.0/24}]
                          node-selectors:
                          - match-labels: [pool=edge]
                          - zone=a
                        """, List.of(
                                "address-pools[0]: must be an address pool: a mapping with name, addresses and the other pool keys, "
                                        + "not \"default\"",
                                "address-pools[1].name: must be a single value, not a list",
                                "address-pools[1].addresses[0]: must be a single value, not a mapping",
                                "address-pools[1].node-selectors[0].match-labels: must be a mapping of label names to values, not a list",
                                "address-pools[1].node-selectors[1]: must be a node selector: a mapping with match-labels and/or "
                                        + "match-expressions, not \"zone=a\"")),
                Arguments.of("a list at the top", """
                        - name: default
                          addresses: [198.18.0.0/24]
                        """, List.of("top level: must be a mapping with the key address-pools, not a list")),
                Arguments.of("an empty list at the top", "[]\n",
                        List.of("top level: must be a mapping with the key address-pools, not a list")),
                Arguments.of("a word at the top", "default\n",
                        List.of("top level: must be a mapping with the key address-pools, not \"default\"")),
                Arguments.of("lists where mappings belong", """
                        address-pools:
                        - - name: default
                            addresses: [198.18.0.0/24]
                        - name: edge
                          addresses: [198.18.1.0/24]
                          node-selectors: [[{match-labels: {pool: edge}}]]
                        """, List.of(
                                "address-pools[0]: must be an address pool: a mapping with name, addresses and the other pool keys, "
                                        + "not a list",
                                "address-pools[1].node-selectors[0]: must be a node selector: a mapping with match-labels and/or "
                                        + "match-expressions, not a list")),
                Arguments.of("node selector expressions", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.0/24]
                          node-selectors:
                          - match-expressions:
                            - {key: zone, operator: In}
                            - {key: zone, operator: NotIn, values: []}
                            - {key: zone, operator: Exists, values: [a]}
                            - {key: zone, operator: in, values: [a]}
                            - {operator: DoesNotExist}
                            - {key: zone}
                            -
                        """, List.of(
                                "address-pools[0].node-selectors[0].match-expressions[0].values: In needs at least one value "
                                        + "to compare the label with",
                                "address-pools[0].node-selectors[0].match-expressions[1].values: NotIn needs at least one value "
                                        + "to compare the label with",
                                "address-pools[0].node-selectors[0].match-expressions[2].values: Exists takes no values; remove them",
                                "address-pools[0].node-selectors[0].match-expressions[3].operator: \"in\" is not an operator; "
                                        + "use In, NotIn, Exists or DoesNotExist",
                                "address-pools[0].node-selectors[0].match-expressions[4].key: missing; name the node label to test, "
                                        + "such as \"key: topology.kubernetes.io/zone\"",
                                "address-pools[0].node-selectors[0].match-expressions[5].operator: missing; "
                                        + "use In, NotIn, Exists or DoesNotExist",
                                "address-pools[0].node-selectors[0].match-expressions[6]: empty entry; give key, operator and values, "
                                        + "or remove the \"-\"")),
                Arguments.of("label keys and values Kubernetes would refuse", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.0/24]
                          node-selectors:
                          - match-labels: {"pool edge": "yes", zone: "a b"}
                            match-expressions: [{key: -zone, operator: In, values: [a, "b/c"]}]
                          -
                        """, List.of(
                                "address-pools[0].node-selectors[0].match-labels[\"pool edge\"]: \"pool edge\" is not a valid label "
                                        + "key; use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', "
                                        + "starting and ending with a letter or digit",
                                "address-pools[0].node-selectors[0].match-labels.zone: \"a b\" is not a valid label value; "
                                        + "use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
                                "address-pools[0].node-selectors[0].match-expressions[0].key: \"-zone\" is not a valid label key; "
                                        + "use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', "
                                        + "starting and ending with a letter or digit",
                                "address-pools[0].node-selectors[0].match-expressions[0].values[1]: \"b/c\" is not a valid label "
                                        + "value; use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
                                "address-pools[0].node-selectors[1]: empty entry; give match-labels and/or match-expressions, "
                                        + "or remove the \"-\"")),
                Arguments.of("interfaces and namespaces", """
                        address-pools:
                        - name: default
                          addresses: [198.18.0.0/24]
                          interfaces: [eth0, "", "eth0:1", a-very-long-interface-name]
                          namespaces: [team-a, Team_B, ""]
                        """, List.of(
                                "address-pools[0].interfaces[1]: empty; write a network interface name or remove the entry",
                                "address-pools[0].interfaces[2]: \"eth0:1\" is not a network interface name; Linux names have "
                                        + "1 to 15 characters and no spaces, '/' or ':'",
                                "address-pools[0].interfaces[3]: \"a-very-long-interface-name\" is not a network interface name; "
                                        + "Linux names have 1 to 15 characters and no spaces, '/' or ':'",
                                "address-pools[0].namespaces[1]: \"Team_B\" is not a namespace name; use at most 63 lowercase "
                                        + "letters, digits and '-', starting and ending with a letter or digit",
                                "address-pools[0].namespaces[2]: empty; write a namespace name or remove the entry")),
                Arguments.of("every error at once, in the order of the file", """
                        address-pools:
                        - name: default
                          protocol: bgp
                          addresses: [198.18.0.0/24, 198.18.0.300]
                          auto-assign: maybe
                        - name: default
                          adresses: [198.18.1.0/24]
                        - name: edge
                          addresses: [198.18.0.10]
                          namespaces: [Team_A]
                        peers: []
                        """, List.of(
                                "address-pools[0].protocol: \"bgp\" is not supported: Herald announces with layer2 only; "
                                        + "write \"protocol: layer2\" or leave the key out",
                                "address-pools[0].addresses[1]: \"198.18.0.300\" is not an IP address",
                                "address-pools[0].auto-assign: must be true or false, not \"maybe\"",
                                "address-pools[1].name: \"default\" is already the name of address-pools[0]; pool names must be unique",
                                "address-pools[1].adresses: unknown key (did you mean addresses?); keys allowed here: addresses, "
                                        + "auto-assign, avoid-buggy-ips, interfaces, name, namespaces, node-selectors, protocol",
                                "address-pools[1].addresses: must list at least one address: a CIDR (198.18.0.0/24), "
                                        + "a range (198.18.0.10-198.18.0.20) or a single IP",
                                "address-pools[2].addresses[0]: \"198.18.0.10\" overlaps \"198.18.0.0/24\" at "
                                        + "address-pools[0].addresses[0] (pool \"default\"); an address may belong to one pool only",
                                "address-pools[2].namespaces[0]: \"Team_A\" is not a namespace name; use at most 63 lowercase "
                                        + "letters, digits and '-', starting and ending with a letter or digit",
                                "peers: a BGP setting, but Herald announces with layer2 only; remove it")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void everyErrorNamesItsPlaceAndTheFix(String description, String yaml, List<String> expected) {
        assertEquals(expected, errors(ConfigParser.parse(yaml)));
    }

    private static final String CONFIG_MAP = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: herald-config
              namespace: herald-system
            data:
              config: |
                address-pools:
                - name: default
                  addresses: [198.18.0.0/24]
            """;

    @Test
    void readsTheConfigFromAConfigMapManifest() {
        assertEquals(config(pool("default", "198.18.0.0/24")), valid(ConfigParser.parseConfigMap(CONFIG_MAP)));
    }

    @Test
    void readsTheConfigFromConfigMapDataAsTheControllerGetsIt() {
        assertEquals(config(pool("default", "198.18.0.0/24")),
                valid(ConfigParser.parseConfigMapData(Map.of("config", "address-pools: [{name: default, addresses: [198.18.0.0/24]}]"))));
        assertEquals(List.of("data.config: missing; Herald reads its pools from the \"config\" key"),
                errors(ConfigParser.parseConfigMapData(Map.of("pools", "address-pools: []"))));
    }

    static Stream<Arguments> configMapErrors() {
        return Stream.of(
                Arguments.of("no data.config", CONFIG_MAP.replace("config: |", "pools: |"),
                        List.of("data.config: missing; Herald reads its pools from the \"config\" key")),
                Arguments.of("no data at all", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: herald-config}\n",
                        List.of("data.config: missing; Herald reads its pools from the \"config\" key")),
                Arguments.of("data.config as YAML rather than a string", """
                        kind: ConfigMap
                        data:
                          config:
                            address-pools: []
                        """, List.of("data.config: must be a string holding the config, not a mapping; "
                                + "write \"config: |\" and indent the config below it")),
                Arguments.of("another kind", "apiVersion: v1\nkind: Secret\n",
                        List.of("kind: \"Secret\" is not a ConfigMap; give the ConfigMap that holds the config, "
                                + "or the config itself (the YAML with address-pools)")),
                Arguments.of("YAML errors inside data.config count lines from its start",
                        CONFIG_MAP.replace("  addresses:", "   addresses:"),
                        List.of("data.config line 3, column 13: not valid YAML: mapping values are not allowed here")),
                Arguments.of("value errors inside data.config", CONFIG_MAP.replace("198.18.0.0/24", "198.18.0.0/33"),
                        List.of("address-pools[0].addresses[0]: \"198.18.0.0/33\": the prefix length must be 0-32 for IPv4")),
                Arguments.of("YAML errors in the manifest itself", "kind: ConfigMap\ndata: {config: \"x\"\n",
                        List.of("line 3, column 1: not valid YAML: expected ',' or '}', but got <stream end> "
                                + "(while parsing a flow mapping at line 2, column 7)")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void configMapErrors(String description, String manifest, List<String> expected) {
        assertEquals(expected, errors(ConfigParser.parseConfigMap(manifest)));
    }

    @Test
    void anInvalidResultAlwaysHoldsAnError() {
        assertThrows(IllegalArgumentException.class, () -> new ParsedConfig.Invalid(List.of()));
    }

    @Test
    void errorsPrintAsPathThenMessage() {
        assertEquals("address-pools[1].addresses[0]: \"198.18.0.300\" is not an IP address",
                new ConfigError("address-pools[1].addresses[0]", "\"198.18.0.300\" is not an IP address").toString());
    }
}
