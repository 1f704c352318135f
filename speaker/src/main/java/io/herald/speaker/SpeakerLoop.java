package io.herald.speaker;

import io.herald.common.config.AddressPool;
import io.herald.common.config.Config;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.announce.AnnounceGate;
import io.herald.speaker.announce.Announcement;
import io.herald.speaker.announce.Announcer;
import io.herald.speaker.kube.ClusterView;
import io.herald.speaker.kube.SpeakerConfig;
import io.herald.speaker.ownership.Holdings;
import io.herald.speaker.ownership.Membership;
import io.herald.speaker.ownership.NodeInfo;
import io.herald.speaker.ownership.OwnLease;
import io.herald.speaker.ownership.OwnerDecision;
import io.herald.speaker.ownership.Ownership;
import io.herald.speaker.ownership.Rankings;
import io.herald.speaker.peers.Heartbeat;
import io.herald.speaker.peers.PeerLiveness;
import io.herald.speaker.peers.PeerLiveness.Basis;
import io.herald.speaker.peers.PeerLiveness.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The speaker's one decision thread: whenever anything it watches changes, when a
 * Lease runs out (which produces no API event), and when the heartbeats change who is
 * live, it decides the owner of every VIP, tells the announcer exactly what this node
 * answers for, and reports what changed. It also keeps the {@link AnnounceGate}: open
 * only as long as the view behind the last decision is known to be current.
 */
