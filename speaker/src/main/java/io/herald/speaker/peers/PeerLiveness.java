package io.herald.speaker.peers;

import io.herald.common.ip.IpAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who is live, as this speaker sees the heartbeats it hears and the peers' reports of
 * whom they hear: the pure rule behind wire liveness, timed by this process's monotonic
 * clock only. The socket loop feeds it frames and sends the rounds it makes; the decision
 * thread asks for a {@link Verdict}. Thread-safe: every method holds the instance's lock,
 * and the work per call is small (peers × peers at most).
 *
 * <p>The rule, for a peer P that has been seen on the wire in its current incarnation
 * (<em>tracked</em>): P is live while somebody hears it (this node, or a peer this node
 * hears lists P) <em>and</em>, when this node hears P directly, P itself hears somebody.
 * The second half makes a node that has gone deaf (its inbound heartbeats dropped) dead in
 * everybody's view, the same view it takes of itself. A peer never seen on the wire (an
 * older speaker, a blocked port) keeps the Lease rule.
 *
 * <p>This node is live while a peer has echoed one of its heartbeats sent less than the
 * timeout ago (timed by when <em>this</em> node sent it, so a heartbeat that waited in a
 * queue while this process was frozen confirms nothing). When no peer confirms it, it is
 * still live on its own fresh Lease, unless a peer that it has been heard by is still
 * around and has stopped hearing it: then every other speaker counts it dead, and so must it.
 */
public final class PeerLiveness {
    /** How many rounds of send times are kept to time echoes; at 100 ms this is 25 s. */
    static final int SENT_ROUNDS_KEPT = 256;

    /** Why a node is, or is not, live in a {@link Verdict}. */
    public enum Basis {
        /** Heard on the wire (directly or through a peer) and hearing others. */
        HEARD(true, "heard on the wire"),
        /**
         * This node only: it has just started and has not yet heard every peer that runs
         * heartbeats, so it cannot know which VIPs they hold; it announces nothing until it
         * has (or for at most the timeout after its own Lease is fresh).
         */
        JOINING(false, "starting: not every peer heard yet"),
        /** Never seen on the wire in this incarnation; its Lease is fresh. */
        LEASE(true, "not heard on the wire; its Lease is fresh"),
        /** Tracked on the wire, and nobody hears it any more. */
        SILENT(false, "silent on the wire"),
        /** Its own heartbeats say it hears nobody: it will not announce, so others take over. */
        DEAF(false, "hears no peer on the wire"),
        /** It said it is stopping. */
        LEFT(false, "left (stopping)"),
        /** Not on the wire and its Lease has run out. */
        EXPIRED(false, "not heard on the wire and its Lease ran out");

        private final boolean live;
        private final String words;

        Basis(boolean live, String words) {
            this.live = live;
            this.words = words;
        }

        public boolean live() {
            return live;
        }

        /** In a user's words, for log lines. */
        public String words() {
            return words;
        }
    }

    /**
     * One answer of the rule.
     *
     * @param live             the live nodes, this one included when it may announce, sorted
     * @param basis            for every member and this node, why
     * @param announceUntilNanos until when this node may answer frames on this verdict
     *                         without hearing anything new; {@code Long.MIN_VALUE} when it may not
     */
    public record Verdict(Set<String> live, Map<String, Basis> basis, long announceUntilNanos) {
        public Verdict {
            live = Set.copyOf(new TreeSet<>(live));
            basis = Map.copyOf(basis);
        }

        /** Same nodes, same reasons: nothing for the decision thread to redo. */
        public boolean sameAs(Verdict other) {
            return other != null && live.equals(other.live) && basis.equals(other.basis);
        }
    }

    /** A heartbeat to send to {@code peer}. */
    public record Outgoing(String peer, Heartbeat heartbeat) {
    }

    private static final class Peer {
        final String node;
        final long id;
        long minIncarnation;
        long incarnation = -1;
        long sequence = -1;
        long heardNanos;
        boolean heard;
        boolean leaving;
        boolean tracked;
        List<Long> hears = List.of();
        Set<IpAddress> holds = Set.of();
        long confirmedUntilNanos;
        boolean confirmed;
        long lastRttNanos = -1;

        Peer(String node, long minIncarnation) {
            this.node = node;
            this.id = Heartbeat.idOf(node);
            this.minIncarnation = minIncarnation;
        }
    }

