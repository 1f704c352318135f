package io.herald.speaker.ownership;

import static io.herald.speaker.ownership.Fixtures.cluster;
import static io.herald.speaker.ownership.Fixtures.config;
import static io.herald.speaker.ownership.Fixtures.documentedWinner;
import static io.herald.speaker.ownership.Fixtures.ip;
import static io.herald.speaker.ownership.Fixtures.local;
import static io.herald.speaker.ownership.Fixtures.pool;
import static io.herald.speaker.ownership.Fixtures.ready;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.config.Config;
import io.herald.common.ip.IpAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A VIP stays where it is: speakers that tell each other (in their heartbeats) which VIPs
 * they hold against the hash, stepped through the moves a cluster lives through. Each step
 * the live speakers decide from what each said after the step before, as on the wire; what
 * a user would check is how many VIPs moved, and where to.
 */
class OwnershipHoldingTest {
    static final Config CONFIG = config(pool("default", "198.18.0.0/24"));
    static final List<NodeInfo> NODES = List.of(ready("n1"), ready("n2"), ready("n3"));
    static final List<LoadBalancerService> SERVICES = IntStream.rangeClosed(1, 60)
            .mapToObj(i -> cluster("shop/s" + i, "198.18.0." + i)).toList();

    /** Speakers deciding in rounds; each one's word is what it held after the last round. */
    static final class Speakers {
        final Set<String> following;
        final Map<String, List<IpAddress>> held = new TreeMap<>();
        Map<IpAddress, String> owners = Map.of();

        Speakers(Set<String> following) {
            this.following = following;
        }

        /**
         * One round: the live speakers decide from what each said after the round before (all
         * hear the same heartbeats, so all decide the same), and each says what it holds now.
         */
        Map<IpAddress, String> round(List<NodeInfo> nodes, Set<String> live, List<LoadBalancerService> services) {
            held.keySet().retainAll(live); // a node that was gone comes back holding nothing
            Map<String, Set<IpAddress>> said = new HashMap<>();
            following.forEach(n -> said.put(n, Set.copyOf(held.getOrDefault(n, List.of()))));
            Ownership view = Ownership.decide(CONFIG, nodes, live, services, new Holdings(said));
            held.clear();
            for (String speaker : live) {
                if (following.contains(speaker)) {
                    held.put(speaker, Ownership.heldAgainstHash(speaker, view.announcedBy(speaker), nodes, 256));
                }
            }
            Map<IpAddress, String> now = new TreeMap<>();
            view.decisions().keySet().forEach(vip -> view.owner(vip).ifPresent(o -> now.put(vip, o)));
            owners = now;
            return now;
        }

        /** Rounds until nothing changes (at most 5); the owners then. */
        Map<IpAddress, String> settle(List<NodeInfo> nodes, Set<String> live, List<LoadBalancerService> services) {
            Map<IpAddress, String> before = null;
            for (int i = 0; i < 5; i++) {
                Map<IpAddress, String> now = round(nodes, live, services);
                if (now.equals(before)) {
                    return now;
                }
                before = now;
            }
            throw new AssertionError("the speakers did not settle in 5 rounds");
        }
    }

    static Set<IpAddress> moved(Map<IpAddress, String> before, Map<IpAddress, String> after) {
        Set<IpAddress> moved = new TreeSet<>();
        before.forEach((vip, node) -> {
            if (!node.equals(after.get(vip))) {
                moved.add(vip);
            }
        });
        return moved;
    }

    static Set<IpAddress> ownedBy(Map<IpAddress, String> owners, String node) {
        Set<IpAddress> vips = new TreeSet<>();
        owners.forEach((vip, owner) -> {
            if (owner.equals(node)) {
                vips.add(vip);
            }
        });
        return vips;
    }

