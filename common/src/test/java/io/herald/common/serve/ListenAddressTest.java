package io.herald.common.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ListenAddressTest {
    @Test
    void portAloneMeansEveryInterface() {
        InetSocketAddress address = ListenAddress.parse("--listen-address", ":7472");
        assertEquals(7472, address.getPort());
        assertTrue(address.getAddress().isAnyLocalAddress());
    }

    @Test
    void hostAndPortAndBracketedIpv6() {
        assertEquals(new InetSocketAddress("127.0.0.1", 9000), ListenAddress.parse("--listen-address", "127.0.0.1:9000"));
        assertEquals(new InetSocketAddress("::1", 9000), ListenAddress.parse("--listen-address", "[::1]:9000"));
    }

    @Test
    void errorsNameTheOptionAndTheFix() {
        var noPort = assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse("--listen-address", "127.0.0.1"));
        assertEquals("--listen-address: \"127.0.0.1\" has no port; write HOST:PORT or :PORT, e.g. :7472", noPort.getMessage());
        var badPort = assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse("--listen-address", ":70000"));
        assertEquals("--listen-address: \"70000\" is not a port number (0-65535)", badPort.getMessage());
    }

    /** Where a peer listens, as its Lease says: literals only, written back the same way. */
    @Test
    void ipLiteralsOnlyAndTheSameFormBack() {
        for (String text : new String[] {"198.18.0.11:7474", "[2001:db8::11]:7474"}) {
            assertEquals(text, ListenAddress.format(ListenAddress.parseIp("the Lease", text)));
        }
        var name = assertThrows(IllegalArgumentException.class, () -> ListenAddress.parseIp("the Lease", "node-1.example:7474"));
        assertTrue(name.getMessage().contains("node-1.example"), name.getMessage());
        var zero = assertThrows(IllegalArgumentException.class, () -> ListenAddress.parseIp("the Lease", "198.18.0.11:0"));
        assertTrue(zero.getMessage().startsWith("the Lease: "), zero.getMessage());
    }
}
