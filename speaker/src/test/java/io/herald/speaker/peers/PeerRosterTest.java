package io.herald.speaker.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.common.Annotations;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PeerRosterTest {
    final PeerLiveness liveness = new PeerLiveness("n1", 1, 500_000_000L);
    final PeerRoster roster = new PeerRoster(liveness);

    @Test
    void readsWhereEachMemberHearsAndFromWhichIncarnationOn() {
        roster.seen("n2", Map.of(Annotations.HEARTBEAT_ADDRESS, "198.18.0.12:7474", Annotations.INCARNATION, "20"));
        roster.seen("n3", Map.of(Annotations.HEARTBEAT_ADDRESS, "[2001:db8::13]:7474"));
        assertEquals(Optional.of(new InetSocketAddress("198.18.0.12", 7474)), roster.address("n2"));
        assertEquals(Optional.of(new InetSocketAddress("2001:db8::13", 7474)), roster.address("n3"));
        assertEquals(Optional.of(HeartbeatDrop.OLD_INCARNATION), liveness.heard(beat("n2", 19), 0), "older than its Lease says");
        assertEquals(Optional.empty(), liveness.heard(beat("n2", 20), 0));
        assertEquals(Optional.empty(), liveness.heard(beat("n3", 1), 0), "a Lease naming no incarnation accepts any");
        roster.deleted("n3");
        assertEquals(Optional.empty(), roster.address("n3"));
        assertEquals(Optional.of(HeartbeatDrop.UNKNOWN_NODE), liveness.heard(beat("n3", 2), 0), "left the roster");
    }

    /** What another process wrote is not trusted: a name to look up, no port, a bad number. */
    @Test
    void aLeaseSayingSomethingElseLeavesThatNodeOnTheLeaseRule() {
        for (String bad : List.of("node-2.example:7474", "198.18.0.12", "198.18.0.12:0", "198.18.0.12:99999", "")) {
            roster.seen("n2", Map.of(Annotations.HEARTBEAT_ADDRESS, bad, Annotations.INCARNATION, "x"));
            assertEquals(Optional.empty(), roster.address("n2"), bad);
        }
        assertEquals(Optional.empty(), liveness.heard(beat("n2", 1), 0), "still a member; any incarnation");
        roster.seen("n2", null);
        assertEquals(Optional.empty(), roster.address("n2"));
    }

    private static Heartbeat beat(String node, long incarnation) {
        return new Heartbeat(node, incarnation, 1, false, 0, 0, List.of());
    }
}