    @Test
    void aNodeThatReturnsDoesNotPullBackTheVipsThatMovedAway() {
        Speakers speakers = new Speakers(Set.of("n1", "n2", "n3"));
        Map<IpAddress, String> start = speakers.settle(NODES, Set.of("n1", "n2", "n3"), SERVICES);
        Set<IpAddress> n1Had = ownedBy(start, "n1");
        assertFalse(n1Had.isEmpty());
        start.forEach((vip, node) -> assertEquals(documentedWinner(vip, Set.of("n1", "n2", "n3")), node,
                "with nothing held, the hash decides: " + vip));

        Map<IpAddress, String> lost = speakers.settle(NODES, Set.of("n2", "n3"), SERVICES);
        assertEquals(n1Had, moved(start, lost), "n1's VIPs move, and only they");

        Map<IpAddress, String> back = speakers.settle(NODES, Set.of("n1", "n2", "n3"), SERVICES);
        assertEquals(Set.of(), moved(lost, back), "n1 returns: nothing moves back");
        assertTrue(speakers.held.get("n2").size() + speakers.held.get("n3").size() >= n1Had.size(),
                "n2 and n3 say they hold n1's former VIPs: " + speakers.held);

        // New Services still go by the hash, so the returned node gets its share of them.
        List<LoadBalancerService> more = new ArrayList<>(SERVICES);
        IntStream.rangeClosed(101, 160).forEach(i -> more.add(cluster("shop/new" + i, "198.18.0." + i)));
        Map<IpAddress, String> grown = speakers.settle(NODES, Set.of("n1", "n2", "n3"), more);
        assertEquals(Set.of(), moved(back, grown), "adding Services moves none of the old");
        assertFalse(ownedBy(grown, "n1").isEmpty(), "n1 takes new VIPs by the hash");
    }

    @Test
    void aRollingRestartMovesEachVipAtMostOnceForEveryNodeThatHeldIt() {
        Speakers speakers = new Speakers(Set.of("n1", "n2", "n3"));
        Set<String> all = Set.of("n1", "n2", "n3");
        Map<IpAddress, String> owners = speakers.settle(NODES, all, SERVICES);
        int moves = 0;
        for (String restarted : List.of("n1", "n2", "n3")) {
            Set<String> others = new HashSet<>(all);
            others.remove(restarted);
            Map<IpAddress, String> away = speakers.settle(NODES, others, SERVICES);
            assertEquals(ownedBy(owners, restarted), moved(owners, away), restarted + " stops: only its VIPs move");
            moves += moved(owners, away).size();
            owners = speakers.settle(NODES, all, SERVICES);
            assertEquals(Set.of(), moved(away, owners), restarted + " is back: nothing moves");
        }
        System.out.printf("rolling restart of 3 speakers, %d VIPs: %d moves (the hash alone would make %d); owned now %s%n",
                SERVICES.size(), moves, 2 * SERVICES.size(), countByNode(owners));
        assertTrue(moves <= 2 * SERVICES.size(), "each VIP moved at most twice: " + moves);
        assertTrue(ownedBy(owners, "n3").isEmpty(), "the trade-off: the node restarted last holds nothing until"
                + " new VIPs come or a holder goes: " + countByNode(owners));
    }

    @Test
    void twoHoldersAfterAPartitionHealsSettleOnOneOfThemInOneRound() {
        IpAddress vip = ip("198.18.0.7");
        List<LoadBalancerService> one = List.of(cluster("shop/web", "198.18.0.7"));
        String first = first(vip);
        List<String> rest = allBut(first);
        // Both others took the VIP while cut off from each other: each says it holds it.
        Speakers speakers = new Speakers(Set.of("n1", "n2", "n3"));
        speakers.held.put(rest.get(0), List.of(vip));
        speakers.held.put(rest.get(1), List.of(vip));
        Map<IpAddress, String> healed = speakers.round(NODES, Set.of("n1", "n2", "n3"), one);
        assertEquals(documentedWinner(vip, rest), healed.get(vip), "the hash picks between the two holders");
        assertEquals(Map.of(rest.get(0), healed.get(vip).equals(rest.get(0)) ? List.of(vip) : List.of(),
                rest.get(1), healed.get(vip).equals(rest.get(1)) ? List.of(vip) : List.of(), first, List.of()),
                speakers.held, "the other gives it up; the hash's own pick does not take it");
        assertEquals(healed, speakers.round(NODES, Set.of("n1", "n2", "n3"), one), "and it stays");
    }

