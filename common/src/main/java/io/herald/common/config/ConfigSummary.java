package io.herald.common.config;

import io.herald.common.ip.Family;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** One line that says what a config holds: {@code 2 pools: default (51 IPv4, 16 IPv6), edge (16 IPv4, auto-assign off)}. */
public final class ConfigSummary {
    private ConfigSummary() {}

    private static final BigInteger LARGE = BigInteger.ONE.shiftLeft(32);

    public static String of(Config config) {
        List<AddressPool> pools = config.pools();
        if (pools.isEmpty()) {
            return "no address pools; Services of type LoadBalancer stay pending until you add one";
        }
        return pools.size() + (pools.size() == 1 ? " pool: " : " pools: ")
                + pools.stream().map(ConfigSummary::of).collect(Collectors.joining(", "));
    }

    /** {@code default (51 IPv4, 16 IPv6)}: how many addresses it can hand out, and how. */
    public static String of(AddressPool pool) {
        List<String> facts = new ArrayList<>();
        for (Family family : Family.values()) {
            if (pool.hasFamily(family)) {
                facts.add(count(pool.size(family)) + " " + family);
            }
        }
        if (!pool.autoAssign()) {
            facts.add("auto-assign off");
        }
        return pool.name() + " (" + String.join(", ", facts) + ")";
    }

    /** Exact up to 2^32; IPv6 pools hold more addresses than read well as digits. */
    private static String count(BigInteger size) {
        if (size.compareTo(LARGE) < 0) {
            return size.toString();
        }
        int power = size.bitLength() - 1;
        return (size.bitCount() == 1 ? "" : "over ") + "2^" + power;
    }
}
