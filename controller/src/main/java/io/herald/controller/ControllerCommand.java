package io.herald.controller;

import io.herald.common.cli.Commands;
import io.herald.common.cli.DurationConverter;
import io.herald.common.cli.HeraldOptions;
import io.herald.common.cli.KubeOptions;
import static io.herald.common.kube.Handlers.onAnyChange;
import io.herald.common.config.Config;
import io.herald.common.kube.LeaseOwner;
import io.herald.common.serve.Component;
import io.herald.common.serve.ListenAddress;
import io.herald.controller.allocation.Allocator;
import io.herald.controller.election.Leadership;
import io.herald.controller.kube.KubeServiceStatus;
import io.herald.controller.kube.ServiceRequests;
import io.herald.controller.metrics.ControllerMetrics;
import io.kubernetes.client.extended.controller.Controller;
import io.kubernetes.client.extended.controller.builder.ControllerBuilder;
import io.kubernetes.client.extended.controller.reconciler.Request;
import io.kubernetes.client.extended.event.legacy.EventRecorder;
import io.kubernetes.client.extended.event.legacy.LegacyEventBroadcaster;
import io.kubernetes.client.extended.workqueue.DefaultRateLimitingQueue;
import io.kubernetes.client.extended.workqueue.RateLimitingQueue;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.cache.Lister;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.openapi.models.V1EventSource;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceList;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

// With no subcommand the controller runs; validate-config only checks a file.
@Command(name = "controller", mixinStandardHelpOptions = true, versionProvider = Commands.Version.class,
        subcommands = ValidateConfigCommand.class,
        description = {
            "Herald's controller: gives every Service of type LoadBalancer a virtual IP",
            "from the address pools in the ConfigMap and writes it to the Service's",
            "status. Run two replicas: they elect a leader through a Lease and only the",
            "leader writes.",
            "",
            "Serves /healthz, /readyz and /metrics on --listen-address; stops cleanly",
            "on SIGTERM."
        })
public final class ControllerCommand implements Callable<Integer> {
    private static final Logger log = LogManager.getLogger(ControllerCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    KubeOptions kube;

    @Mixin
    HeraldOptions herald;

    @Option(names = "--listen-address", paramLabel = "HOST:PORT", defaultValue = ":7472",
            description = "where /healthz, /readyz and /metrics are served (default: ${DEFAULT-VALUE})")
    String listenAddress;

    @Option(names = "--identity", paramLabel = "NAME", defaultValue = "${env:POD_NAME}",
            description = "this replica's name in the leader Lease (default: $POD_NAME, else the host name)")
    String identity;

    @Option(names = "--lease-name", paramLabel = "NAME", defaultValue = "herald-controller",
            description = "leader election Lease (default: ${DEFAULT-VALUE})")
    String leaseName;

    @Option(names = "--lease-duration", paramLabel = "DURATION", defaultValue = "15s", converter = DurationConverter.class,
            description = "how long a leader's Lease lasts without renewal; a standby takes over after it; whole"
                    + " seconds (default: ${DEFAULT-VALUE})")
    Duration leaseDuration;

    @Option(names = "--renew-deadline", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "a leader that cannot renew within this steps down (default: ${DEFAULT-VALUE})")
    Duration renewDeadline;

    @Option(names = "--retry-period", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
            description = "how often the Lease is renewed or tried (default: ${DEFAULT-VALUE})")
    Duration retryPeriod;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "4",
            description = "Services reconciled at once; writes to the API overlap, decisions do not (default: ${DEFAULT-VALUE})")
    int workers;

    public static void main(String[] args) {
        System.exit(Commands.execute(new ControllerCommand(), args));
    }

