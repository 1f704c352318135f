package io.herald.speaker.ownership;

import io.herald.common.Annotations;
import io.herald.common.config.AddressPool;
import io.herald.common.config.Config;
import io.herald.common.ip.IpAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Which node announces each VIP. Every speaker computes this alone from what it has
 * observed, with no coordinator, and gets the same answer as the others whenever it
 * has seen the same things: it is a pure function of plain values, independent of the
 * order they come in.
 *
 * <p>One decision per IP, not per Service, so Services sharing an IP always move together.
 *
 * @param decisions one per VIP, sorted by address
 */
public record Ownership(SortedMap<IpAddress, OwnerDecision> decisions) {
    /** How many endpoint nodes a reason lists before it only counts the rest. */
    private static final int NODES_NAMED = 5;

    public Ownership {
        decisions = Collections.unmodifiableSortedMap(new TreeMap<>(decisions));
        decisions.forEach((vip, decision) -> {
            if (!vip.equals(decision.vip())) {
                throw new IllegalArgumentException("decision for " + decision.vip() + " filed under " + vip);
            }
        });
    }

    /**
     * Decides the owner of every VIP of the given Services.
     *
     * <p>Candidates for a VIP are the nodes that have a Node object and a live speaker
     * Lease, are not NotReady, lack the label
     * {@value io.herald.common.Annotations#EXCLUDE_FROM_LOAD_BALANCERS} (any value), match
     * the node-selectors of the pool whose ranges hold the VIP, and from which the most
     * of the VIP's Services reach a ready endpoint (at least one). The owner is the
     * candidate with the highest rendezvous hash of (node, VIP); see {@link RendezvousHash}.
     *
     * <p>Counting Services served per node, rather than requiring every Service, matters
     * only when several Services share the VIP: a {@code Cluster} Service with a ready
     * endpoint counts on every node, so it never narrows the choice, while {@code Local}
     * Services narrow it to their endpoints' nodes. Local Services may share an IP only
     * with the same selector, so their endpoints normally agree and this is their
     * intersection; when a rollout updates one Service's EndpointSlices before the
     * other's, the intersection can be briefly empty, and the node that still serves the
     * most of them beats going dark for all of them.
     *
     * @param config    the pools; the pool of a VIP is the one whose ranges hold it
     * @param nodes     every Node the speaker knows; names must be unique
     * @param liveNodes names of the nodes whose speaker Lease is live ({@link Membership#liveAt})
     * @param services  every {@code type: LoadBalancer} Service with VIPs; names must be unique
     */
    public static Ownership decide(Config config, Collection<NodeInfo> nodes, Set<String> liveNodes,
                                   Collection<LoadBalancerService> services) {
        return decide(config, nodes, liveNodes, services, Holdings.NONE);
    }

    /**
     * Decides as {@link #decide(Config, Collection, Set, Collection)} does, but a VIP stays
     * where it is: when the hash's pick among the candidates follows the holding rule and
     * some candidates say they hold the VIP, the owner is the hash's pick among those. So a
     * node that returns (a restart, a pause, a healed link) does not pull back the VIPs that
     * moved away while it was gone, and their long-lived connections are not reset a second
     * time. When two candidates hold it (after a partition healed), the hash picks one and
     * the other hands it over. The pick among all candidates is asked first because a node
     * that does not follow the rule (no heartbeats) takes its VIPs by the hash whatever the
     * others hold: deferring to it is the only answer every speaker agrees on.
     *
     * @param holdings who holds what against the hash, and who follows the rule
     */
    public static Ownership decide(Config config, Collection<NodeInfo> nodes, Set<String> liveNodes,
                                   Collection<LoadBalancerService> services, Holdings holdings) {
        return decide(config, nodes, liveNodes, services, holdings, null);
    }

    /**
     * Decides as {@link #decide(Config, Collection, Set, Collection, Holdings)} does, the same
     * answer, with each VIP's ranking of nodes kept in {@code rankings} from the decision
     * before: what a speaker calls, deciding again and again.
     */
    public static Ownership decide(Config config, Collection<NodeInfo> nodes, Set<String> liveNodes,
                                   Collection<LoadBalancerService> services, Holdings holdings, Rankings rankings) {
        Map<String, NodeInfo> nodesByName = new TreeMap<>();
        for (NodeInfo node : nodes) {
            if (nodesByName.put(node.name(), node) != null) {
                throw new IllegalArgumentException("node " + node.name() + " is given twice");
            }
        }
        Set<String> serviceNames = new TreeSet<>();
        SortedMap<IpAddress, List<LoadBalancerService>> servicesByVip = new TreeMap<>();
        for (LoadBalancerService service : services) {
            if (!serviceNames.add(service.name())) {
                throw new IllegalArgumentException("Service " + service.name() + " is given twice");
            }
            for (IpAddress vip : service.vips()) {
                servicesByVip.computeIfAbsent(vip, v -> new ArrayList<>()).add(service);
            }
        }

        if (rankings != null) {
            rankings.cover(nodesByName.keySet(), servicesByVip.keySet());
        }
        List<NodeInfo> live = nodesByName.values().stream().filter(n -> liveNodes.contains(n.name())).toList();
        Decider decider = new Decider(config, live, holdings, rankings);
        SortedMap<IpAddress, OwnerDecision> decisions = new TreeMap<>();
        servicesByVip.forEach((vip, onVip) -> decisions.put(vip, decider.decide(vip, onVip)));
        return new Ownership(decisions);
    }

