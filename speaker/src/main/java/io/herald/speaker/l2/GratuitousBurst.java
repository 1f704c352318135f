package io.herald.speaker.l2;

import io.herald.common.ip.Family;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * When to send gratuitous ARP or unsolicited Neighbor Advertisements for a VIP this node has
 * just taken over: a burst, then a slow refresh for as long as the node keeps the VIP. Times
 * are offsets from the takeover. Pure data: the announcer's one scheduler does the waiting.
 *
 * @param burst   the takeover burst, strictly increasing, normally starting at zero
 * @param refresh the interval between refreshes, counted from the burst's last frame
 */
public record GratuitousBurst(List<Duration> burst, Duration refresh) {
    /**
     * Linux ignores a new MAC for a neighbour entry updated less than this long ago
     * ({@code net.ipv4.neigh.*.locktime}, default 1 s), unless it takes the frame for
     * gratuitous, which kernels older than about 4.13 (2017) and other stacks may not.
     */
    public static final Duration LINUX_ARP_LOCKTIME = Duration.ofSeconds(1);
    /**
     * The gap between burst frames: the locktime and 100 ms for timer slack on both ends, so
     * each frame lands outside the window the one before opened. MetalLB spaces its own so.
     */
    public static final Duration SPACING = Duration.ofMillis(1100);
    /**
     * Switches forget a MAC they have not seen for 300 s by default (IEEE 802.1D aging
     * time). A frame a minute keeps our port learned even when a few are lost, for one
     * broadcast per VIP per minute.
     */
    public static final Duration REFRESH = Duration.ofSeconds(60);

    /**
     * Five frames over 4.4 s, as MetalLB sends: a lost frame, or a last answer from the
     * previous owner (which restarts the locktime at the hosts that hear it), does not leave
     * a host on the old MAC.
     */
    public static final GratuitousBurst ARP = evenlySpaced(5, SPACING, REFRESH);
    /**
     * Three frames, RFC 4861's limit for unsolicited advertisements (MAX_NEIGHBOR_ADVERTISEMENT,
     * at least RetransTimer, 1 s, apart: section 7.2.6). IPv6 has no locktime; the same spacing
     * keeps one scheduler for both families.
     */
    public static final GratuitousBurst NDP = evenlySpaced(3, SPACING, REFRESH);

    public GratuitousBurst {
        Objects.requireNonNull(burst, "burst");
        Objects.requireNonNull(refresh, "refresh");
        burst = List.copyOf(burst);
        if (burst.isEmpty()) {
            throw new IllegalArgumentException("a takeover burst needs at least one frame");
        }
        if (burst.get(0).isNegative()) {
            throw new IllegalArgumentException("a burst cannot start before the takeover: " + burst.get(0));
        }
        for (int i = 1; i < burst.size(); i++) {
            if (burst.get(i).compareTo(burst.get(i - 1)) <= 0) {
                throw new IllegalArgumentException("burst times must increase: " + burst.get(i) + " comes after " + burst.get(i - 1));
            }
        }
        if (refresh.isNegative() || refresh.isZero()) {
            throw new IllegalArgumentException("the refresh interval must be positive, not " + refresh);
        }
    }

    /** The schedule for a VIP of {@code family}: {@link #ARP} for IPv4, {@link #NDP} for IPv6. */
    public static GratuitousBurst forFamily(Family family) {
        return family == Family.IPV4 ? ARP : NDP;
    }

    /** {@code count} frames {@code spacing} apart from the takeover on, then one every {@code refresh}. */
    public static GratuitousBurst evenlySpaced(int count, Duration spacing, Duration refresh) {
        if (count < 1) {
            throw new IllegalArgumentException("a takeover burst needs at least one frame, not " + count);
        }
        List<Duration> times = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            times.add(spacing.multipliedBy(i));
        }
        return new GratuitousBurst(times, refresh);
    }

    /**
     * The first send strictly after {@code elapsed} since the takeover (the first of all for
     * a negative one). The scheduler asks again after each send, so a late wake-up skips the
     * frames it missed instead of sending them in a bunch.
     */
    public Duration nextAfter(Duration elapsed) {
        Objects.requireNonNull(elapsed, "elapsed");
        for (Duration at : burst) {
            if (at.compareTo(elapsed) > 0) {
                return at;
            }
        }
        Duration last = burst.get(burst.size() - 1);
        long refreshes = Math.floorDiv(elapsed.minus(last).toNanos(), refresh.toNanos()) + 1;
        return last.plus(refresh.multipliedBy(refreshes));
    }

    /** Every send from the takeover up to and including {@code horizon}. */
    public List<Duration> sendsUntil(Duration horizon) {
        Objects.requireNonNull(horizon, "horizon");
        List<Duration> sends = new ArrayList<>();
        for (Duration at = burst.get(0); at.compareTo(horizon) <= 0; at = nextAfter(at)) {
            sends.add(at);
        }
        return List.copyOf(sends);
    }
}
