package io.herald.speaker.announce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.herald.common.ip.IpAddress;
import org.junit.jupiter.api.Test;

class SolicitedNodeGroupsTest {
    @Test
    void theGroupIsTheVipsLast24BitsUnderFf02_1_ff() {
        assertEquals(IpAddress.parse("ff02::1:ff00:100"), SolicitedNodeGroups.groupOf(IpAddress.parse("2001:db8::100")));
        assertEquals(IpAddress.parse("ff02::1:ff56:789a"), SolicitedNodeGroups.groupOf(IpAddress.parse("2001:db8::1:2:3456:789a")));
        assertEquals(IpAddress.parse("ff02::1:ffff:ffff"), SolicitedNodeGroups.groupOf(IpAddress.parse("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
    }

    @Test
    void ipv4HasNoSolicitedNodeGroup() {
        assertThrows(IllegalArgumentException.class, () -> SolicitedNodeGroups.groupOf(IpAddress.parse("198.18.0.100")));
    }
}