    /** The node announcing the VIP, or empty when none does or the VIP is unknown. */
    public Optional<String> owner(IpAddress vip) {
        return decisions.get(vip) instanceof OwnerDecision.Owned owned ? Optional.of(owned.node()) : Optional.empty();
    }

    /** The VIPs the hash gives to the node, sorted; what every speaker expects that node to announce. */
    public SortedSet<IpAddress> announcedBy(String node) {
        SortedSet<IpAddress> vips = new TreeSet<>();
        decisions.forEach((vip, decision) -> {
            if (decision instanceof OwnerDecision.Owned owned && owned.node().equals(node)) {
                vips.add(vip);
            }
        });
        return Collections.unmodifiableSortedSet(vips);
    }

    /**
     * Whether this speaker should answer for the VIP now: the hash gives it to this node
     * and this speaker's own Lease is fresh by its own clock. A speaker that cannot renew
     * its Lease falls silent before the others count its node dead and take over.
     */
    public boolean shouldAnnounce(IpAddress vip, OwnLease self, long nowNanos) {
        return self.isFresh(nowNanos) && owner(vip).filter(self.node()::equals).isPresent();
    }

    /** Every VIP this speaker should answer for now; empty while its own Lease is not fresh. */
    public SortedSet<IpAddress> toAnnounce(OwnLease self, long nowNanos) {
        return self.isFresh(nowNanos) ? announcedBy(self.node()) : Collections.emptySortedSet();
    }

    /**
     * The VIPs among {@code announced} that {@code node} holds against the hash: those the
     * hash over every known node gives to another. The VIPs it has by the hash need no word:
     * the hash's pick among all nodes is the pick among any candidates that include it. The
     * first {@code limit} by address; a node holding more gives the rest back.
     */
    public static List<IpAddress> heldAgainstHash(String node, Collection<IpAddress> announced,
            Collection<NodeInfo> nodes, int limit) {
        return heldAgainstHash(node, announced, nodes, limit, null);
    }

    /**
     * The same, reading the pick over every node from {@code rankings} where they cover the
     * VIP; {@code nodes} must be those of the decision that brought them up to date.
     */
    public static List<IpAddress> heldAgainstHash(String node, Collection<IpAddress> announced,
            Collection<NodeInfo> nodes, int limit, Rankings rankings) {
        List<String> names = nodes.stream().map(NodeInfo::name).toList();
        RendezvousHash hash = new RendezvousHash();
        return announced.stream().sorted()
                .filter(vip -> {
                    if (names.isEmpty()) {
                        return true;
                    }
                    Optional<String> first = rankings == null ? Optional.empty() : rankings.first(vip);
                    return !first.orElseGet(() -> hash.pick(vip, names)).equals(node);
                })
                .limit(limit).toList();
    }

    /** Decides one VIP at a time, working out each pool's eligible nodes once. */
    private static final class Decider {
        private final Config config;
        private final List<NodeInfo> live;
        private final Holdings holdings;
        private final Map<String, PoolNodes> poolNodes = new HashMap<>();
        private final RendezvousHash hash = new RendezvousHash();
        private final Rankings rankings;

        Decider(Config config, List<NodeInfo> live, Holdings holdings, Rankings rankings) {
            this.config = config;
            this.live = live;
            this.holdings = holdings;
            this.rankings = rankings;
        }

        private String pick(IpAddress vip, List<String> candidates, Set<String> candidateSet) {
            return rankings == null ? hash.pick(vip, candidates) : rankings.pick(vip, candidates, candidateSet);
        }

