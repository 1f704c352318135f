package io.herald.e2e.cluster;

import io.herald.e2e.Kube;
import io.herald.e2e.lab.LabClient;
import io.herald.e2e.lab.Neighbour;
import io.herald.testkit.cluster.RealCluster;
import java.time.Duration;
import java.util.Optional;

/** Which node announces a VIP, as the client on the real cluster's LAN sees it: the MAC in its neighbour entry. */
final class Announcers {
    private final RealCluster cluster;
    private final LabClient client;
    private final Duration patience;

    Announcers(RealCluster cluster, LabClient client, Duration patience) {
        this.cluster = cluster;
        this.client = client;
        this.patience = patience;
    }

    /** The node whose MAC the client's neighbour entry for {@code vip} names, after a request resolved it. */
    String of(String vip, int port) throws Exception {
        return Kube.await("the client to resolve " + vip, patience, () -> {
            client.get(vip, port, Duration.ofSeconds(1));
            Optional<String> mac = client.neighbour(vip).flatMap(Neighbour::mac);
            return mac.flatMap(m -> cluster.nodes().stream().filter(n -> n.mac().equalsIgnoreCase(m))
                    .map(RealCluster.Node::name).findFirst()).orElse(null);
        });
    }

    /** How long after {@code sinceNanos} (a {@link System#nanoTime()}) the client's entry for {@code vip} left {@code node}. */
    Duration awaitMoveFrom(String vip, String node, long sinceNanos) throws Exception {
        String mac = cluster.node(node).mac();
        return Kube.await("the client's neighbour entry for " + vip + " to leave " + node, patience, () -> {
            String now = client.neighbour(vip).flatMap(Neighbour::mac).orElse(mac);
            return now.equalsIgnoreCase(mac) ? null : Duration.ofNanos(System.nanoTime() - sinceNanos);
        });
    }
}
