package io.herald.speaker.ownership;

import java.util.Objects;

/**
 * This speaker's own Lease, timed by its own monotonic clock, for self-fencing: the
 * speaker announces only while this is fresh.
 *
 * <p>A renewal is timed from the moment the successful update request was <em>sent</em>.
 * Every other speaker sees the new {@code renewTime} only after the API server stored it,
 * so each of them starts its own countdown later than ours; with equal durations this
 * speaker therefore stops announcing before any other one can consider it dead and take
 * over, and two nodes never answer for one VIP because of a slow or lost renewal.
 *
 * @param node               this speaker's node
 * @param held               false before the first successful renewal and after {@link #released()}
 * @param renewStartedNanos  {@code System.nanoTime()} when the last successful renewal request was sent
 * @param durationNanos      the Lease's {@code leaseDurationSeconds}, in nanoseconds
 */
public record OwnLease(String node, boolean held, long renewStartedNanos, long durationNanos) {
    public OwnLease {
        Objects.requireNonNull(node, "node");
    }

    /** Before the first successful renewal: not fresh. */
    public static OwnLease notHeld(String node) {
        return new OwnLease(node, false, 0, 0);
    }

    /**
     * After a successful renewal whose request was sent at {@code requestSentNanos}. A
     * reply that arrives late for an older request does not move the renewal back.
     */
    public OwnLease renewed(long requestSentNanos, long newDurationNanos) {
        if (held && requestSentNanos - renewStartedNanos < 0) {
            return this;
        }
        return new OwnLease(node, true, requestSentNanos, newDurationNanos);
    }

    /** After a graceful stop deleted the Lease: stop announcing at once. */
    public OwnLease released() {
        return notHeld(node);
    }

    /** Fresh while less than the duration has passed since the renewal request was sent. */
    public boolean isFresh(long nowNanos) {
        return held && nowNanos - renewStartedNanos < durationNanos;
    }
}