        OwnerDecision decide(IpAddress vip, List<LoadBalancerService> onVip) {
            List<String> names = onVip.stream().map(LoadBalancerService::name).sorted().toList();
            Optional<AddressPool> pool = config.poolContaining(vip);
            if (pool.isEmpty()) {
                return new OwnerDecision.Unowned(vip, names, NoOwnerReason.NOT_IN_ANY_POOL,
                        vip + " is in no address pool of the current config");
            }
            if (onVip.stream().noneMatch(LoadBalancerService::hasReadyEndpoint)) {
                return new OwnerDecision.Unowned(vip, names, NoOwnerReason.NO_READY_ENDPOINT,
                        "no ready endpoint for " + String.join(", ", names));
            }
            PoolNodes eligible = poolNodes.computeIfAbsent(pool.get().name(), p -> PoolNodes.of(pool.get(), live));
            if (eligible.reason() != null) {
                return new OwnerDecision.Unowned(vip, names, eligible.reason(), eligible.message());
            }
            List<String> candidates = mostServed(eligible.nodes(), onVip);
            if (candidates.isEmpty()) {
                return new OwnerDecision.Unowned(vip, names, NoOwnerReason.NO_LOCAL_ENDPOINT,
                        "no ready endpoint on a node that may announce (externalTrafficPolicy: Local); "
                                + "ready endpoints run on " + endpointNodes(onVip));
            }
            Set<String> candidateSet = candidates == eligible.nodes() ? eligible.nodeSet() : Set.copyOf(candidates);
            String first = pick(vip, candidates, candidateSet);
            if (holdings.follows(first)) {
                List<String> holders = candidates.stream().filter(n -> holdings.holds(n, vip)).toList();
                if (!holders.isEmpty()) {
                    return new OwnerDecision.Owned(vip, names, pick(vip, holders, Set.copyOf(holders)));
                }
            }
            return new OwnerDecision.Owned(vip, names, first);
        }
    }

    /**
     * The nodes from which the most Services on the VIP are reachable, if any is reachable at all.
     * A {@code Cluster} Service counts the same on every node, so only {@code Local} ones are
     * looked up per node, and a VIP of {@code Cluster} Services alone (the common case) costs
     * nothing per node.
     */
    private static List<String> mostServed(List<String> eligible, List<LoadBalancerService> onVip) {
        long everywhere = 0;
        List<LoadBalancerService.Local> local = new ArrayList<>();
        for (LoadBalancerService service : onVip) {
            if (service instanceof LoadBalancerService.Local l) {
                local.add(l);
            } else if (service.hasReadyEndpoint()) {
                everywhere++;
            }
        }
        if (local.isEmpty()) {
            return everywhere > 0 ? eligible : List.of();
        }
        List<String> best = new ArrayList<>();
        long bestCount = 1;
        for (String node : eligible) {
            long count = everywhere;
            for (LoadBalancerService.Local service : local) {
                if (service.reachableVia(node)) {
                    count++;
                }
            }
            if (count > bestCount) {
                best.clear();
                bestCount = count;
            }
            if (count == bestCount) {
                best.add(node);
            }
        }
        return best;
    }

    private static String endpointNodes(List<LoadBalancerService> onVip) {
        SortedSet<String> nodes = new TreeSet<>();
        for (LoadBalancerService service : onVip) {
            if (service instanceof LoadBalancerService.Local local) {
                nodes.addAll(local.nodesWithReadyEndpoints());
            }
        }
        List<String> named = nodes.stream().limit(NODES_NAMED).toList();
        String more = nodes.size() > named.size() ? " and " + (nodes.size() - named.size()) + " more" : "";
        return String.join(", ", named) + more;
    }

    /**
     * The nodes that may announce a pool's VIPs, or why none may; the same for every VIP
     * of the pool, so it is worked out once per pool.
     */
    private record PoolNodes(List<String> nodes, Set<String> nodeSet, NoOwnerReason reason, String message) {
        static PoolNodes of(AddressPool pool, List<NodeInfo> live) {
            if (live.isEmpty()) {
                return none(NoOwnerReason.NO_LIVE_NODE, "no node has a live speaker Lease");
            }
            List<NodeInfo> ready = only(live, n -> !n.notReady());
            if (ready.isEmpty()) {
                return none(NoOwnerReason.NO_READY_NODE, "every node with a live speaker is NotReady");
            }
            List<NodeInfo> included = only(ready, n -> !n.labels().containsKey(Annotations.EXCLUDE_FROM_LOAD_BALANCERS));
            if (included.isEmpty()) {
                return none(NoOwnerReason.ALL_EXCLUDED, "every live, Ready node is labelled "
                        + Annotations.EXCLUDE_FROM_LOAD_BALANCERS);
            }
            List<NodeInfo> selected = only(included, n -> pool.selectsNode(n.labels()));
            if (selected.isEmpty()) {
                return none(NoOwnerReason.NO_NODE_MATCHES_POOL, "no live, Ready node matches the node-selectors of address pool "
                        + pool.name());
            }
            List<String> names = selected.stream().map(NodeInfo::name).toList();
            return new PoolNodes(names, Set.copyOf(names), null, null);
        }

        private static PoolNodes none(NoOwnerReason reason, String message) {
            return new PoolNodes(List.of(), Set.of(), reason, message);
        }

        private static List<NodeInfo> only(List<NodeInfo> nodes, Predicate<NodeInfo> keep) {
            return nodes.stream().filter(keep).toList();
        }
    }
}
