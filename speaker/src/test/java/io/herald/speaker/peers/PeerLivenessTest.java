package io.herald.speaker.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.ip.IpAddress;
import io.herald.speaker.peers.PeerLiveness.Basis;
import io.herald.speaker.peers.PeerLiveness.Verdict;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The liveness rule, three speakers on a simulated wire whose frames go through the real
 * codec. Each scenario asserts what matters to a user: the speakers that may announce
 * agree on who is live, so one VIP never has two owners and never none while a node can serve.
 */
class PeerLivenessTest {
    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long INTERVAL = 100 * MS;
    static final long TIMEOUT = 500 * MS;

    final Wire wire = new Wire("n1", "n2", "n3");

    @Test
    void everyoneHearsEveryone() {
        wire.run(300 * MS);
        for (String node : wire.names()) {
            Verdict v = wire.verdict(node);
            assertEquals(Set.of("n1", "n2", "n3"), v.live(), node);
            assertTrue(v.basis().values().stream().allMatch(b -> b == Basis.HEARD), node + ": " + v.basis());
            assertTrue(v.announceUntilNanos() - wire.now > 0, "may announce on this view");
        }
        assertEquals(Set.of("n2", "n3"), wire.nodes.get("n1").roundTrips().keySet());
        assertEquals(2, wire.nodes.get("n1").heardCount(wire.now));
    }

    @Test
    void aSilentNodeIsDeadWithinTheTimeoutAndARound() {
        wire.run(300 * MS);
        wire.down.add("n3");
        wire.run(TIMEOUT - INTERVAL);
        assertEquals(Set.of("n1", "n2", "n3"), wire.verdict("n1").live(), "not before the timeout");
        wire.run(2 * INTERVAL);
        assertEquals(Set.of("n1", "n2"), wire.verdict("n1").live());
        assertEquals(Set.of("n1", "n2"), wire.verdict("n2").live());
        assertEquals(Basis.SILENT, wire.verdict("n1").basis().get("n3"));
    }

    /** Works with no API server at all: Leases stale everywhere, nobody's own Lease fresh. */
    @Test
    void heartbeatsAloneKeepEveryoneLiveWhenTheApiServerIsGone() {
        wire.leaseLive.clear();
        wire.ownLeaseFresh = false;
        wire.run(1_000 * MS);
        for (String node : wire.names()) {
            assertEquals(Set.of("n1", "n2", "n3"), wire.verdict(node).live(), node);
        }
        wire.down.add("n2");
        wire.run(TIMEOUT + 2 * INTERVAL);
        assertEquals(Set.of("n1", "n3"), wire.verdict("n1").live());
        assertEquals(Set.of("n1", "n3"), wire.verdict("n3").live());
    }

    /** Acceptance 5 of issue 10: n1's outgoing heartbeats dropped, its ARP untouched. */
    @Test
    void aNodeNobodyHearsCountsItselfOut() {
        wire.run(300 * MS);
        wire.drop.add("n1>n2");
        wire.drop.add("n1>n3");
        wire.run(TIMEOUT + 2 * INTERVAL);
        assertEquals(Set.of("n2", "n3"), wire.verdict("n2").live());
        assertEquals(Set.of("n2", "n3"), wire.verdict("n3").live());
        Verdict own = wire.verdict("n1");
        assertEquals(Basis.SILENT, own.basis().get("n1"), "its Lease is fresh, yet the others count it out");
        assertEquals(Long.MIN_VALUE, own.announceUntilNanos());
        wire.drop.clear();
        wire.run(2 * INTERVAL);
        assertEquals(Set.of("n1", "n2", "n3"), wire.verdict("n1").live(), "back when it is heard again");
        assertEquals(Set.of("n1", "n2", "n3"), wire.verdict("n2").live());
    }

    @Test
    void aDeafNodeCountsItselfOutAndSoDoTheOthers() {
        wire.run(300 * MS);
        wire.drop.add("n2>n1");
        wire.drop.add("n3>n1");
        wire.run(TIMEOUT + 2 * INTERVAL);
        assertEquals(Basis.DEAF, wire.verdict("n1").basis().get("n1"));
        assertTrue(!wire.verdict("n1").live().contains("n1"));
        assertEquals(Set.of("n2", "n3"), wire.verdict("n2").live());
        assertEquals(Basis.DEAF, wire.verdict("n2").basis().get("n1"));
        assertEquals(Set.of("n2", "n3"), wire.verdict("n3").live());
    }

    /** n1 → n2 lost only: n2 learns from n3 that n1 is there, so all three keep one view. */
    @Test
    void lossOneWayBetweenTwoNodesChangesNobodysView() {
        wire.run(300 * MS);
        wire.drop.add("n1>n2");
        wire.run(2_000 * MS);
        for (String node : wire.names()) {
            assertEquals(Set.of("n1", "n2", "n3"), wire.verdict(node).live(), node);
        }
    }

