package io.herald.controller.allocation;

import io.herald.common.ip.IpAddress;
import java.util.List;
import java.util.Objects;

/**
 * The addresses a Service holds, all from one pool.
 *
 * @param ips one per family, in the order of the Service's families
 */
public record Allocation(ServiceKey service, String pool, List<IpAddress> ips) {
    public Allocation {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(pool, "pool");
        ips = List.copyOf(ips);
    }
}
