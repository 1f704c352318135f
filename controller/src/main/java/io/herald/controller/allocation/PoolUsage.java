package io.herald.controller.allocation;

import io.herald.common.ip.Family;
import java.math.BigInteger;

/**
 * How full one family of one pool is, for metrics.
 *
 * @param size  addresses the pool can hand out (without IPv4 .0 and .255 under avoid-buggy-ips);
 *              a BigInteger because an IPv6 /64 pool has 2^64
 * @param inUse addresses held by at least one Service; an address shared by three counts once
 */
public record PoolUsage(String pool, Family family, BigInteger size, long inUse) {
}