    /** Issue 14: a process frozen for 5 s must not answer on what it knew before the pause. */
    @Test
    void aFrozenNodeMayNotAnnounceWhenItWakesUntilItIsHeardAgain() {
        wire.run(300 * MS);
        Verdict before = wire.verdict("n1");
        assertTrue(before.announceUntilNanos() - wire.now <= TIMEOUT);
        wire.frozen.add("n1");
        wire.run(5_000 * MS);
        assertEquals(Set.of("n2", "n3"), wire.verdict("n2").live());
        assertTrue(wire.now - before.announceUntilNanos() > 0, "what it was allowed before the pause has run out");
        wire.thaw("n1"); // reads every frame queued while it was stopped, before it sends anything
        Verdict woke = wire.verdict("n1");
        assertTrue(!woke.live().contains("n1"), "queued heartbeats do not confirm a frozen node: " + woke.basis());
        assertEquals(Long.MIN_VALUE, woke.announceUntilNanos());
        wire.run(3 * INTERVAL);
        assertEquals(Set.of("n1", "n2", "n3"), wire.verdict("n1").live());
        assertEquals(Set.of("n1", "n2", "n3"), wire.verdict("n3").live());
    }

    /**
     * Woken from a pause it hears nobody yet and, in its own view, nobody renewed a Lease
     * meanwhile; its own Lease may still be fresh. That is no reason to serve: it waits to hear.
     */
    @Test
    void aFrozenNodeWithAFreshLeaseStillWaitsToBeHeard() {
        wire.run(300 * MS);
        wire.frozen.add("n1");
        wire.run(5_000 * MS);
        wire.frozen.remove("n1");
        wire.queued.clear(); // the socket buffer overflowed: nothing from the others to read
        wire.renewing.clear();
        Verdict woke = wire.verdict("n1");
        assertTrue(!woke.live().contains("n1"), "not live on its Lease the moment it wakes: " + woke.basis());
        wire.nodes.get("n1").round(wire.now, false); // its first round after the pause
        assertTrue(!wire.verdict("n1").live().contains("n1"), "nor after its first round");
        wire.run(3 * INTERVAL);
        assertEquals(Set.of("n1", "n2", "n3"), wire.verdict("n1").live(), "live again once the others confirm it");
    }

    /**
     * A speaker that starts cannot know which VIPs the others hold until it has heard each of
     * them once: it announces nothing before, or before a timeout after its Lease is fresh.
     */
    @Test
    void aStartingNodeJoinsOnceItHasHeardEveryPeerThatRunsHeartbeats() {
        assertEquals(Basis.JOINING, wire.verdict("n1").basis().get("n1"), "heard nobody yet");
        assertTrue(!wire.verdict("n1").live().contains("n1"));
        assertEquals(Long.MIN_VALUE, wire.verdict("n1").announceUntilNanos());
        wire.drop.add("n3>n1");
        wire.run(2 * INTERVAL);
        assertEquals(Basis.JOINING, wire.verdict("n1").basis().get("n1"), "n3 not heard yet");
        assertEquals(Set.of("n2", "n3"), wire.verdict("n1").live(), "it still judges the others");
        wire.drop.clear();
        wire.run(INTERVAL);
        assertEquals(Basis.HEARD, wire.verdict("n1").basis().get("n1"));

        // A peer that never answers (dead, its Lease not run out yet) delays it by the timeout at most.
        PeerLiveness late = new PeerLiveness("n4", 9, TIMEOUT);
        late.roster(Map.of("n4", 0L, "n5", 0L));
        OptionalLong fresh = OptionalLong.of(wire.now + 6_000 * MS);
        assertEquals(Basis.JOINING, late.verdict(wire.now, Set.of("n4", "n5"), Set.of(), fresh).basis().get("n4"));
        late.round(wire.now + TIMEOUT - MS, false);
        assertEquals(Basis.JOINING, late.verdict(wire.now + TIMEOUT - MS, Set.of("n4", "n5"), Set.of(), fresh)
                .basis().get("n4"));
        assertEquals(Basis.LEASE, late.verdict(wire.now + TIMEOUT, Set.of("n4", "n5"), Set.of(), fresh).basis().get("n4"));

        // Alone, or among speakers without heartbeats, there is nobody to wait for.
        PeerLiveness alone = new PeerLiveness("n6", 9, TIMEOUT);
        alone.roster(Map.of("n6", 0L, "n7", 0L), Set.of("n6"));
        assertEquals(Basis.LEASE, alone.verdict(wire.now, Set.of("n6", "n7"), Set.of(), fresh).basis().get("n6"));
    }

