package io.herald.speaker;

import io.herald.common.Annotations;
import io.herald.common.cli.Commands;
import io.herald.common.cli.DurationConverter;
import io.herald.common.cli.HeraldOptions;
import io.herald.common.cli.KubeOptions;
import static io.herald.common.kube.Handlers.onAnyChange;
import static io.herald.common.kube.Handlers.onChange;
import static io.herald.common.kube.Handlers.onRelevant;
import io.herald.common.kube.LeaseOwner;
import io.herald.common.serve.Component;
import io.herald.common.serve.ListenAddress;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.announce.AnnounceGate;
import io.herald.speaker.announce.Announcement;
import io.herald.speaker.announce.Announcer;
import io.herald.speaker.announce.ExcludedInterfaces;
import io.herald.speaker.announce.Links;
import io.herald.speaker.kube.ClusterView;
import io.herald.speaker.kube.SpeakerConfig;
import io.herald.speaker.kube.SpeakerLease;
import io.herald.speaker.ownership.OwnLease;
import io.herald.speaker.peers.HeartbeatCodec;
import io.herald.speaker.peers.HeartbeatDrop;
import io.herald.speaker.peers.HeartbeatSocket;
import io.herald.speaker.peers.PeerLiveness;
import io.herald.speaker.peers.PeerRoster;
import io.kubernetes.client.extended.event.EventType;
import io.kubernetes.client.extended.event.legacy.EventRecorder;
import io.kubernetes.client.extended.event.legacy.LegacyEventBroadcaster;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import io.kubernetes.client.openapi.models.V1EventSource;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseList;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeList;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceList;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

// With no subcommand the speaker runs; interfaces only looks at this node's links.
@Command(name = "speaker", mixinStandardHelpOptions = true, versionProvider = Commands.Version.class,
        subcommands = InterfacesCommand.class,
        description = {
            "Herald's speaker: runs on every node, agrees with the other speakers",
            "through node Leases and heartbeats on the LAN which node announces each",
            "virtual IP, and answers ARP / NDP for the ones it owns.",
            "",
            "Serves /healthz, /readyz and /metrics on --listen-address; stops cleanly",
            "on SIGTERM."
        })
