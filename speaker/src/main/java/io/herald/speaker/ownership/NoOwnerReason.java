package io.herald.speaker.ownership;

/**
 * Why no node announces a VIP, in the order ownership checks them: the first that
 * applies is the one reported, so the reason names the real obstacle.
 */
public enum NoOwnerReason {
    /** The IP is in no address pool of the current config (the pool was removed or changed). */
    NOT_IN_ANY_POOL,
    /** None of the Services on the IP has a ready endpoint anywhere. */
    NO_READY_ENDPOINT,
    /** No node has both a Node object and a speaker Lease that is live. */
    NO_LIVE_NODE,
    /** Every node with a live speaker is NotReady. */
    NO_READY_NODE,
    /** Every live, Ready node carries {@code node.kubernetes.io/exclude-from-external-load-balancers}. */
    ALL_EXCLUDED,
    /** No live, Ready, not excluded node matches the pool's node-selectors. */
    NO_NODE_MATCHES_POOL,
    /** {@code externalTrafficPolicy: Local}: ready endpoints run only on nodes that may not announce. */
    NO_LOCAL_ENDPOINT
}