    @Test
    void eachPeerIsKnownToHoldWhatItsLastHeartbeatSaidAndAWokenNodeSaysItHoldsNothing() {
        IpAddress vip = IpAddress.parse("198.18.0.10");
        wire.nodes.get("n2").holding(List.of(vip));
        wire.run(2 * INTERVAL);
        assertEquals(Map.of("n1", Set.of(), "n3", Set.of()), wire.nodes.get("n2").holdings());
        assertEquals(Set.of(vip), wire.nodes.get("n1").holdings().get("n2"));
        assertEquals(Set.of(vip), wire.nodes.get("n3").holdings().get("n2"));

        wire.frozen.add("n2");
        wire.run(2_000 * MS);
        wire.thaw("n2");
        wire.run(INTERVAL);
        assertEquals(Set.of(), wire.nodes.get("n1").holdings().get("n2"),
                "its first rounds after a pause hold nothing: it announced nothing while it was gone");
    }

    @Test
    void aNodeThatSaysItLeavesIsDroppedAtOnce() {
        wire.run(300 * MS);
        wire.leave("n3");
        assertEquals(Basis.LEFT, wire.verdict("n1").basis().get("n3"));
        assertEquals(Set.of("n1", "n2"), wire.verdict("n1").live());
    }

    /** An older speaker, or a port a firewall blocks: the Lease rule, as before heartbeats. */
    @Test
    void aPeerNeverHeardKeepsTheLeaseRule() {
        wire.down.add("n3");
        wire.run(1_000 * MS);
        assertEquals(Basis.LEASE, wire.verdict("n1").basis().get("n3"));
        assertEquals(Set.of("n1", "n2", "n3"), wire.verdict("n1").live());
        wire.leaseLive.remove("n3");
        assertEquals(Basis.EXPIRED, wire.verdict("n1").basis().get("n3"));
        assertEquals(Set.of("n1", "n2"), wire.verdict("n2").live());
    }

    /**
     * Two of three lost at once (or one of two): the survivor cannot tell that from its own
     * deafness, so it waits until their Leases stop being renewed, then serves on its own Lease.
     */
    @Test
    void theLastSurvivorWaitsUntilTheOthersStopRenewing() {
        wire.run(300 * MS);
        wire.down.add("n2");
        wire.down.add("n3");
        wire.run(TIMEOUT + 2 * INTERVAL);
        assertEquals(Set.of(), wire.verdict("n1").live(), "they still renew: it may be the deaf one");
        wire.renewing.removeAll(Set.of("n2", "n3"));
        assertEquals(Set.of("n1"), wire.verdict("n1").live());
        assertEquals(Basis.LEASE, wire.verdict("n1").basis().get("n1"));
    }

    /** Deaf, with the API server answering: the others still renew, so it keeps out, and never answers beside them. */
    @Test
    void aDeafNodeStaysOutWhileTheOthersRenew() {
        wire.run(300 * MS);
        wire.drop.add("n2>n1");
        wire.drop.add("n3>n1");
        wire.run(10_000 * MS);
        assertTrue(!wire.verdict("n1").live().contains("n1"));
        assertEquals(Set.of("n2", "n3"), wire.verdict("n2").live());
    }

    @Test
    void onlyMembersFreshFramesAreBelieved() {
        PeerLiveness n1 = new PeerLiveness("n1", 10, TIMEOUT);
        n1.roster(Map.of("n1", 0L, "n2", 5L));
        long t = 0;
        assertEquals(Optional.of(HeartbeatDrop.UNKNOWN_NODE), n1.heard(beat("n9", 7, 1), t));
        assertEquals(Optional.of(HeartbeatDrop.OWN_NODE), n1.heard(beat("n1", 10, 1), t));
        assertEquals(Optional.of(HeartbeatDrop.OLD_INCARNATION), n1.heard(beat("n2", 4, 1), t), "older than its Lease says");
        assertEquals(Optional.empty(), n1.heard(beat("n2", 5, 1), t));
        assertEquals(Optional.of(HeartbeatDrop.REPLAYED), n1.heard(beat("n2", 5, 1), t));
        assertEquals(Optional.empty(), n1.heard(beat("n2", 5, 2), t));
        assertEquals(Optional.empty(), n1.heard(beat("n2", 6, 1), t), "restarted: a new incarnation starts over");
        assertEquals(Optional.of(HeartbeatDrop.OLD_INCARNATION), n1.heard(beat("n2", 5, 3), t));
        n1.roster(Map.of("n1", 0L));
        n1.roster(Map.of("n1", 0L, "n2", 0L));
        assertEquals(Optional.of(HeartbeatDrop.OLD_INCARNATION), n1.heard(beat("n2", 5, 9), t),
                "a node that left and came back does not make old frames good");
        n1.roster(Map.of("n1", 0L, "n2", 8L));
        assertEquals(Optional.of(HeartbeatDrop.OLD_INCARNATION), n1.heard(beat("n2", 6, 2), t), "its Lease says it restarted");
    }