    @Test
    void aHolderThatCannotServeTheVipAnyMoreGivesItToTheHashPickOfThoseThatCan() {
        IpAddress vip = ip("198.18.0.9");
        String first = first(vip);
        List<String> rest = allBut(first);
        String holder = documentedWinner(vip, rest);
        String third = rest.get(0).equals(holder) ? rest.get(1) : rest.get(0);
        Speakers speakers = new Speakers(Set.of("n1", "n2", "n3"));
        speakers.held.put(holder, List.of(vip));
        Map<IpAddress, String> held = speakers.round(NODES, Set.of("n1", "n2", "n3"),
                List.of(local("shop/web", Set.of("n1", "n2", "n3"), "198.18.0.9")));
        assertEquals(holder, held.get(vip), "held");
        Map<IpAddress, String> moved = speakers.round(NODES, Set.of("n1", "n2", "n3"),
                List.of(local("shop/web", Set.of(first, third), "198.18.0.9")));
        assertEquals(documentedWinner(vip, Set.of(first, third)), moved.get(vip),
                "its endpoint left the holder (externalTrafficPolicy: Local): the hash picks among the nodes with one");
    }

    @Test
    void aSpeakerWithoutHeartbeatsTakesItsVipsByTheHashAndTheOthersLetIt() {
        IpAddress vip = ip("198.18.0.11");
        String first = first(vip);
        List<String> rest = allBut(first);
        Set<String> following = new HashSet<>(rest); // the hash's pick runs without heartbeats
        Speakers speakers = new Speakers(following);
        speakers.held.put(rest.get(0), List.of(vip));
        Map<IpAddress, String> owners = speakers.round(NODES, Set.of("n1", "n2", "n3"),
                List.of(cluster("shop/web", "198.18.0.11")));
        assertEquals(first, owners.get(vip), "it cannot know what others hold, so it takes it; they defer");
    }

    @Test
    void aNewNodeMovesNothingAndGetsNewVips() {
        Speakers speakers = new Speakers(Set.of("n1", "n2", "n3", "n4"));
        Map<IpAddress, String> three = speakers.settle(NODES, Set.of("n1", "n2", "n3"), SERVICES);
        List<NodeInfo> four = new ArrayList<>(NODES);
        four.add(ready("n4"));
        // The Node object appears before its speaker runs: the others then hold what the hash would give it.
        speakers.settle(four, Set.of("n1", "n2", "n3"), SERVICES);
        Map<IpAddress, String> joined = speakers.settle(four, Set.of("n1", "n2", "n3", "n4"), SERVICES);
        assertEquals(Set.of(), moved(three, joined), "a node joining moves nothing");
        List<LoadBalancerService> more = new ArrayList<>(SERVICES);
        IntStream.rangeClosed(101, 140).forEach(i -> more.add(cluster("shop/new" + i, "198.18.0." + i)));
        assertFalse(ownedBy(speakers.settle(four, Set.of("n1", "n2", "n3", "n4"), more), "n4").isEmpty(),
                "new VIPs reach it");
    }

    @Test
    void onlyTheVipsTheHashGivesToAnotherNodeAreSaidToBeHeldAndNoMoreThanTheLimit() {
        List<IpAddress> vips = SERVICES.stream().flatMap(s -> s.vips().stream()).sorted().toList();
        List<IpAddress> held = Ownership.heldAgainstHash("n1", vips, NODES, 1000);
        for (IpAddress vip : vips) {
            assertEquals(!documentedWinner(vip, Set.of("n1", "n2", "n3")).equals("n1"), held.contains(vip), vip.toString());
        }
        assertEquals(held.subList(0, 5), Ownership.heldAgainstHash("n1", vips, NODES, 5), "the first by address");
    }

    /** The hash's pick among n1, n2 and n3, by the documented rule. */
    private static String first(IpAddress vip) {
        return documentedWinner(vip, Set.of("n1", "n2", "n3"));
    }

    private static List<String> allBut(String node) {
        List<String> rest = new ArrayList<>(List.of("n1", "n2", "n3"));
        rest.remove(node);
        return rest;
    }

    private static Map<String, Integer> countByNode(Map<IpAddress, String> owners) {
        Map<String, Integer> count = new TreeMap<>();
        owners.values().forEach(n -> count.merge(n, 1, Integer::sum));
        return count;
    }
}
