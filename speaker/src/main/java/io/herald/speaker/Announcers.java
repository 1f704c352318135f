package io.herald.speaker;

import io.herald.common.config.AddressPool;
import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.announce.AnnounceGate;
import io.herald.speaker.announce.Announcer;
import io.herald.speaker.announce.ExcludedInterfaces;
import io.herald.speaker.announce.Links;
import io.herald.speaker.announce.PcapAnnouncer;
import io.herald.speaker.l2.DropReason;
import io.herald.speaker.l2.InterfaceInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** The speaker's announcer on real interfaces, its counters bound to Prometheus, and which interfaces a pool uses. */
final class Announcers {
    private static final Logger log = LogManager.getLogger(Announcers.class);
    /** How long one look at /sys/class/net is reused: one decision asks once per pool, not once per VIP. */
    private static final long LINKS_TTL_NANOS = 5_000_000_000L;

    private Announcers() {}

    static Announcer create(SpeakerMetrics metrics, AnnounceGate gate) {
        return new PcapAnnouncer(new Announcer.Listener() {
            @Override
            public void requestReceived(Family family, String interfaceName) {
                metrics.requestsReceived.labelValues(SpeakerMetrics.family(family), interfaceName).inc();
            }

            @Override
            public void replySent(Family family, IpAddress vip, String interfaceName) {
                metrics.repliesSent.labelValues(SpeakerMetrics.family(family), interfaceName).inc();
            }

            @Override
            public void gratuitousSent(Family family, IpAddress vip, String interfaceName) {
                metrics.gratuitousSent.labelValues(SpeakerMetrics.family(family), interfaceName).inc();
            }

            @Override
            public void dropped(DropReason reason, String interfaceName) {
                metrics.framesDropped.labelValues(reason.label(), interfaceName).inc();
            }

            @Override
            public void interfaceFailed(String interfaceName, String message) {
                metrics.interfaceErrors.labelValues(interfaceName).inc();
            }
        }, gate);
    }

    /**
     * A pool's interfaces on this node: the ones it names that exist here (a node may
     * lack some), else every interface fit to announce on and not excluded
     * ({@link Links#announceable(ExcludedInterfaces)}).
     */
    static SpeakerLoop.Interfaces interfaces(Links links, ExcludedInterfaces excluded) {
        return new SpeakerLoop.Interfaces() {
            private final Map<String, List<String>> byPool = new HashMap<>();
            private final Set<String> warned = new HashSet<>();
            private long readAt;

            @Override
            public synchronized List<String> forPool(AddressPool pool) {
                long now = System.nanoTime();
                if (now - readAt > LINKS_TTL_NANOS) {
                    byPool.clear();
                    readAt = now;
                }
                return byPool.computeIfAbsent(pool.name(), name -> lookUp(pool));
            }

            private List<String> lookUp(AddressPool pool) {
                if (pool.interfaces().isEmpty()) {
                    List<String> all = links.announceable(excluded).stream().map(InterfaceInfo::name).toList();
                    if (all.isEmpty() && warned.add(pool.name() + "/")) {
                        log.warn("pool {}: no interface on this node is fit to announce on (up, Ethernet, broadcast, ARP on,"
                                + " not a bridge or bond port, not excluded by --exclude-interfaces {}); name one in the pool's interfaces"
                                + " (speaker interfaces lists them and why each is skipped)", pool.name(), excluded);
                    }
                    return all;
                }
                List<String> present = new ArrayList<>();
                for (String name : pool.interfaces()) {
                    try {
                        present.add(links.resolve(name).name());
                    } catch (IllegalArgumentException e) {
                        if (warned.add(pool.name() + "/" + name)) {
                            log.warn("pool {}: interface {} cannot be used on this node: {}", pool.name(), name, e.getMessage());
                        }
                    }
                }
                return List.copyOf(present);
            }
        };
    }
}
