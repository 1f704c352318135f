package io.herald.speaker.announce;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.l2.GratuitousBurst;
import io.herald.speaker.l2.InterfaceInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The {@link Announcer} on raw sockets: one pcap4j handle per interface in use, opened when
 * the first VIP lands on it and closed when the last one leaves, each with its read loop on
 * a daemon thread named {@code herald-capture-IFACE}; one scheduler thread,
 * {@code herald-gratuitous}, for every takeover burst and refresh.
 *
 * <p>An interface that cannot be opened (missing, down, no CAP_NET_RAW, no libpcap) does
 * not stop the others: it is logged once with the fix, reported to the {@link Listener}, and
 * retried on later {@link #announce} calls, 1 s after the first failure, then 2, 4, ... up
 * to 30 s apart. One whose capture breaks later (removed, gone down) is reopened the same way.
 */
public final class PcapAnnouncer implements Announcer {
    private static final Logger log = LogManager.getLogger(PcapAnnouncer.class);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration LAST_RETRY = Duration.ofSeconds(30);

    private final Listener listener;
    private final Function<String, InterfaceInfo> links;
    private final PacketChannel.Opener opener;
    private final BurstScheduler bursts;
    private final Duration firstRetry;
    private final AnnounceGate gate;

    private final Map<String, InterfaceCapture> captures = new HashMap<>();
    private final Map<String, Retry> retries = new HashMap<>();
    private boolean closed;

    /**
     * Announces on this node's interfaces ({@link Links#system()}), on the {@link GratuitousBurst}
     * schedules, sending only while {@code gate} is open.
     */
    public PcapAnnouncer(Listener listener, AnnounceGate gate) {
        this(listener, Links.system()::resolve, PcapChannel::open, GratuitousBurst::forFamily, FIRST_RETRY, gate);
    }

    /**
     * @param links      the interface of a name; throws IllegalArgumentException with a user's message if there is none
     * @param opener     opens an interface's channel
     * @param schedules  when to send gratuitous frames, by family
     * @param firstRetry how long after a failure to try an interface again, doubling up to {@link #LAST_RETRY}
     */
    PcapAnnouncer(Listener listener, Function<String, InterfaceInfo> links, PacketChannel.Opener opener,
                  Function<Family, GratuitousBurst> schedules, Duration firstRetry, AnnounceGate gate) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.links = Objects.requireNonNull(links, "links");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.firstRetry = Objects.requireNonNull(firstRetry, "firstRetry");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.bursts = new BurstScheduler(schedules, listener);
    }

    @Override
    public synchronized void announce(Set<Announcement> wanted) {
        announce(wanted, Set.of());
    }

    @Override
    public synchronized void announce(Set<Announcement> wanted, Set<Announcement> handOver) {
        Objects.requireNonNull(wanted, "wanted");
        Objects.requireNonNull(handOver, "handOver");
        if (closed) {
            throw new IllegalStateException("this announcer is closed");
        }
        Map<String, Set<IpAddress>> byInterface = new TreeMap<>();
        for (Announcement announcement : wanted) {
            byInterface.computeIfAbsent(announcement.interfaceName(), name -> new HashSet<>()).add(announcement.vip());
        }
        // Hand-overs only where a capture answers already.
        Map<String, Set<IpAddress>> handingOver = new TreeMap<>();
        for (Announcement announcement : handOver) {
            if (!wanted.contains(announcement) && captures.containsKey(announcement.interfaceName())) {
                handingOver.computeIfAbsent(announcement.interfaceName(), name -> new HashSet<>()).add(announcement.vip());
            }
        }

        // Silence first: what is no longer wanted stops before anything new starts.
        bursts.retain(wanted);
        for (Iterator<Map.Entry<String, InterfaceCapture>> it = captures.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, InterfaceCapture> entry = it.next();
            String name = entry.getKey();
            InterfaceCapture capture = entry.getValue();
            if (!byInterface.containsKey(name) && !handingOver.containsKey(name) && capture.handedOver()) {
                capture.close();
                it.remove();
                log.info("stopped answering ARP and NDP on {}: no VIP left on it", name);
            } else if (capture.failure() != null) {
                capture.close();
                it.remove();
                retries.put(name, Retry.after(capture.failure(), firstRetry));
            }
        }
        retries.keySet().retainAll(byInterface.keySet());
        bursts.retain(wantedOnOpen(wanted));

        for (Map.Entry<String, Set<IpAddress>> entry : byInterface.entrySet()) {
            InterfaceCapture capture = captures.get(entry.getKey());
            if (capture == null) {
                capture = open(entry.getKey());
            }
            if (capture != null) {
                capture.announce(entry.getValue(), handingOver.getOrDefault(entry.getKey(), Set.of()));
            }
        }
        for (Map.Entry<String, Set<IpAddress>> entry : handingOver.entrySet()) {
            InterfaceCapture capture = captures.get(entry.getKey());
            if (!byInterface.containsKey(entry.getKey()) && capture != null) {
                capture.announce(Set.of(), entry.getValue());
            }
        }
        for (Announcement announcement : wanted) {
            InterfaceCapture capture = captures.get(announcement.interfaceName());
            if (capture != null) {
                bursts.start(announcement, capture);
            }
        }
    }

    @Override
    public boolean awaitHandOvers(Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            synchronized (this) {
                if (captures.values().stream().allMatch(InterfaceCapture::handedOver)) {
                    return true;
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(5);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        bursts.close();
        for (InterfaceCapture capture : captures.values()) {
            capture.close();
        }
        captures.clear();
        retries.clear();
    }

    /** The interfaces with an open capture now. */
    synchronized Set<String> openInterfaces() {
        return Set.copyOf(captures.keySet());
    }

    private Set<Announcement> wantedOnOpen(Set<Announcement> wanted) {
        Set<Announcement> open = new HashSet<>();
        for (Announcement announcement : wanted) {
            if (captures.containsKey(announcement.interfaceName())) {
                open.add(announcement);
            }
        }
        return open;
    }

    /** Opens the interface, or records why not and when to try again; null if it is not open. */
    private InterfaceCapture open(String name) {
        Retry retry = retries.get(name);
        if (retry != null && !retry.due()) {
            return null;
        }
        try {
            InterfaceInfo iface = links.apply(name);
            InterfaceCapture capture = new InterfaceCapture(iface, opener.open(iface), listener, gate);
            capture.start();
            captures.put(name, capture);
            retries.remove(name);
            log.info("answering ARP and NDP on {} ({}){}", name, iface.mac(), retry == null ? "" : " again");
            return capture;
        } catch (IOException | RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            Retry next = retry == null ? Retry.after(message, firstRetry) : retry.again(message);
            retries.put(name, next);
            if (retry == null || !message.equals(retry.message())) {
                log.warn("{} (retrying in {} ms)", message, next.delay().toMillis());
            } else {
                log.debug("{} (attempt {}, retrying in {} ms)", message, next.attempts(), next.delay().toMillis());
            }
            listener.interfaceFailed(name, message);
            return null;
        }
    }

    /** When an interface that failed may be tried again. */
    private record Retry(String message, int attempts, Duration delay, long notBeforeNanos) {
        static Retry after(String message, Duration delay) {
            return new Retry(message, 1, delay, System.nanoTime() + delay.toNanos());
        }

        Retry again(String newMessage) {
            Duration longer = delay.multipliedBy(2);
            Duration next = longer.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : longer;
            return new Retry(newMessage, attempts + 1, next, System.nanoTime() + next.toNanos());
        }

        boolean due() {
            return System.nanoTime() - notBeforeNanos >= 0;
        }
    }
}
