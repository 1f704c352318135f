package io.herald.speaker.ownership;

import java.util.Objects;

/**
 * Another speaker's Lease {@code herald-speaker-<node>} as this speaker saw it, timed
 * by this speaker's own monotonic clock ({@link System#nanoTime()}).
 *
 * <p>The renew marker is only ever compared for equality: hosts' wall clocks differ,
 * so a {@code renewTime} far in the future or the past must neither keep a dead node
 * alive nor kill a live one. What counts is that it changed, and when we saw that.
 *
 * @param node           the node whose speaker holds the Lease
 * @param renewMarker    a value that changes on every renewal ({@code spec.renewTime} as
 *                       written, or the Lease's {@code resourceVersion}); may be null
 * @param durationNanos  the Lease's {@code leaseDurationSeconds}, in nanoseconds
 * @param renewedAtNanos the observer's {@code System.nanoTime()} when it first saw this marker
 */
public record NodeLease(String node, String renewMarker, long durationNanos, long renewedAtNanos) {
    public NodeLease {
        Objects.requireNonNull(node, "node");
    }

    /**
     * Live while less than the duration has passed since the renewal was seen. Computed
     * as a difference so that {@code nanoTime} wrapping around does not matter; a
     * duration of zero or less never makes a node live.
     */
    public boolean isLive(long nowNanos) {
        return nowNanos - renewedAtNanos < durationNanos;
    }

    /** Nanoseconds from {@code nowNanos} until the Lease expires; zero or less once it has. */
    public long nanosUntilExpiry(long nowNanos) {
        return durationNanos - (nowNanos - renewedAtNanos);
    }

    /**
     * This Lease after seeing it again: a changed marker is a renewal at {@code nowNanos};
     * an unchanged one keeps the old renewal time. The duration is always the latest
     * written, since the holder may change it without renewing.
     */
    NodeLease seenAgain(String marker, long newDurationNanos, long nowNanos) {
        long renewedAt = Objects.equals(marker, renewMarker) ? renewedAtNanos : nowNanos;
        return new NodeLease(node, marker, newDurationNanos, renewedAt);
    }
}