final class SpeakerLoop implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(SpeakerLoop.class);
    /** Recompute at least this often even when nothing seems to change. */
    private static final Duration IDLE = Duration.ofSeconds(30);

    /** The interfaces a pool's VIPs are announced on, on this node. */
    @FunctionalInterface
    interface Interfaces {
        List<String> forPool(AddressPool pool);
    }

    /** What changed on this node, for Events, logs and metrics. */
    interface Reporter {
        /** This node now announces {@code vip} for {@code services} on {@code interfaces}. */
        void started(IpAddress vip, List<String> services, List<String> interfaces);

        /** This node stopped announcing {@code vip}; {@code why} in a user's words. */
        void stopped(IpAddress vip, String why);

        /** After every decision: what this node announces now and how many nodes are live. */
        void state(Set<Announcement> announced, int liveNodes, boolean ownLeaseFresh);

        /** After every decision with heartbeats: how many VIPs this node holds against the hash. */
        default void held(int vips) {
        }

        /** The heartbeats changed why {@code node} is, or is not, live; {@code before} is null the first time. */
        default void liveness(String node, Basis before, Basis now) {
        }
    }

    private final String node;
    private final ClusterView cluster;
    private final SpeakerConfig config;
    private final Interfaces interfaces;
    private final Announcer announcer;
    private final Reporter reporter;
    private final Optional<PeerLiveness> wire;
    private final AnnounceGate gate;
    private final Thread thread;
    private final Object lock = new Object();
    private boolean dirty = true;
    private boolean closed;
    private volatile Membership membership = Membership.EMPTY;
    private volatile OwnLease own;
    private Verdict verdict;
    private volatile Runnable leaving = () -> { };
    private SortedMap<IpAddress, Set<String>> announced = new TreeMap<>();
    /** The Services each announced VIP was reported for, so one that joins a shared VIP gets its Event too. */
    private Map<IpAddress, Set<String>> reportedServices = new TreeMap<>();
    /** What this node's heartbeats say it holds against the hash, since the last decision. */
    private List<IpAddress> held = List.of();
    private boolean saidTooManyHeld;
    /** Each VIP's ranking of nodes, kept from one decision to the next; only the decision thread touches it. */
    private final Rankings rankings = new Rankings();
    /** What the last decision saw of the Leases, so a deadline that a renewal moved on decides nothing. */
    private Set<String> decidedLeaseLive = Set.of();
    private boolean decidedOwnFresh;
    private long decidedNanos;

    /**
     * @param wire the heartbeats' view, or empty when heartbeats are off (then the Leases alone decide)
     * @param gate opened by this loop only, for as long as its view is current
     */
    SpeakerLoop(String node, ClusterView cluster, SpeakerConfig config, Interfaces interfaces, Announcer announcer,
            Reporter reporter, Optional<PeerLiveness> wire, AnnounceGate gate) {
        this.node = node;
        this.wire = wire;
        this.gate = gate;
        this.cluster = cluster;
        this.config = config;
        this.interfaces = interfaces;
        this.announcer = announcer;
        this.reporter = reporter;
        this.own = OwnLease.notHeld(node);
        this.thread = new Thread(this::run, "ownership");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Something the decision depends on changed. */
    void poke() {
        synchronized (lock) {
            dirty = true;
            lock.notifyAll();
        }
    }

    /** A speaker Lease was added or renewed; timed by this process's clock, now. */
    void leaseSeen(String leaseNode, String renewMarker, long durationNanos) {
        boolean wasLive;
        synchronized (lock) {
            long now = System.nanoTime();
            wasLive = membership.isLive(leaseNode, now);
            membership = membership.observe(leaseNode, renewMarker, durationNanos, now);
        }
        if (!wasLive) {
            poke(); // a renewal of a live Lease only moves its expiry, which the wait already tracks
        }
    }

    void leaseDeleted(String leaseNode) {
        synchronized (lock) {
            membership = membership.deleted(leaseNode);
        }
        poke();
    }

    void ownLease(OwnLease lease) {
        boolean wasFresh = own.isFresh(System.nanoTime());
        own = lease;
        if (wire.isEmpty() && lease.isFresh(System.nanoTime())) {
            gate.openUntil(lease.renewStartedNanos() + lease.durationNanos());
        }
        if (!wasFresh) {
            poke(); // renewals that only extend a fresh Lease change nothing
        }
    }

    /**
     * After every heartbeat round: moves the gate on, and wakes the decision when who is
     * live, or why, changed. Cheap: no VIP is looked at unless something changed.
     */
    void wireTick() {
        if (wire.isEmpty()) {
            return;
        }
        Verdict next = currentVerdict(System.nanoTime());
        if (next.announceUntilNanos() == Long.MIN_VALUE) {
            gate.shut();
        } else {
            gate.openUntil(next.announceUntilNanos());
        }
        boolean changed;
        synchronized (lock) {
            changed = !next.sameAs(verdict);
            if (changed) {
                Map<String, Basis> before = verdict == null ? Map.of() : verdict.basis();
                next.basis().forEach((n, b) -> {
                    if (before.get(n) != b) {
                        reporter.liveness(n, before.get(n), b);
                    }
                });
                verdict = next;
            }
        }
        if (changed) {
            poke();
        }
    }

    /**
     * The heartbeats' verdict. A peer on the Lease rule is judged by its Lease only while
     * this node's own renewals succeed: when this node cannot reach the API server, a
     * peer's missing renewal is no evidence that the peer died.
     */
    private Verdict currentVerdict(long now) {
        OwnLease self = own;
        Membership seen = membership;
        boolean apiAnswers = self.isFresh(now);
        Set<String> leaseLive = apiAnswers ? seen.liveAt(now) : seen.leases().keySet();
        Set<String> renewing = apiAnswers ? seen.renewingAt(now) : seen.leases().keySet();
        OptionalLong ownUntil = apiAnswers
                ? OptionalLong.of(self.renewStartedNanos() + self.durationNanos()) : OptionalLong.empty();
        return wire.get().verdict(now, leaseLive, renewing, ownUntil);
    }

    private void run() {
        while (true) {
            synchronized (lock) {
                long deadline = System.nanoTime() + nextDeadlineNanos();
                while (!dirty && !closed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        if (leasesChangedSinceDecision()) {
                            break; // a Lease ran out: no API event says so
                        }
                        deadline = System.nanoTime() + nextDeadlineNanos(); // renewed meanwhile: nothing to decide
                        continue;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, left);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                dirty = false;
            }
            try {
                decide();
            } catch (RuntimeException e) {
                log.error("deciding ownership failed; trying again in 1 s", e);
                try {
                    TimeUnit.SECONDS.sleep(1);
                } catch (InterruptedException ie) {
                    return;
                }
                poke();
            }
        }
    }

    /**
     * Whether a deadline that passed changed anything the decision reads: a Lease ran out,
     * this node's own Lease stopped (or started) being fresh, or {@link #IDLE} passed. A
     * deadline moved on by renewals that arrived meanwhile decides nothing.
     */
    private boolean leasesChangedSinceDecision() {
        long now = System.nanoTime();
        return now - decidedNanos >= IDLE.toNanos() || own.isFresh(now) != decidedOwnFresh
                || !membership.liveAt(now).equals(decidedLeaseLive);
    }

    /** Nanoseconds until a Lease (another node's, or this node's own freshness) runs out. */
    private long nextDeadlineNanos() {
        long now = System.nanoTime();
        long wait = IDLE.toNanos();
        var expiry = membership.nanosUntilNextExpiry(now);
        if (expiry.isPresent()) {
            wait = Math.min(wait, expiry.getAsLong() + 1);
        }
        OwnLease self = own;
        if (self.isFresh(now)) {
            wait = Math.min(wait, self.renewStartedNanos() + self.durationNanos() - now + 1);
        }
        return Math.max(wait, 1);
    }

    private void decide() {
        long now = System.nanoTime();
        Config pools = config.current();
        OwnLease self = own;
        decidedNanos = now;
        decidedOwnFresh = self.isFresh(now);
        decidedLeaseLive = membership.liveAt(now);
        Set<String> live;
        boolean mayAnnounce;
        Basis selfBasis = null; // why this node is, or is not, live on the wire; null without heartbeats
        Holdings holdings = Holdings.NONE;
        Verdict v = null;
        if (wire.isPresent()) {
            v = currentVerdict(now);
            live = v.live();
            mayAnnounce = live.contains(node);
            selfBasis = v.basis().get(node);
            holdings = holdings(v);
        } else {
            live = membership.liveAt(now);
            mayAnnounce = self.isFresh(now);
        }
        Collection<NodeInfo> nodes = cluster.nodes();
        Ownership ownership = Ownership.decide(pools, nodes, live, cluster.services(), holdings, rankings);
        SortedSet<IpAddress> mine = mayAnnounce ? ownership.announcedBy(node) : Collections.emptySortedSet();
        if (v != null) {
            tellHeld(mine, v, nodes);
        }

        SortedMap<IpAddress, Set<String>> next = new TreeMap<>();
        Set<Announcement> wanted = new HashSet<>();
        for (IpAddress vip : mine) {
            List<String> names = pools.poolContaining(vip).map(interfaces::forPool).orElse(List.of());
            next.put(vip, new LinkedHashSet<>(names));
            names.forEach(name -> wanted.add(new Announcement(vip, name)));
        }
        // Make before break: a VIP that another live node takes now is still answered here until that
        // node claims it on the wire, so a client never finds nobody answering.
        Set<Announcement> handOver = new HashSet<>();
        if (mayAnnounce) {
            for (Map.Entry<IpAddress, Set<String>> entry : announced.entrySet()) {
                IpAddress vip = entry.getKey();
                if (!next.containsKey(vip) && ownership.decisions().get(vip) instanceof OwnerDecision.Owned owned
                        && !owned.node().equals(node)) {
                    entry.getValue().forEach(name -> handOver.add(new Announcement(vip, name)));
                }
            }
        }
        announcer.announce(wanted, handOver);

        Map<IpAddress, Set<String>> servicesNow = new TreeMap<>();
        for (Map.Entry<IpAddress, Set<String>> entry : next.entrySet()) {
            IpAddress vip = entry.getKey();
            List<String> services = ownership.decisions().get(vip).services();
            servicesNow.put(vip, Set.copyOf(services));
            if (!entry.getValue().equals(announced.get(vip))) {
                reporter.started(vip, services, new ArrayList<>(entry.getValue()));
            } else {
                // A Service that joined a shared VIP this node already announces hears it too.
                Set<String> told = reportedServices.getOrDefault(vip, Set.of());
                List<String> joined = services.stream().filter(s -> !told.contains(s)).toList();
                if (!joined.isEmpty()) {
                    reporter.started(vip, joined, new ArrayList<>(entry.getValue()));
                }
            }
        }
        reportedServices = servicesNow;
        for (IpAddress vip : announced.keySet()) {
            if (!next.containsKey(vip)) {
                reporter.stopped(vip, why(vip, ownership, mayAnnounce, selfBasis));
            }
        }
        announced = next;
        reporter.state(wanted, live.size(), self.isFresh(now));
    }

    /**
     * Who follows the holding rule, and what they hold, in the verdict's view. Every speaker
     * whose Lease gives a heartbeat address follows it (every speaker sees the same Leases,
     * so all agree who does); what a node holds counts only while it is heard on the wire
     * and hears it, in the view of the others and in its own: a node nobody hears holds
     * nothing, the same in every view.
     */
    private Holdings holdings(Verdict verdict) {
        Map<String, Set<IpAddress>> byNode = new HashMap<>();
        wire.get().holdings().forEach((peer, vips) ->
                byNode.put(peer, verdict.basis().get(peer) == Basis.HEARD ? vips : Set.of()));
        byNode.put(node, confirmed(verdict) ? Set.copyOf(held) : Set.of());
        return new Holdings(byNode);
    }

    private boolean confirmed(Verdict verdict) {
        return verdict.basis().get(node) == Basis.HEARD;
    }

    /**
     * Tells the heartbeats what this node holds against the hash from now on: nothing while
     * no peer confirms hearing it, since then no peer can know.
     */
    private void tellHeld(SortedSet<IpAddress> mine, Verdict verdict, Collection<NodeInfo> nodes) {
        List<IpAddress> all = confirmed(verdict)
                ? Ownership.heldAgainstHash(node, mine, nodes, Heartbeat.MAX_HOLDS + 1, rankings) : List.of();
        held = all.size() > Heartbeat.MAX_HOLDS ? all.subList(0, Heartbeat.MAX_HOLDS) : all;
        wire.get().holding(held);
        reporter.held(held.size());
        boolean tooMany = all.size() > Heartbeat.MAX_HOLDS;
        if (tooMany && !saidTooManyHeld) {
            log.warn("this node holds more than {} VIPs that the hash gives to other nodes; a heartbeat lists {},"
                    + " so the others go back to their hash node when it is live (make before break)",
                    Heartbeat.MAX_HOLDS, Heartbeat.MAX_HOLDS);
        }
        saidTooManyHeld = tooMany;
    }

    private String why(IpAddress vip, Ownership ownership, boolean mayAnnounce, Basis selfBasis) {
        if (!mayAnnounce) {
            if (selfBasis == null) {
                return "this node's Lease is not fresh (renewals are failing or the speaker is stopping)";
            }
            return switch (selfBasis) {
                case SILENT -> "the other speakers do not hear this node's heartbeats";
                case DEAF -> "this node hears no other speaker's heartbeats";
                case JOINING -> "this speaker has just started and has not heard every other speaker yet";
                default -> "no other speaker confirms hearing this node and its Lease is not fresh";
            };
        }
        OwnerDecision decision = ownership.decisions().get(vip);
        if (decision == null) {
            return "no Service holds it any more";
        }
        if (decision instanceof OwnerDecision.Owned owned) {
            return "node " + owned.node() + " owns it now";
        }
        return ((OwnerDecision.Unowned) decision).message();
    }

    /** Stops deciding, hands every VIP over to its next owner, and stops announcing. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Make before break on the way out too: keep answering, tell the peers, and stop once they claimed
        // every VIP (or after Announcer.HAND_OVER_LIMIT).
        Set<Announcement> all = new HashSet<>();
        announced.forEach((vip, names) -> names.forEach(name -> all.add(new Announcement(vip, name))));
        gate.openUntil(System.nanoTime() + Announcer.HAND_OVER_LIMIT.toNanos()); // leaving on purpose: the view is current
        announcer.announce(Set.of(), all);
        try {
            leaving.run();
        } catch (RuntimeException e) {
            log.warn("telling the other speakers that this one leaves failed; they take over when they stop hearing it", e);
        }
        try {
            if (!all.isEmpty() && !announcer.awaitHandOvers(Announcer.HAND_OVER_LIMIT)) {
                log.info("not every VIP was claimed by its next owner within {} ms; stopping anyway",
                        Announcer.HAND_OVER_LIMIT.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        announcer.announce(Set.of());
        for (IpAddress vip : announced.keySet()) {
            reporter.stopped(vip, "the speaker is stopping");
        }
        announced = new TreeMap<>();
        announcer.close();
    }

    /**
     * What {@link #close()} runs, while this node still answers, to make the others take over
     * at once: the last heartbeat round saying it leaves, and the Lease's deletion.
     */
    void onLeave(Runnable tellPeers) {
        this.leaving = tellPeers;
    }
}