    /** A frame that would take n2 out at once (leaving), if it were believed: forged, replayed, or from n2's past. */
    @Test
    void aDroppedFrameChangesNoVerdict() {
        wire.run(300 * MS);
        Verdict before = wire.verdict("n1");
        PeerLiveness n1 = wire.nodes.get("n1");
        HeartbeatCodec forger = new HeartbeatCodec("not-the-cluster-key-0000".getBytes(StandardCharsets.US_ASCII));
        byte[] forged = forger.encode(new Heartbeat("n2", Long.MAX_VALUE, Long.MAX_VALUE, true, 0, 0, List.of()));
        assertEquals(HeartbeatDrop.BAD_MAC, ((HeartbeatCodec.Dropped) wire.codec.decode(forged, forged.length)).reason());
        long n2 = 2; // the Wire numbers incarnations n1 = 1, n2 = 2, ...
        assertEquals(Optional.of(HeartbeatDrop.REPLAYED), n1.heard(new Heartbeat("n2", n2, 1, true, 0, 0, List.of()), wire.now));
        assertEquals(Optional.of(HeartbeatDrop.OLD_INCARNATION),
                n1.heard(new Heartbeat("n2", n2 - 1, Long.MAX_VALUE, true, 0, 0, List.of()), wire.now));
        assertTrue(before.sameAs(wire.verdict("n1")), before + " then " + wire.verdict("n1"));
        assertEquals(Basis.HEARD, wire.verdict("n1").basis().get("n2"));
    }

    static Heartbeat beat(String node, long incarnation, long sequence) {
        return new Heartbeat(node, incarnation, sequence, false, 0, 0, List.of());
    }

    /** Speakers exchanging rounds every 100 ms on a simulated clock, through the real codec. */
    static final class Wire {
        final Map<String, PeerLiveness> nodes = new LinkedHashMap<>();
        final HeartbeatCodec codec = new HeartbeatCodec(HeartbeatCodecTest.KEY);
        final Set<String> down = new HashSet<>();
        final Set<String> frozen = new HashSet<>();
        final Set<String> drop = new HashSet<>();
        final Set<String> leaseLive = new HashSet<>();
        final Set<String> renewing = new HashSet<>();
        final Map<String, List<byte[]>> queued = new HashMap<>();
        boolean ownLeaseFresh = true;
        long now = -5_000 * MS; // System.nanoTime() may be negative

        Wire(String... names) {
            Map<String, Long> roster = new HashMap<>();
            for (String name : names) {
                roster.put(name, 0L);
                leaseLive.add(name);
                renewing.add(name);
            }
            long incarnation = 1;
            for (String name : names) {
                PeerLiveness node = new PeerLiveness(name, incarnation++, TIMEOUT);
                node.roster(roster);
                nodes.put(name, node);
            }
        }

        Set<String> names() {
            return nodes.keySet();
        }

        Verdict verdict(String node) {
            return nodes.get(node).verdict(now, leaseLive, renewing,
                    ownLeaseFresh ? OptionalLong.of(now + 6_000 * MS) : OptionalLong.empty());
        }

        void run(long nanos) {
            long end = now + nanos;
            while (end - now > 0) {
                now += INTERVAL;
                nodes.forEach((name, node) -> {
                    if (!down.contains(name) && !frozen.contains(name)) {
                        send(name, node.round(now, false));
                    }
                });
                nodes.forEach((name, node) -> verdict(name)); // as the speaker's tick does
            }
        }

        void leave(String name) {
            send(name, nodes.get(name).round(now, true));
        }

        void thaw(String name) {
            frozen.remove(name);
            for (byte[] frame : queued.getOrDefault(name, new ArrayList<>())) {
                deliver(name, frame);
            }
            queued.remove(name);
        }

        private void send(String from, List<PeerLiveness.Outgoing> round) {
            for (PeerLiveness.Outgoing out : round) {
                if (down.contains(out.peer()) || drop.contains(from + ">" + out.peer())) {
                    continue;
                }
                byte[] frame = codec.encode(out.heartbeat());
                if (frozen.contains(out.peer())) {
                    queued.computeIfAbsent(out.peer(), k -> new ArrayList<>()).add(frame);
                } else {
                    deliver(out.peer(), frame);
                }
            }
        }

        private void deliver(String to, byte[] frame) {
            var result = codec.decode(frame, frame.length);
            Heartbeat beat = ((HeartbeatCodec.Frame) result).heartbeat();
            assertEquals(Optional.empty(), nodes.get(to).heard(beat, now), "a frame from " + beat.node() + " to " + to);
        }
    }
}
