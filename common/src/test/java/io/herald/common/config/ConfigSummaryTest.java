package io.herald.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.common.ip.IpRange;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigSummaryTest {
    private static AddressPool pool(String name, boolean autoAssign, boolean avoidBuggyIps, String... ranges) {
        return new AddressPool(name, List.of(ranges).stream().map(IpRange::parse).sorted().toList(), autoAssign, avoidBuggyIps,
                List.of(), List.of(), List.of());
    }

    @Test
    void namesEachPoolWithWhatItCanHandOut() {
        Config config = new Config(List.of(
                pool("default", true, false, "198.18.0.100-198.18.0.150", "2001:db8::100/124"),
                pool("edge", false, true, "198.18.1.0/28")));
        assertEquals("2 pools: default (51 IPv4, 16 IPv6), edge (15 IPv4, auto-assign off)", ConfigSummary.of(config));
    }

    @Test
    void largeIpv6PoolsReadAsPowersOfTwo() {
        assertEquals("1 pool: v6 (2^64 IPv6)", ConfigSummary.of(new Config(List.of(pool("v6", true, false, "2001:db8::/64")))));
        assertEquals("1 pool: v6 (over 2^64 IPv6)",
                ConfigSummary.of(new Config(List.of(pool("v6", true, false, "2001:db8::/64", "2001:db8:1::1")))));
        assertEquals("1 pool: v4 (2^32 IPv4)",
                ConfigSummary.of(new Config(List.of(pool("v4", true, false, "0.0.0.0/0")))));
    }

    @Test
    void noPoolsSaysWhatThatMeans() {
        assertEquals("no address pools; Services of type LoadBalancer stay pending until you add one", ConfigSummary.of(Config.EMPTY));
    }
}
