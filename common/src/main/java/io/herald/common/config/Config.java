package io.herald.common.config;

import io.herald.common.ip.IpAddress;
import java.util.List;
import java.util.Optional;

/** A validated Herald configuration: address pools in the order the user wrote them. */
public record Config(List<AddressPool> pools) {
    public static final Config EMPTY = new Config(List.of());

    public Config {
        pools = List.copyOf(pools);
    }

    public Optional<AddressPool> pool(String name) {
        return pools.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The pool whose ranges hold the address; pools never overlap, so at most one. */
    public Optional<AddressPool> poolContaining(IpAddress ip) {
        return pools.stream().filter(p -> p.contains(ip)).findFirst();
    }
}