public final class SpeakerCommand implements Callable<Integer> {
    private static final Logger log = LogManager.getLogger(SpeakerCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    KubeOptions kube;

    @Mixin
    HeraldOptions herald;

    @Mixin
    InterfaceOptions interfaces;

    @Option(names = "--node-name", paramLabel = "NAME", defaultValue = "${env:NODE_NAME}",
            description = "the Kubernetes node this speaker runs on (default: $NODE_NAME, which the chart sets from spec.nodeName)")
    String nodeName;

    @Option(names = "--listen-address", paramLabel = "HOST:PORT", defaultValue = ":7473",
            description = "where /healthz, /readyz and /metrics are served (default: ${DEFAULT-VALUE})")
    String listenAddress;

    @Option(names = "--lease-renew", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
            description = "how often this node renews its Lease herald-speaker-<node> (default: ${DEFAULT-VALUE})")
    Duration leaseRenew;

    @Option(names = "--lease-duration", paramLabel = "DURATION", defaultValue = "6s", converter = DurationConverter.class,
            description = "how long a Lease lasts unrenewed: without heartbeats a dead node's VIPs move after this;"
                    + " rounded up to whole seconds in the Lease object (default: ${DEFAULT-VALUE})")
    Duration leaseDuration;

    @Option(names = "--heartbeat-key-file", paramLabel = "FILE",
            description = "the cluster's shared heartbeat key (at least 16 bytes; the chart mounts its Secret here);"
                    + " without it heartbeats are off and a dead node's VIPs move only when its Lease runs out")
    Path heartbeatKeyFile;

    @Option(names = "--heartbeat-address", paramLabel = "IP", defaultValue = "${env:HOST_IP}",
            description = "this node's address, where the other speakers send it heartbeats (default: $HOST_IP,"
                    + " which the chart sets from status.hostIP)")
    String heartbeatAddress;

    @Option(names = "--heartbeat-port", paramLabel = "PORT", defaultValue = "7474",
            description = "UDP port of the heartbeats, the same on every node; 0 picks a free one, which"
                    + " the Lease then names (default: ${DEFAULT-VALUE})")
    int heartbeatPort;

    @Option(names = "--heartbeat-interval", paramLabel = "DURATION", defaultValue = "100ms",
            converter = DurationConverter.class,
            description = "how often this speaker sends every peer a heartbeat (default: ${DEFAULT-VALUE})")
    Duration heartbeatInterval;

    @Option(names = "--heartbeat-timeout", paramLabel = "DURATION", defaultValue = "500ms",
            converter = DurationConverter.class,
            description = "a peer unheard this long is dead and its VIPs move; at least 3 intervals"
                    + " (default: ${DEFAULT-VALUE})")
    Duration heartbeatTimeout;

    public static void main(String[] args) {
        System.exit(Commands.execute(new SpeakerCommand(), args));
    }

    @Override
    public Integer call() throws Exception {
        if (nodeName == null || nodeName.isBlank()) {
            throw new ParameterException(spec.commandLine(),
                    "the speaker needs its node's name: pass --node-name NAME or set NODE_NAME");
        }
        var listen = ListenAddress.parse("--listen-address", listenAddress);
        ExcludedInterfaces excluded;
        try {
            excluded = interfaces.excluded();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Optional<LeaseOwner> leaseOwner;
        try {
            leaseOwner = herald.leaseOwner();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Duration renew = leaseRenew;
        Duration duration = leaseDuration;
        if (renew.isZero() || renew.compareTo(duration) >= 0) {
            throw new ParameterException(spec.commandLine(), "--lease-renew (" + DurationConverter.format(renew)
                    + ") must be above 0 and shorter than --lease-duration (" + DurationConverter.format(duration)
                    + "); a third of it is usual");
        }
        Optional<Heartbeats> heartbeats = heartbeats();
        try (Component component = Component.start("speaker", listen, kube.connect(), herald.apiWait)) {
            SharedIndexInformer<V1Node> nodes = component.watch(V1Node.class, V1NodeList.class, "", "v1", "nodes");
            SharedIndexInformer<V1Service> services = component.watch(V1Service.class, V1ServiceList.class, "", "v1", "services");
            SharedIndexInformer<V1EndpointSlice> slices = component.watch(V1EndpointSlice.class, V1EndpointSliceList.class,
                    "discovery.k8s.io", "v1", "endpointslices");
            SharedIndexInformer<V1Lease> leases = component.watchNamespace(herald.namespace, V1Lease.class, V1LeaseList.class,
                    "coordination.k8s.io", "v1", "leases");
            SharedIndexInformer<V1ConfigMap> configMaps = component.watchNamespace(herald.namespace, V1ConfigMap.class,
                    V1ConfigMapList.class, "", "v1", "configmaps");

            SpeakerConfig config = new SpeakerConfig(herald.namespace + "/" + herald.configMap);
            SpeakerMetrics metrics = new SpeakerMetrics(component.registry(), config);
            Runnable readConfig = () -> config.update(configMaps.getIndexer().getByKey(herald.namespace + "/" + herald.configMap));
            // Every request but the watches has a deadline shorter than a renewal interval: an API server
            // that stopped answering must fail a renewal in time, not hold it until it answers again.
            ApiClient bounded = kube.connect(callDeadline(renew));
            LegacyEventBroadcaster broadcaster = new LegacyEventBroadcaster(new CoreV1Api(bounded));
            EventRecorder events = broadcaster.newRecorder(new V1EventSource().component("herald-speaker").host(nodeName));
            broadcaster.startRecording();
            component.closeOnStop(broadcaster::shutdown);

            ClusterView cluster = new ClusterView(nodes.getIndexer(), services.getIndexer(), slices.getIndexer(),
                    herald.loadBalancerClass);
            AnnounceGate gate = new AnnounceGate();
            Announcer announcer = Announcers.create(metrics, gate);
            Optional<PeerLiveness> wire = heartbeats.map(h -> h.liveness);
            SpeakerLoop loop = new SpeakerLoop(nodeName, cluster, config, Announcers.interfaces(Links.system(), excluded),
                    announcer, new Report(nodeName, cluster, events, metrics), wire, gate);
            Optional<PeerRoster> roster = wire.map(PeerRoster::new);
            Optional<HeartbeatSocket> socket = heartbeats.isEmpty() ? Optional.empty()
                    : Optional.of(heartbeats.get().open(roster.get(), metrics, loop));

            SpeakerLease lease = new SpeakerLease(bounded, herald.namespace, nodeName, renew, duration,
                    leaseOwner.flatMap(o -> o.resolve(bounded, herald.namespace)),
                    heartbeats.isEmpty() ? Map.of() : heartbeats.get().annotations(socket.get().localAddress().getPort()),
                    new SpeakerLease.Listener() {
                        @Override
                        public void renewed(OwnLease own) {
                            loop.ownLease(own);
                        }

                        @Override
                        public void renewFailed(String message) {
                            metrics.leaseRenewFailures.inc();
                        }
                    });
            // Closed in reverse: the loop first, which keeps answering while it tells the others (the last
            // heartbeat round, the Lease's deletion) and stops once they claimed its VIPs.
            component.closeOnStop(lease);
            socket.ifPresent(component::closeOnStop);
            component.closeOnStop(loop);
            loop.onLeave(() -> {
                socket.ifPresent(HeartbeatSocket::sayLeaving);
                lease.close();
            });

            Runnable poke = loop::poke;
            nodes.addEventHandler(onChange(ClusterView::changesOwnership, o -> poke.run()));
            services.addEventHandler(onRelevant(cluster::concernsOwnership, o -> poke.run()));
            slices.addEventHandler(onRelevant(cluster::concernsOwnership, o -> poke.run()));
            configMaps.addEventHandler(onAnyChange(o -> {
                if (herald.configMap.equals(o.getMetadata().getName())) {
                    readConfig.run();
                    poke.run();
                }
            }));
            ResourceEventHandler<V1Lease> leaseHandler = new ResourceEventHandler<>() {
                @Override
                public void onAdd(V1Lease l) {
                    seen(l);
                }

                @Override
                public void onUpdate(V1Lease before, V1Lease after) {
                    seen(after);
                }

                @Override
                public void onDelete(V1Lease l, boolean finalStateUnknown) {
                    SpeakerLease.nodeOf(l).ifPresent(n -> {
                        loop.leaseDeleted(n);
                        roster.ifPresent(r -> r.deleted(n));
                    });
                }

                private void seen(V1Lease l) {
                    SpeakerLease.nodeOf(l).ifPresent(owner -> {
                        roster.ifPresent(r -> r.seen(owner, l.getMetadata().getAnnotations()));
                        var spec = l.getSpec();
                        long seconds = spec.getLeaseDurationSeconds() == null ? 0 : spec.getLeaseDurationSeconds();
                        loop.leaseSeen(owner, spec.getHolderIdentity() + "@" + spec.getRenewTime(),
                                TimeUnit.SECONDS.toNanos(seconds));
                    });
                }
            };
            leases.addEventHandler(leaseHandler);

            component.startInformers(herald.apiWait);
            // Decide first from the whole synced cache, not from whatever events were delivered so far:
            // a restarted speaker that missed the others' Leases would grab their VIPs.
            readConfig.run();
            leases.getIndexer().list().forEach(leaseHandler::onAdd);
            if (nodes.getIndexer().getByKey(nodeName) == null) {
                log.warn("node {} is not in the API server; this speaker announces nothing until it is: check --node-name"
                        + " (the chart sets it from spec.nodeName)", nodeName);
            }
            if (!config.loaded()) {
                log.warn("ConfigMap {}/{} has no valid pools yet; nothing is announced until it has", herald.namespace, herald.configMap);
            }
            lease.start();
            loop.start();
            socket.ifPresent(HeartbeatSocket::start);
            log.info("speaker for node {}: Lease {}/{}{} renewed every {}, lasting {}; interfaces excluded unless a pool"
                    + " names them: {}", nodeName, herald.namespace, SpeakerLease.PREFIX, nodeName,
                    DurationConverter.format(renew), DurationConverter.format(duration), excluded);
            if (heartbeats.isPresent()) {
                log.info("heartbeats on UDP {}:{} every {}, a peer unheard for {} is dead", heartbeatAddress, heartbeatPort,
                        DurationConverter.format(heartbeatInterval), DurationConverter.format(heartbeatTimeout));
            } else {
                log.warn("heartbeats are off (no --heartbeat-key-file): a dead node's VIPs move only when its Lease runs out"
                        + " ({}), and an API-server outage longer than that silences every VIP", DurationConverter.format(duration));
            }
            component.awaitStop();
        }
        return 0;
    }

    /** Three quarters of the renew interval, at least 250 ms: a renewal that takes longer is failed and counted. */
    static Duration callDeadline(Duration renew) {
        Duration deadline = renew.multipliedBy(3).dividedBy(4);
        return deadline.compareTo(Duration.ofMillis(250)) < 0 ? Duration.ofMillis(250) : deadline;
    }

    /** The heartbeat flags checked and the key read, before anything connects; empty when heartbeats are off. */
    private Optional<Heartbeats> heartbeats() {
        if (heartbeatKeyFile == null) {
            return Optional.empty();
        }
        if (heartbeatAddress == null || heartbeatAddress.isBlank()) {
            throw new ParameterException(spec.commandLine(), "heartbeats need this node's address: pass --heartbeat-address IP"
                    + " or set HOST_IP (the chart sets it from status.hostIP)");
        }
        IpAddress address;
        try {
            address = IpAddress.parse(heartbeatAddress.strip());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--heartbeat-address: " + e.getMessage());
        }
        if (heartbeatPort < 0 || heartbeatPort > 65535) {
            throw new ParameterException(spec.commandLine(), "--heartbeat-port " + heartbeatPort
                    + " is not a port (1 to 65535, or 0 for any free one, which the Lease then names)");
        }
        if (heartbeatInterval.isZero() || heartbeatTimeout.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
            throw new ParameterException(spec.commandLine(), "--heartbeat-timeout (" + DurationConverter.format(heartbeatTimeout)
                    + ") must be at least 3 times --heartbeat-interval (" + DurationConverter.format(heartbeatInterval)
                    + "), or one lost heartbeat would move VIPs; 5 times is the default");
        }
        byte[] key;
        try {
            key = Files.readString(heartbeatKeyFile).strip().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new ParameterException(spec.commandLine(), "cannot read --heartbeat-key-file " + heartbeatKeyFile + ": " + e
                    + "; the chart mounts Secret <release>-heartbeat-key there");
        }
        try {
            new HeartbeatCodec(key);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--heartbeat-key-file " + heartbeatKeyFile + ": " + e.getMessage());
        }
        long incarnation = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        return Optional.of(new Heartbeats(new PeerLiveness(nodeName, incarnation, heartbeatTimeout.toNanos()), key,
                new InetSocketAddress(address.toInetAddress(), heartbeatPort), heartbeatInterval));
    }

    /** This node's heartbeats: the rule, the key, where it listens. */
    private record Heartbeats(PeerLiveness liveness, byte[] key, InetSocketAddress address, Duration interval) {
        /** What this speaker's Lease says: where its socket, bound on {@code port}, hears, and its incarnation. */
        Map<String, String> annotations(int port) {
            return Map.of(Annotations.HEARTBEAT_ADDRESS, ListenAddress.format(new InetSocketAddress(address.getAddress(), port)),
                    Annotations.INCARNATION, Long.toString(liveness.incarnation()));
        }

        HeartbeatSocket open(PeerRoster peers, SpeakerMetrics metrics, SpeakerLoop loop) throws IOException {
            return new HeartbeatSocket(liveness, key, new InetSocketAddress(address.getPort()), interval,
                    peers::address, new HeartbeatSocket.Listener() {
                        @Override
                        public void received(String peer) {
                            metrics.heartbeatsReceived.labelValues(peer).inc();
                        }

                        @Override
                        public void dropped(HeartbeatDrop reason) {
                            metrics.heartbeatsDropped.labelValues(reason.label()).inc();
                        }

                        @Override
                        public void sent(int frames) {
                            metrics.heartbeatsSent.inc(frames);
                        }

                        @Override
                        public void sendFailed(String peer, String message) {
                            metrics.heartbeatSendFailures.labelValues(peer).inc();
                        }

                        @Override
                        public void tick() {
                            loop.wireTick();
                            long now = System.nanoTime();
                            metrics.peersHeard.set(liveness.heardCount(now));
                            liveness.roundTrips().forEach((p, rtt) -> metrics.heartbeatRoundTrip.labelValues(p).set(rtt / 1e9));
                        }
                    });
        }

    }

    /** Turns what changed on this node into log lines, Events on the Services and metrics. */
    private record Report(String node, ClusterView cluster, EventRecorder events, SpeakerMetrics metrics)
            implements SpeakerLoop.Reporter {
        @Override
        public void started(IpAddress vip, List<String> services, List<String> interfaces) {
            String where = interfaces.isEmpty() ? "no interface (check the pool's interfaces)" : String.join(", ", interfaces);
            String message = vip + " from node " + node + " on " + where;
            log.info("announcing {} for {}", message, String.join(", ", services));
            metrics.ownershipChanges.labelValues("started").inc();
            for (String key : services) {
                cluster.service(key).ifPresent(s -> events.event(s, EventType.Normal, "Announcing", "%s", message));
            }
        }

        @Override
        public void stopped(IpAddress vip, String why) {
            log.info("stopped announcing {}: {}", vip, why);
            metrics.ownershipChanges.labelValues("stopped").inc();
        }

        @Override
        public void held(int vips) {
            metrics.vipsHeld.set(vips);
        }

        @Override
        public void liveness(String peer, PeerLiveness.Basis before, PeerLiveness.Basis now) {
            String who = peer.equals(node) ? "this node (" + node + ")" : "node " + peer;
            if (before == null) {
                log.info("{}: {}", who, now.words());
            } else if (before.live() && !now.live()) {
                log.warn("{} is no longer live: {} (was: {}); its VIPs move", who, now.words(), before.words());
            } else {
                log.info("{}: {} (was: {})", who, now.words(), before.words());
            }
        }

        @Override
        public void state(Set<Announcement> announced, int liveNodes, boolean ownLeaseFresh) {
            metrics.decisions.inc();
            metrics.announced(announced);
            metrics.liveNodes.set(liveNodes);
            metrics.ownLeaseFresh.set(ownLeaseFresh ? 1 : 0);
        }
    }
}
