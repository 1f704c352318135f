package io.herald.speaker.ownership;

import io.herald.common.config.AddressPool;
import io.herald.common.config.Config;
import io.herald.common.config.NodeSelector;
import io.herald.common.ip.IpAddress;
import io.herald.common.ip.IpRange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Building blocks shared by the ownership tests. */
final class Fixtures {
    private Fixtures() {}

    static final String EXCLUDE = "node.kubernetes.io/exclude-from-external-load-balancers";

    static IpAddress ip(String text) {
        return IpAddress.parse(text);
    }

    static Set<IpAddress> ips(String... texts) {
        return Set.copyOf(Arrays.stream(texts).map(IpAddress::parse).toList());
    }

    static AddressPool pool(String name, String range, NodeSelector... selectors) {
        return new AddressPool(name, List.of(IpRange.parse(range)), true, false, List.of(selectors), List.of(), List.of());
    }

    static NodeSelector labels(Map<String, String> matchLabels) {
        return new NodeSelector(matchLabels, List.of());
    }

    static NodeSelector expressions(NodeSelector.Requirement... requirements) {
        return new NodeSelector(Map.of(), List.of(requirements));
    }

    static NodeSelector.Requirement requirement(String key, NodeSelector.Operator operator, String... values) {
        return new NodeSelector.Requirement(key, operator, List.of(values));
    }

    static NodeInfo ready(String name, Map<String, String> labels) {
        return new NodeInfo(name, labels, false);
    }

    static NodeInfo ready(String name) {
        return ready(name, Map.of());
    }

    static NodeInfo notReady(String name) {
        return new NodeInfo(name, Map.of(), true);
    }

    static LoadBalancerService cluster(String name, String... vips) {
        return new LoadBalancerService.Cluster(name, ips(vips), true);
    }

    static LoadBalancerService clusterWithoutEndpoints(String name, String... vips) {
        return new LoadBalancerService.Cluster(name, ips(vips), false);
    }

    static LoadBalancerService local(String name, Set<String> endpointNodes, String... vips) {
        return new LoadBalancerService.Local(name, ips(vips), endpointNodes);
    }

    static Config config(AddressPool... pools) {
        return new Config(List.of(pools));
    }

    /**
     * The owner the documented rule gives, written here a second time from the text of
     * docs/architecture.md rather than through {@link RendezvousHash}, so a test checks
     * the rule and not the code against itself.
     */
    static String documentedWinner(IpAddress vip, Collection<String> candidates) {
        Comparator<String> byScore = Comparator.comparing((String node) -> documentedScore(node, vip), Long::compareUnsigned);
        return candidates.stream()
                .max(byScore.thenComparing(Comparator.<String>reverseOrder()))
                .orElseThrow();
    }

    private static long documentedScore(String node, IpAddress vip) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            byte[] name = node.getBytes(StandardCharsets.UTF_8);
            byte[] address = vip.toInetAddress().getAddress();
            byte[] message = new byte[name.length + 1 + address.length];
            System.arraycopy(name, 0, message, 0, name.length);
            System.arraycopy(address, 0, message, name.length + 1, address.length);
            byte[] digest = sha256.digest(message);
            long score = 0;
            for (int i = 0; i < 8; i++) {
                score = (score << 8) | (digest[i] & 0xff);
            }
            return score;
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
