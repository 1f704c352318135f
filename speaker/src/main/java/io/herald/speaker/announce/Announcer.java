package io.herald.speaker.announce;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.l2.DropReason;
import java.util.Set;

/**
 * Makes this node answer for its VIPs on the LAN. The caller says what it wants now;
 * the announcer works out what changed.
 */
public interface Announcer extends AutoCloseable {

    /**
     * Sets the desired state: answer ARP (IPv4) and Neighbor Solicitations (IPv6) for exactly
     * these VIPs on exactly these interfaces, and for nothing else. A pair that is new gets a
     * takeover burst (gratuitous ARP, or unsolicited Neighbor Advertisements with Override)
     * and then a slow refresh; a pair that is gone is no longer answered or announced once
     * this returns. Idempotent and cheap when nothing changed, so call it as often as the
     * ownership is recomputed; interfaces that failed to open are retried from here.
     * Thread-safe.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    void announce(Set<Announcement> wanted);

    /**
     * The same, making the pairs in {@code handOver} (given up to another node that is taking
     * them now) a hand-over: they are still answered, with no gratuitous frames, until the
     * taker claims the VIP on that interface (its gratuitous ARP) or {@link #HAND_OVER_LIMIT}
     * passes, so that clients never meet a moment when nobody answers. IPv6 pairs stop at
     * once: the capture does not see the taker's advertisements.
     */
    default void announce(Set<Announcement> wanted, Set<Announcement> handOver) {
        announce(wanted);
    }

    /**
     * Waits until every hand-over has ended (claimed or timed out), at most {@code patience};
     * true when none is left.
     */
    default boolean awaitHandOvers(java.time.Duration patience) throws InterruptedException {
        return true;
    }

    /** How long a VIP given up is still answered when no taker claims it: about one ARP retransmission. */
    java.time.Duration HAND_OVER_LIMIT = java.time.Duration.ofSeconds(1);

    /** Stops answering everywhere and releases every socket and thread. Idempotent. */
    @Override
    void close();

    /**
     * What the announcer saw and did, for metrics and logs. Called from the announcer's
     * capture and scheduler threads, concurrently; implementations must be thread-safe and
     * quick, and should not throw.
     *
     * <p>For every frame the capture hands to a responder, {@link #requestReceived} is called
     * first and then one of {@link #replySent} or {@link #dropped}; neither only when a reply
     * could not be sent, which is logged.
     */
    interface Listener {
        /** Does nothing: for tests and for callers that only want the announcing. */
        Listener NONE = new Listener() {
            @Override
            public void requestReceived(Family family, String interfaceName) {
            }

            @Override
            public void replySent(Family family, IpAddress vip, String interfaceName) {
            }

            @Override
            public void gratuitousSent(Family family, IpAddress vip, String interfaceName) {
            }

            @Override
            public void dropped(DropReason reason, String interfaceName) {
            }

            @Override
            public void interfaceFailed(String interfaceName, String message) {
            }
        };

        /**
         * An ARP packet (IPv4) or a Neighbor Solicitation (IPv6) came in and goes to the
         * responder; the capture filter passes nothing else.
         */
        void requestReceived(Family family, String interfaceName);

        /** A reply announcing {@code vip} at this interface's MAC went out. */
        void replySent(Family family, IpAddress vip, String interfaceName);

        /** One frame of a takeover burst or refresh went out: gratuitous ARP, or an unsolicited NA. */
        void gratuitousSent(Family family, IpAddress vip, String interfaceName);

        /**
         * The responder did not answer a frame, for {@code reason}. Requests for addresses this
         * node does not announce are drops too ({@link DropReason#NOT_OWNED}): the common case.
         */
        void dropped(DropReason reason, String interfaceName);

        /**
         * The interface cannot be used, or can be used only in part, for the reason in
         * {@code message}, which names the interface and says what to fix. Called for each
         * failed attempt to open an interface (retried on later announce() calls, from 1 s
         * apart up to 30 s apart), when a working interface stops, and when an interface
         * cannot receive Neighbor Solicitations for some VIPs (once per new problem).
         */
        void interfaceFailed(String interfaceName, String message);
    }
}
