package io.herald.speaker.announce;

/**
 * Until when this speaker's view of what it owns is known to be current, checked by the
 * capture threads and the gratuitous bursts just before a frame goes out. The decision
 * thread moves it forward on every heartbeat round or Lease renewal; a process that was
 * paused (a long GC, SIGSTOP, a stalled VM) wakes up with the gate shut, so the ARP
 * requests queued during the pause are not answered from what it knew before it, when
 * the VIP may have moved meanwhile.
 */
public final class AnnounceGate {
    private volatile boolean open;
    private volatile long openUntilNanos;

    /** A gate that never shuts, for tests of the wire alone. */
    public static AnnounceGate alwaysOpen() {
        AnnounceGate gate = new AnnounceGate();
        gate.openUntil(Long.MAX_VALUE);
        return gate;
    }

    /** Shut until the first {@link #openUntil}. */
    public AnnounceGate() {
    }

    /** Frames may go out until {@code nanos} on {@link System#nanoTime()}; {@code Long.MAX_VALUE} for ever. */
    public void openUntil(long nanos) {
        openUntilNanos = nanos;
        open = true;
    }

    /** No frame goes out until the next {@link #openUntil}. */
    public void shut() {
        open = false;
    }

    public boolean isOpen(long nowNanos) {
        return open && (openUntilNanos == Long.MAX_VALUE || openUntilNanos - nowNanos > 0);
    }
}
