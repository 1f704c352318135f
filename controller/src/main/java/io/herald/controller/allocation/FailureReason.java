package io.herald.controller.allocation;

import java.util.Locale;

/** Why a Service got no address; {@link #label()} is the metrics label. */
public enum FailureReason {
    /** The config has no address pools at all. */
    NO_POOLS,
    /** Every pool has {@code auto-assign: false} and the Service named none. */
    NO_AUTO_ASSIGN_POOL,
    /** {@code herald.io/address-pool} names a pool that does not exist. */
    NO_POOL_NAMED,
    /** The pool's {@code namespaces} leave out the Service's namespace. */
    NAMESPACE_NOT_ALLOWED,
    /** No usable pool has the family (or, for RequireDualStack, both families) the Service needs. */
    NO_POOL_FOR_FAMILY,
    /** Every usable pool's addresses of a needed family are taken and none can be shared. */
    POOL_EXHAUSTED,
    /** A requested address lies outside every pool. */
    NOT_IN_ANY_POOL,
    /** A requested address lies in another pool than the requested one. */
    NOT_IN_REQUESTED_POOL,
    /** The requested (or claimed) addresses lie in different pools. */
    DIFFERENT_POOLS,
    /** A requested address is an IPv4 .0 or .255 of a pool with {@code avoid-buggy-ips}. */
    AVOIDED_IP,
    /** More than one address of one family. */
    TOO_MANY_IPS,
    /** An address of a family the Service does not have, or a needed family missing. */
    FAMILY_MISMATCH,
    /** The address is held by a Service that does not share it with this one (sharing keys). */
    IP_IN_USE,
    /** The address is shared under the same key, but a (protocol, port) is taken there. */
    PORT_CONFLICT,
    /** The address is shared under the same key, but the traffic policies differ. */
    TRAFFIC_POLICY_CONFLICT,
    /** Claim only: the Service now requests other addresses than the ones it holds. */
    OTHER_IP_REQUESTED;

    /** Lower case, as Prometheus label values usually are: {@code pool_exhausted}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
