package io.herald.speaker;

import io.herald.common.ip.Family;
import io.herald.speaker.announce.Announcement;
import io.herald.speaker.kube.SpeakerConfig;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;
import java.util.Set;

/** The speaker's Prometheus metrics; prefix {@code herald_speaker_}. */
final class SpeakerMetrics {
    final Counter ownershipChanges;
    final Counter leaseRenewFailures;
    final Gauge ownLeaseFresh;
    final Gauge liveNodes;
    final Counter requestsReceived;
    final Counter repliesSent;
    final Counter gratuitousSent;
    final Counter framesDropped;
    final Counter interfaceErrors;
    final Counter heartbeatsSent;
    final Counter heartbeatsReceived;
    final Counter heartbeatsDropped;
    final Counter heartbeatSendFailures;
    final Gauge peersHeard;
    final Gauge vipsHeld;
    final Counter decisions;
    final Gauge heartbeatRoundTrip;
    private volatile Set<Announcement> announced = Set.of();

    SpeakerMetrics(PrometheusRegistry registry, SpeakerConfig config) {
        GaugeWithCallback.builder().name("herald_speaker_vips_announced")
                .help("VIPs this node answers ARP / NDP for").callback(cb -> cb.call(
                        announced.stream().map(Announcement::vip).distinct().count()))
                .register(registry);
        GaugeWithCallback.builder().name("herald_speaker_announced")
                .help("1 for each VIP and interface this node announces on").labelNames("vip", "interface")
                .callback(cb -> announced.forEach(a -> cb.call(1, a.vip().toString(), a.interfaceName())))
                .register(registry);
        ownershipChanges = Counter.builder().name("herald_speaker_ownership_changes_total")
                .help("VIPs this node started or stopped announcing").labelNames("change").register(registry);
        leaseRenewFailures = Counter.builder().name("herald_speaker_lease_renew_failures_total")
                .help("failed renewals of this node's speaker Lease").register(registry);
        ownLeaseFresh = Gauge.builder().name("herald_speaker_lease_fresh")
                .help("1 while this node's own Lease is fresh by its own clock; at 0 it announces nothing")
                .register(registry);
        liveNodes = Gauge.builder().name("herald_speaker_live_nodes")
                .help("speakers whose Lease this node sees live").register(registry);
        GaugeWithCallback.builder().name("herald_config_loaded")
                .help("1 when a valid address-pool configuration is in force")
                .callback(cb -> cb.call(config.loaded() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("herald_config_stale")
                .help("1 when the ConfigMap's latest content was rejected and an older, valid one stays in force")
                .callback(cb -> cb.call(config.stale() ? 1 : 0)).register(registry);
        requestsReceived = Counter.builder().name("herald_speaker_requests_received_total")
                .help("ARP requests (ipv4) and Neighbor Solicitations (ipv6) examined, by interface")
                .labelNames("family", "interface").register(registry);
        repliesSent = Counter.builder().name("herald_speaker_replies_sent_total")
                .help("ARP replies (ipv4) and Neighbor Advertisements (ipv6) sent for announced VIPs")
                .labelNames("family", "interface").register(registry);
        gratuitousSent = Counter.builder().name("herald_speaker_gratuitous_sent_total")
                .help("gratuitous ARPs (ipv4) and unsolicited Neighbor Advertisements (ipv6) sent")
                .labelNames("family", "interface").register(registry);
        framesDropped = Counter.builder().name("herald_speaker_frames_dropped_total")
                .help("captured frames not answered, by reason (malformed ones included)")
                .labelNames("reason", "interface").register(registry);
        interfaceErrors = Counter.builder().name("herald_speaker_interface_errors_total")
                .help("failures to open, read or send on an interface").labelNames("interface").register(registry);
        heartbeatsSent = Counter.builder().name("herald_speaker_heartbeats_sent_total")
                .help("heartbeats sent to peers").register(registry);
        heartbeatsReceived = Counter.builder().name("herald_speaker_heartbeats_received_total")
                .help("heartbeats received and believed, by sending node").labelNames("node").register(registry);
        heartbeatsDropped = Counter.builder().name("herald_speaker_heartbeats_dropped_total")
                .help("heartbeats received and not believed, by reason (bad-mac, replayed, unknown-node, ...)")
                .labelNames("reason").register(registry);
        heartbeatSendFailures = Counter.builder().name("herald_speaker_heartbeat_send_failures_total")
                .help("heartbeats the socket refused to send, by peer").labelNames("node").register(registry);
        decisions = Counter.builder().name("herald_speaker_decisions_total")
                .help("times this speaker decided the owner of every VIP: on a change it watches, never for a"
                        + " renewal that changes nothing").register(registry);
        vipsHeld = Gauge.builder().name("herald_speaker_vips_held")
                .help("VIPs this node announces although the hash gives them to another node: it took them when"
                        + " their node was gone and keeps them, so they do not move twice").register(registry);
        peersHeard = Gauge.builder().name("herald_speaker_peers_heard")
                .help("other speakers this node hears on the wire now").register(registry);
        heartbeatRoundTrip = Gauge.builder().name("herald_speaker_heartbeat_round_trip_seconds")
                .help("the last heartbeat round trip to each peer, from its echo").labelNames("node").register(registry);
    }

    void announced(Set<Announcement> now) {
        announced = Set.copyOf(now);
    }

    static String family(Family family) {
        return family.name().toLowerCase(Locale.ROOT);
    }
}
