package io.herald.common.serve;

import io.herald.common.cli.Commands;
import io.herald.common.kube.KubeClients;
import io.herald.common.kube.WatchHealth;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.VersionInfo;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What every Herald process shares: the health and metrics endpoint, a connected
 * Kubernetes client, an informer factory, and an orderly stop on SIGTERM.
 */
public final class Component implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(Component.class);
    /** How long a watch may keep failing before /healthz reports it (and Kubernetes restarts us). */
    private static final Duration WATCH_GRACE = Duration.ofSeconds(60);

    private final String name;
    private final Daemon daemon;
    private final Health health = new Health();
    private final PrometheusRegistry registry = PrometheusRegistry.defaultRegistry;
    private final ApiClient client;
    private final SharedInformerFactory informers;
    private volatile HealthServer server;
    private volatile boolean connected;
    private volatile boolean running;
    private final List<SharedIndexInformer<?>> watched = new CopyOnWriteArrayList<>();

    private Component(String name, ApiClient client) {
        this.name = name;
        this.daemon = new Daemon(name);
        this.client = client;
        this.informers = new SharedInformerFactory(client);
    }

    /**
     * Serves health and metrics at once (so a probe sees "not ready" rather than
     * "connection refused"), then waits for the API server to answer.
     */
    public static Component start(String name, InetSocketAddress listen, ApiClient client, Duration apiPatience)
            throws IOException, InterruptedException {
        Component component = new Component(name, client);
        component.health.addReadiness("kubernetes-api", () -> component.connected
                ? Optional.empty()
                : Optional.of("waiting for the Kubernetes API at " + client.getBasePath()));
        component.health.addReadiness("started", () -> component.running
                ? Optional.empty()
                : Optional.of("still starting"));
        component.health.addLiveness("process", () -> component.daemon.stopping()
                ? Optional.of("stopping")
                : Optional.empty());
        ProcessMetrics.register(component.registry, name);
        component.server = component.daemon.closeOnStop(HealthServer.start(listen, component.health, component.registry));
        log.info("{} {}: serving /healthz, /readyz and /metrics on {}", name, Commands.version(), component.server.address());
        try {
            VersionInfo version = KubeClients.awaitServer(client, apiPatience);
            log.info("{} connected to Kubernetes {} at {}", name, version.getGitVersion(), client.getBasePath());
        } catch (IOException | InterruptedException e) {
            component.close();
            throw e;
        }
        component.connected = true;
        return component;
    }

    public Health health() {
        return health;
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    public ApiClient client() {
        return client;
    }

    public SharedInformerFactory informers() {
        return informers;
    }

    public InetSocketAddress address() {
        return server.address();
    }

    public <T extends AutoCloseable> T closeOnStop(T closeable) {
        return daemon.closeOnStop(closeable);
    }

    /** A cluster-wide informer whose first sync gates readiness and whose failures gate liveness. */
    public <T extends KubernetesObject, L extends KubernetesListObject> SharedIndexInformer<T> watch(
            Class<T> type, Class<L> listType, String group, String version, String plural) {
        return watchNamespace("", type, listType, group, version, plural);
    }

    /** Like {@link #watch}, limited to one namespace ("" for all). */
    public <T extends KubernetesObject, L extends KubernetesListObject> SharedIndexInformer<T> watchNamespace(
            String namespace, Class<T> type, Class<L> listType, String group, String version, String plural) {
        var api = new GenericKubernetesApi<>(type, listType, group, version, plural, client);
        WatchHealth watchHealth = new WatchHealth(plural, WATCH_GRACE);
        SharedIndexInformer<T> informer = informers.sharedIndexInformerFor(api, type, 0, namespace, (t, error) -> {
            log.warn("{} watch failed, retrying: {}", plural, error.getMessage() == null ? error.toString() : error.getMessage());
            watchHealth.failed(error);
        });
        watchHealth.watching(informer);
        watched.add(informer);
        health.addReadiness(plural + "-synced", () -> informer.hasSynced()
                ? Optional.empty()
                : Optional.of("the " + plural + " cache has not synced with the API server yet"));
        health.addLiveness(plural + "-watch", watchHealth::problem);
        return informer;
    }

    /** Starts every informer and waits until all have synced, or fails after {@code patience}. */
    public void startInformers(Duration patience) throws InterruptedException, IOException {
        daemon.closeOnStop(informers::stopAllRegisteredInformers);
        informers.startAllRegisteredInformers();
        long deadline = System.nanoTime() + patience.toNanos();
        while (!watched.stream().allMatch(SharedIndexInformer::hasSynced)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("caches did not sync within " + patience.toSeconds() + " s: "
                        + health.ready().lines().stream().filter(l -> l.startsWith("[-]") && l.contains("-synced"))
                                .toList() + "; check that this account may list and watch them (RBAC)");
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** Marks the component ready, then blocks until SIGTERM / SIGINT has stopped everything. */
    public void awaitStop() throws InterruptedException {
        running = true;
        log.info("{} running", name);
        daemon.awaitStop();
    }

    @Override
    public void close() {
        daemon.closeAll();
    }
}