    @Override
    public Integer call() throws Exception {
        var listen = ListenAddress.parse("--listen-address", listenAddress);
        Optional<LeaseOwner> leaseOwner;
        try {
            leaseOwner = herald.leaseOwner();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Leadership.Timing timing;
        try {
            timing = new Leadership.Timing(leaseDuration, renewDeadline, retryPeriod);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        String me = identity == null || identity.isBlank() ? InetAddress.getLocalHost().getHostName() : identity;
        try (Component component = Component.start("controller", listen, kube.connect(), herald.apiWait)) {
            SharedIndexInformer<V1Service> services = component.watch(V1Service.class, V1ServiceList.class, "", "v1", "services");
            SharedIndexInformer<V1ConfigMap> configMaps = component.watchNamespace(herald.namespace,
                    V1ConfigMap.class, V1ConfigMapList.class, "", "v1", "configmaps");

            Allocator allocator = new Allocator(Config.EMPTY);
            ControllerMetrics metrics = new ControllerMetrics(component.registry(), usage -> {
                synchronized (allocator) {
                    allocator.usage().forEach(u -> usage.report(u.pool(), u.family().toString(),
                            u.size().doubleValue(), u.inUse()));
                }
            });
            LegacyEventBroadcaster broadcaster = new LegacyEventBroadcaster(new CoreV1Api(component.client()));
            EventRecorder events = broadcaster.newRecorder(new V1EventSource().component("herald-controller").host(me));
            broadcaster.startRecording();
            component.closeOnStop(broadcaster::shutdown);

            RateLimitingQueue<Request> queue = new DefaultRateLimitingQueue<>(Executors.newSingleThreadExecutor());
            ServiceReconciler reconciler = new ServiceReconciler(new Lister<>(services.getIndexer()), allocator,
                    new ServiceRequests(herald.loadBalancerClass), new KubeServiceStatus(component.client(), events), metrics, queue);
            ConfigApplier config = new ConfigApplier(herald.namespace + "/" + herald.configMap, allocator, metrics, events);
            Controller controller = ControllerBuilder.defaultBuilder(component.informers())
                    .withWorkQueue(queue)
                    // The builder hands watch() the queue it has at that moment; ours, by name.
                    .watch(unused -> ControllerBuilder.controllerWatchBuilder(V1Service.class, queue).build())
                    .withReconciler(reconciler)
                    .withWorkerCount(workers)
                    .withReadyFunc(services::hasSynced)
                    .withName("herald-controller")
                    .build();

            Lister<V1ConfigMap> configLister = new Lister<>(configMaps.getIndexer(), herald.namespace);
            LeaderWork work = new LeaderWork(config, reconciler, controller,
                    () -> configLister.get(herald.configMap));
            configMaps.addEventHandler(onAnyChange(o -> work.configChanged()));

            component.startInformers(herald.apiWait);
            log.info("controller for Services of class {} (or none); pools from ConfigMap {}/{}",
                    herald.loadBalancerClass, herald.namespace, herald.configMap);

            Leadership leadership = component.closeOnStop(new Leadership(component.client(), herald.namespace, leaseName, me, timing,
                    leaseOwner.flatMap(o -> o.resolve(component.client(), herald.namespace)),
                    () -> {
                        metrics.leader.set(1);
                        work.lead();
                    },
                    () -> {
                        metrics.leader.set(0);
                        log.error("exiting: a replica that lost the Lease must not act on what it remembers");
                        System.exit(1);
                    }));
            component.closeOnStop(work);
            leadership.start();
            component.awaitStop();
        }
        return 0;
    }

    /**
     * What the leader does, in order: load a valid configuration, take back every
     * address already in status, and only then start allocating. Config changes are
     * applied on one thread, in order.
     */
    static final class LeaderWork implements AutoCloseable {
        private final ConfigApplier config;
        private final ServiceReconciler reconciler;
        private final Controller controller;
        private final java.util.function.Supplier<V1ConfigMap> currentConfigMap;
        private final ExecutorService serial = Executors.newSingleThreadExecutor(r -> new Thread(r, "leader-work"));
        private volatile boolean leading;
        private volatile boolean allocating;

        LeaderWork(ConfigApplier config, ServiceReconciler reconciler, Controller controller,
                java.util.function.Supplier<V1ConfigMap> currentConfigMap) {
            this.config = config;
            this.reconciler = reconciler;
            this.controller = controller;
            this.currentConfigMap = currentConfigMap;
        }

        void lead() {
            leading = true;
            serial.execute(this::step);
        }

        void configChanged() {
            if (leading) {
                serial.execute(this::step);
            }
        }

        private void step() {
            boolean changed = config.apply(currentConfigMap.get());
            if (!config.loaded()) {
                return; // nothing is allocated, nor released, without a valid configuration
            }
            if (!allocating) {
                reconciler.claimExisting();
                allocating = true;
                Thread worker = new Thread(controller, "reconcile");
                worker.setDaemon(true);
                worker.start();
                reconciler.requeueAll();
            } else if (changed) {
                reconciler.requeueAll();
            }
        }

        @Override
        public void close() {
            serial.shutdownNow();
            if (allocating) {
                controller.shutdown();
            }
        }
    }

}