    private final String self;
    private final long selfId;
    private final long incarnation;
    private final long timeoutNanos;
    private final Map<String, Peer> peers = new TreeMap<>();
    /** Highest incarnation ever heard per node, kept after it leaves the roster: replays stay replays. */
    private final Map<String, Long> incarnations = new HashMap<>();
    private final LinkedHashMap<Long, Long> sentNanos = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
            return size() > SENT_ROUNDS_KEPT;
        }
    };
    private long sequence;
    private boolean selfTracked;
    private boolean sentARound;
    private long lastRoundNanos;
    private long wokeNanos;
    private boolean woke;
    private List<IpAddress> holding = List.of();
    private Set<String> heartbeating = Set.of();
    private boolean joined;
    private boolean freshSeen;
    private long freshSinceNanos;

    /**
     * @param self         this node's name
     * @param incarnation  this process's incarnation: larger than any earlier start's
     * @param timeoutNanos a peer unheard this long is silent
     */
    public PeerLiveness(String self, long incarnation, long timeoutNanos) {
        this.self = Objects.requireNonNull(self, "self");
        this.selfId = Heartbeat.idOf(self);
        this.incarnation = incarnation;
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        this.timeoutNanos = timeoutNanos;
    }

    public String self() {
        return self;
    }

    public long incarnation() {
        return incarnation;
    }

    /**
     * The members, from the speaker Leases: node name to the lowest incarnation believed
     * (what its Lease says, 0 when it says nothing). Heartbeats from anybody else are
     * dropped as {@link HeartbeatDrop#UNKNOWN_NODE}.
     */
    public synchronized void roster(Map<String, Long> members) {
        roster(members, members.keySet());
    }

    /**
     * As {@link #roster(Map)}, saying which members run heartbeats (their Lease gives an
     * address): those follow the holding rule, whether this node hears them or not.
     */
    public synchronized void roster(Map<String, Long> members, Set<String> heartbeating) {
        this.heartbeating = Set.copyOf(heartbeating);
        peers.keySet().retainAll(members.keySet());
        members.forEach((node, min) -> {
            if (node.equals(self)) {
                return;
            }
            Peer peer = peers.computeIfAbsent(node, n -> new Peer(n, min));
            if (min > peer.minIncarnation) {
                peer.minIncarnation = min;
                if (peer.incarnation < min) {
                    forget(peer); // the Lease says it restarted; what we heard was its previous life
                }
            }
        });
    }

    /** Takes a heartbeat received at {@code nowNanos}; empty when believed, else why not. */
    public synchronized Optional<HeartbeatDrop> heard(Heartbeat beat, long nowNanos) {
        if (beat.node().equals(self)) {
            return Optional.of(HeartbeatDrop.OWN_NODE);
        }
        Peer peer = peers.get(beat.node());
        if (peer == null) {
            return Optional.of(HeartbeatDrop.UNKNOWN_NODE);
        }
        long highest = Math.max(peer.minIncarnation, incarnations.getOrDefault(beat.node(), Long.MIN_VALUE));
        if (beat.incarnation() < highest) {
            return Optional.of(HeartbeatDrop.OLD_INCARNATION);
        }
        if (beat.incarnation() > peer.incarnation) {
            forget(peer);
            peer.incarnation = beat.incarnation();
            incarnations.put(beat.node(), beat.incarnation());
        } else if (beat.sequence() <= peer.sequence) {
            return Optional.of(HeartbeatDrop.REPLAYED);
        }
        peer.sequence = beat.sequence();
        peer.heard = true;
        peer.heardNanos = nowNanos;
        peer.leaving = beat.leaving();
        peer.hears = beat.hears();
        peer.holds = Set.copyOf(beat.holds());
        if (!peer.hears.isEmpty()) {
            peer.tracked = true;
        }
        Long sent = beat.echoSequence() == 0 ? null : sentNanos.get(beat.echoSequence());
        if (sent != null && beat.hears().contains(selfId)) {
            long until = sent + timeoutNanos;
            if (!peer.confirmed || until - peer.confirmedUntilNanos > 0) {
                peer.confirmedUntilNanos = until;
            }
            peer.confirmed = true;
            peer.lastRttNanos = Math.max(0, nowNanos - sent - beat.echoDelayMicros() * 1000);
            selfTracked = true;
        }
        return Optional.empty();
    }

    /**
     * The next round of heartbeats, one per member, sent at {@code nowNanos}; {@code leaving}
     * for the last round of a speaker that stops.
     */
    public synchronized List<Outgoing> round(long nowNanos, boolean leaving) {
        if (sentARound && nowNanos - lastRoundNanos > timeoutNanos) {
            woke = true; // no round for longer than the timeout: this process was paused
            wokeNanos = nowNanos;
        }
        sentARound = true;
        lastRoundNanos = nowNanos;
        sequence++;
        sentNanos.put(sequence, nowNanos);
        List<Long> hears = new ArrayList<>();
        for (Peer peer : peers.values()) {
            if (hearsDirectly(peer, nowNanos)) {
                hears.add(peer.id);
            }
        }
        // A process just woken from a pause, or leaving, announces nothing: it holds nothing either.
        List<IpAddress> holds = leaving || paused(nowNanos) ? List.of() : holding;
        List<Outgoing> out = new ArrayList<>(peers.size());
        for (Peer peer : peers.values()) {
            boolean echo = hearsDirectly(peer, nowNanos);
            long delayMicros = echo ? Math.min(0xFFFF_FFFFL, (nowNanos - peer.heardNanos) / 1000) : 0;
            out.add(new Outgoing(peer.node, new Heartbeat(self, incarnation, sequence, leaving,
                    echo ? peer.sequence : 0, delayMicros, hears, holds)));
        }
        return out;
    }

    /**
     * The VIPs this node holds against the hash, as its decision thread last worked them
     * out; every round from now on says so. At most {@link Heartbeat#MAX_HOLDS}.
     */
    public synchronized void holding(List<IpAddress> vips) {
        holding = List.copyOf(vips);
    }

    /**
     * Every member that runs heartbeats, with what its last heartbeat in its current
     * incarnation said it holds against the hash (nothing when never heard). Whether a
     * member's word counts is the decision's call: only while it is {@link Basis#HEARD}.
     */
    public synchronized Map<String, Set<IpAddress>> holdings() {
        Map<String, Set<IpAddress>> held = new TreeMap<>();
        for (Peer peer : peers.values()) {
            if (heartbeating.contains(peer.node)) {
                held.put(peer.node, peer.holds);
            }
        }
        return held;
    }

    /**
     * Who is live at {@code nowNanos}.
     *
     * @param leaseLive          the members whose Lease is live by the Lease rule
     * @param leaseRenewing      the members whose Lease was seen renewed lately (within half
     *                           its duration): a peer this node no longer hears but that
     *                           still renews is alive, and the deaf one is this node
     * @param ownLeaseFreshUntil until when this node's own Lease is fresh, or empty when it is not
     */
    public synchronized Verdict verdict(long nowNanos, Set<String> leaseLive, Set<String> leaseRenewing,
            OptionalLong ownLeaseFreshUntil) {
        Map<String, Basis> basis = new TreeMap<>();
        Set<String> live = new TreeSet<>();
        for (Peer peer : peers.values()) {
            Basis b = basisOf(peer, nowNanos, leaseLive);
            if (b.live()) {
                peer.tracked |= b == Basis.HEARD;
                live.add(peer.node);
            }
            basis.put(peer.node, b);
        }
        long confirmedUntil = Long.MIN_VALUE;
        for (Peer peer : peers.values()) {
            if (peer.confirmed && peer.confirmedUntilNanos - nowNanos > 0) {
                confirmedUntil = Math.max(confirmedUntil, peer.confirmedUntilNanos);
            }
        }
        Basis selfBasis;
        long until;
        if (!joined(nowNanos, ownLeaseFreshUntil)) {
            selfBasis = Basis.JOINING;
            until = Long.MIN_VALUE;
        } else if (confirmedUntil != Long.MIN_VALUE) {
            selfBasis = Basis.HEARD;
            until = confirmedUntil;
        } else if (selfTracked && (paused(nowNanos) || expectedToBeHeard(nowNanos, leaseRenewing))) {
            selfBasis = hearsAnybody(nowNanos) || paused(nowNanos) ? Basis.SILENT : Basis.DEAF;
            until = Long.MIN_VALUE;
        } else if (ownLeaseFreshUntil.isPresent() && ownLeaseFreshUntil.getAsLong() - nowNanos > 0) {
            selfBasis = Basis.LEASE;
            until = ownLeaseFreshUntil.getAsLong();
        } else {
            selfBasis = Basis.EXPIRED;
            until = Long.MIN_VALUE;
        }
        basis.put(self, selfBasis);
        if (selfBasis.live()) {
            live.add(self);
        }
        return new Verdict(live, basis, until);
    }

    /**
     * Whether this process has joined: it has heard every member that runs heartbeats at
     * least once (so it knows what each holds), or a timeout has passed since its own Lease
     * was first fresh (a member unheard by then is dead or cannot reach it). Once joined, a
     * process stays joined; a pause is the pause rule's business.
     */
    private boolean joined(long now, OptionalLong ownLeaseFreshUntil) {
        if (joined) {
            return true;
        }
        if (!freshSeen && ownLeaseFreshUntil.isPresent() && ownLeaseFreshUntil.getAsLong() - now > 0) {
            freshSeen = true;
            freshSinceNanos = now;
        }
        boolean everyoneHeard = peers.values().stream()
                .allMatch(p -> !heartbeating.contains(p.node) || p.sequence >= 0);
        joined = everyoneHeard || freshSeen && now - freshSinceNanos >= timeoutNanos;
        return joined;
    }

    /** The last round trip to each member that echoed one of our heartbeats, in nanoseconds. */
    public synchronized Map<String, Long> roundTrips() {
        Map<String, Long> rtts = new TreeMap<>();
        peers.values().stream().filter(p -> p.lastRttNanos >= 0).forEach(p -> rtts.put(p.node, p.lastRttNanos));
        return rtts;
    }

    /** How many members this node hears directly now. */
    public synchronized int heardCount(long nowNanos) {
        int n = 0;
        for (Peer peer : peers.values()) {
            if (hearsDirectly(peer, nowNanos)) {
                n++;
            }
        }
        return n;
    }

    private Basis basisOf(Peer peer, long now, Set<String> leaseLive) {
        if (peer.leaving && peer.heard) {
            return Basis.LEFT;
        }
        boolean direct = hearsDirectly(peer, now);
        boolean heard = direct || listedByAPeer(peer, now);
        if (direct && peer.hears.isEmpty() && peer.tracked) {
            return Basis.DEAF;
        }
        if (heard && (!direct || !peer.hears.isEmpty())) {
            return Basis.HEARD;
        }
        if (peer.tracked) {
            return Basis.SILENT;
        }
        return leaseLive.contains(peer.node) ? Basis.LEASE : Basis.EXPIRED;
    }

    private boolean hearsDirectly(Peer peer, long now) {
        return peer.heard && !peer.leaving && now - peer.heardNanos < timeoutNanos;
    }

    private boolean listedByAPeer(Peer peer, long now) {
        for (Peer other : peers.values()) {
            if (other != peer && hearsDirectly(other, now) && other.hears.contains(peer.id)) {
                return true;
            }
        }
        return false;
    }

    /**
     * This process was paused (a long GC, SIGSTOP, a stalled VM) less than a timeout ago, or
     * is paused now as far as its rounds tell: hearing nobody then says nothing about the
     * others, whose heartbeats it could not read, so its own Lease does not make it live
     * until it has had a timeout's worth of listening.
     */
    private boolean paused(long now) {
        return sentARound && (now - lastRoundNanos > timeoutNanos || woke && now - wokeNanos < timeoutNanos);
    }

    private boolean hearsAnybody(long now) {
        return peers.values().stream().anyMatch(p -> hearsDirectly(p, now));
    }

    /**
     * A peer that tracked this node is still around (heard, or still renewing its Lease)
     * and does not confirm it. When this node hears nobody, it cannot tell its own deafness
     * from the death of everyone else; the peers' Lease renewals tell, at the Lease's pace.
     */
    private boolean expectedToBeHeard(long now, Set<String> leaseRenewing) {
        for (Peer peer : peers.values()) {
            if (peer.tracked && !peer.leaving && (hearsDirectly(peer, now) || leaseRenewing.contains(peer.node))) {
                return true;
            }
        }
        return false;
    }

    private static void forget(Peer peer) {
        peer.sequence = -1;
        peer.heard = false;
        peer.leaving = false;
        peer.tracked = false;
        peer.hears = List.of();
        peer.holds = Set.of();
        peer.confirmed = false;
        peer.lastRttNanos = -1;
    }
}
