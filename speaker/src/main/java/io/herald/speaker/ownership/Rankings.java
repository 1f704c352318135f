package io.herald.speaker.ownership;

import io.herald.common.ip.IpAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Each VIP's first {@value #DEPTH} nodes by rendezvous score ({@link RendezvousHash}), kept
 * from one decision to the next, so that a decision costs a short walk per VIP instead of
 * one SHA-256 per node and VIP. The hash's pick among any candidates is the first of them
 * in the VIP's ranking over every node, so a walk that meets a candidate gives exactly
 * what hashing them all would; one that meets none (a pool that selects few nodes, a
 * {@code Local} Service's endpoint nodes) hashes the candidates, as without the cache.
 *
 * <p>A pure cache: the answers never depend on what it held before. It is brought to the
 * current nodes and VIPs at the start of each decision ({@link #cover}): a node that
 * appears costs one score per VIP, a VIP that appears one score per node, and a node that
 * is deleted costs the full ranking of only the VIPs it ranked high for. Node Leases and
 * readiness change the candidates, not the rankings, so a node's loss costs nothing here.
 *
 * <p>Not thread-safe: one decision at a time.
 */
public final class Rankings {
    /** How many nodes each VIP keeps: enough that a walk meets a live one when a few nodes are down. */
    static final int DEPTH = 8;

    private final RendezvousHash hash = new RendezvousHash();
    private final Set<String> nodes = new HashSet<>();
    private final Map<IpAddress, Ranking> byVip = new HashMap<>();

    /** The first nodes of one VIP, best first: exactly the top {@code min(DEPTH, nodes)} of every covered node. */
    private static final class Ranking {
        final byte[] address;
        final String[] names = new String[DEPTH];
        final long[] scores = new long[DEPTH];
        int size;

        Ranking(byte[] address) {
            this.address = address;
        }

        /** Puts the node in its place, if it ranks among the first {@value #DEPTH}. */
        void offer(String node, long score) {
            int at = size;
            while (at > 0 && ranksBefore(node, score, names[at - 1], scores[at - 1])) {
                at--;
            }
            if (at == DEPTH) {
                return;
            }
            int last = Math.min(size, DEPTH - 1);
            System.arraycopy(names, at, names, at + 1, last - at);
            System.arraycopy(scores, at, scores, at + 1, last - at);
            names[at] = node;
            scores[at] = score;
            size = last + 1;
        }

        boolean contains(String node) {
            for (int i = 0; i < size; i++) {
                if (names[i].equals(node)) {
                    return true;
                }
            }
            return false;
        }

        /** Higher unsigned score first; equal scores, the name that sorts first ({@link RendezvousHash#highest}). */
        private static boolean ranksBefore(String node, long score, String other, long otherScore) {
            int order = Long.compareUnsigned(score, otherScore);
            return order > 0 || (order == 0 && node.compareTo(other) < 0);
        }
    }

    /** Brings the rankings to these nodes and VIPs: those gone are forgotten, those new are scored. */
    public void cover(Collection<String> nodeNames, Collection<IpAddress> vips) {
        Set<String> now = new HashSet<>(nodeNames);
        Set<IpAddress> vipsNow = new HashSet<>(vips);
        byVip.keySet().retainAll(vipsNow);
        boolean deleted = nodes.retainAll(now);
        if (deleted) {
            // A node deleted from a VIP's first ones leaves a place only a full ranking can fill.
            byVip.replaceAll((vip, ranking) -> stillWhole(ranking) ? ranking : rank(ranking.address));
        }
        for (String node : now) {
            if (nodes.add(node)) {
                byVip.values().forEach(ranking -> ranking.offer(node, hash.score(node, ranking.address)));
            }
        }
        for (IpAddress vip : vipsNow) {
            byVip.computeIfAbsent(vip, v -> rank(v.bytes()));
        }
    }

    /**
     * The hash's pick among {@code candidates} for {@code vip}: the first of them in its
     * ranking. Every candidate must be a covered node; {@code candidateSet} holds the same names.
     */
    String pick(IpAddress vip, List<String> candidates, Set<String> candidateSet) {
        Ranking ranking = byVip.get(vip);
        if (ranking != null) {
            for (int i = 0; i < ranking.size; i++) {
                if (candidateSet.contains(ranking.names[i])) {
                    return ranking.names[i];
                }
            }
        }
        return hash.pick(vip, candidates);
    }

    /** The hash's pick among every covered node, or empty for a VIP not covered or no node at all. */
    Optional<String> first(IpAddress vip) {
        Ranking ranking = byVip.get(vip);
        return ranking == null || ranking.size == 0 ? Optional.empty() : Optional.of(ranking.names[0]);
    }

    private boolean stillWhole(Ranking ranking) {
        int kept = 0;
        for (int i = 0; i < ranking.size; i++) {
            if (nodes.contains(ranking.names[i])) {
                ranking.names[kept] = ranking.names[i];
                ranking.scores[kept] = ranking.scores[i];
                kept++;
            }
        }
        boolean whole = kept == ranking.size;
        ranking.size = kept;
        return whole || kept == nodes.size();
    }

    private Ranking rank(byte[] address) {
        Ranking ranking = new Ranking(address);
        for (String node : nodes) {
            ranking.offer(node, hash.score(node, address));
        }
        return ranking;
    }
}
