package io.herald.speaker;

import io.herald.common.cli.Commands;
import io.herald.common.cli.HeraldOptions;
import io.herald.common.cli.KubeOptions;
import static io.herald.common.kube.Handlers.onAnyChange;
import io.herald.common.kube.LeaseOwner;
import io.herald.common.serve.Component;
import io.herald.common.serve.ListenAddress;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.announce.Announcement;
import io.herald.speaker.announce.Announcer;
import io.herald.speaker.announce.ExcludedInterfaces;
import io.herald.speaker.announce.Links;
import io.herald.speaker.kube.ClusterView;
import io.herald.speaker.kube.SpeakerConfig;
import io.herald.speaker.kube.SpeakerLease;
import io.herald.speaker.ownership.OwnLease;
import io.kubernetes.client.extended.event.EventType;
import io.kubernetes.client.extended.event.legacy.EventRecorder;
import io.kubernetes.client.extended.event.legacy.LegacyEventBroadcaster;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
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
import java.time.Duration;
import java.util.List;
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
            "through node Leases which node announces each virtual IP, and answers",
            "ARP / NDP for the ones it owns.",
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

    @Option(names = "--lease-renew", paramLabel = "MILLIS", defaultValue = "2000",
            description = "how often this node renews its Lease herald-speaker-<node> (default: ${DEFAULT-VALUE})")
    long leaseRenewMillis;

    @Option(names = "--lease-duration", paramLabel = "MILLIS", defaultValue = "6000",
            description = "how long a Lease lasts unrenewed: a dead node's VIPs move after this; rounded up to whole"
                    + " seconds in the Lease object (default: ${DEFAULT-VALUE})")
    long leaseDurationMillis;

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
        Duration renew = Duration.ofMillis(leaseRenewMillis);
        Duration duration = Duration.ofMillis(leaseDurationMillis);
        if (renew.compareTo(duration) >= 0) {
            throw new ParameterException(spec.commandLine(), "--lease-renew (" + leaseRenewMillis
                    + ") must be shorter than --lease-duration (" + leaseDurationMillis + "); a third of it is usual");
        }
        try (Component component = Component.start("speaker", listen, kube.connect(), Duration.ofSeconds(herald.apiWaitSeconds))) {
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
            LegacyEventBroadcaster broadcaster = new LegacyEventBroadcaster(new CoreV1Api(component.client()));
            EventRecorder events = broadcaster.newRecorder(new V1EventSource().component("herald-speaker").host(nodeName));
            broadcaster.startRecording();
            component.closeOnStop(broadcaster::shutdown);

            ClusterView cluster = new ClusterView(nodes.getIndexer(), services.getIndexer(), slices.getIndexer(),
                    herald.loadBalancerClass);
            Announcer announcer = Announcers.create(metrics);
            SpeakerLoop loop = new SpeakerLoop(nodeName, cluster, config, Announcers.interfaces(Links.system(), excluded),
                    announcer, new Report(nodeName, cluster, events, metrics));

            SpeakerLease lease = new SpeakerLease(component.client(), herald.namespace, nodeName, renew, duration,
                    leaseOwner.flatMap(o -> o.resolve(component.client(), herald.namespace)),
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
            // Closed in reverse: stop announcing first, then delete the Lease so others take over at once.
            component.closeOnStop(lease);
            component.closeOnStop(loop);

            Runnable poke = loop::poke;
            nodes.addEventHandler(onAnyChange(o -> poke.run()));
            services.addEventHandler(onAnyChange(o -> poke.run()));
            slices.addEventHandler(onAnyChange(o -> poke.run()));
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
                    SpeakerLease.nodeOf(l).ifPresent(loop::leaseDeleted);
                }

                private void seen(V1Lease l) {
                    SpeakerLease.nodeOf(l).ifPresent(owner -> {
                        var spec = l.getSpec();
                        long seconds = spec.getLeaseDurationSeconds() == null ? 0 : spec.getLeaseDurationSeconds();
                        loop.leaseSeen(owner, spec.getHolderIdentity() + "@" + spec.getRenewTime(),
                                TimeUnit.SECONDS.toNanos(seconds));
                    });
                }
            };
            leases.addEventHandler(leaseHandler);

            component.startInformers(Duration.ofSeconds(herald.apiWaitSeconds));
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
            log.info("speaker for node {}: Lease {}/{}{} renewed every {} ms, lasting {} ms; interfaces excluded unless a pool"
                    + " names them: {}", nodeName, herald.namespace, SpeakerLease.PREFIX, nodeName, leaseRenewMillis,
                    leaseDurationMillis, excluded);
            component.awaitStop();
        }
        return 0;
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
        public void state(Set<Announcement> announced, int liveNodes, boolean ownLeaseFresh) {
            metrics.announced(announced);
            metrics.liveNodes.set(liveNodes);
            metrics.ownLeaseFresh.set(ownLeaseFresh ? 1 : 0);
        }
    }
}
