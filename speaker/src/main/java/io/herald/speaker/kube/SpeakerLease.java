package io.herald.speaker.kube;

import io.herald.speaker.ownership.OwnLease;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps this node's membership Lease {@code herald-speaker-<node>}: renews it every
 * {@code renew}, reports each success as an {@link OwnLease} timed from when the request
 * was sent, and deletes it on a graceful stop so the next owner takes over at once.
 * One write per node per renewal: the API cost grows with nodes, never with Services.
 */
public final class SpeakerLease implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(SpeakerLease.class);
    /** Lease names are this prefix and the node's name. */
    public static final String PREFIX = "herald-speaker-";
    /** Label on every speaker Lease, so a watch or {@code kubectl get lease -l} can select them. */
    public static final String COMPONENT_LABEL = "app.kubernetes.io/component";
    public static final String COMPONENT = "speaker";

    /** What a renewal attempt came to, for metrics. */
    public interface Listener {
        void renewed(OwnLease lease);

        void renewFailed(String message);
    }

    private final CoordinationV1Api api;
    private final String namespace;
    private final String node;
    private final String name;
    private final Duration renew;
    private final Duration duration;
    private final Optional<V1OwnerReference> owner;
    private final Map<String, String> annotations;
    private final Listener listener;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "speaker-lease"));
    private V1Lease current;
    private OwnLease own;
    private int failuresInARow;
    private boolean released;

    /** @param annotations written on the Lease and kept there: how peers reach this speaker's heartbeats */
    public SpeakerLease(ApiClient client, String namespace, String node, Duration renew, Duration duration,
            Optional<V1OwnerReference> owner, Map<String, String> annotations, Listener listener) {
        if (renew.compareTo(duration) >= 0) {
            throw new IllegalArgumentException("--lease-renew (" + renew.toMillis() + " ms) must be shorter than --lease-duration ("
                    + duration.toMillis() + " ms), or the Lease lapses between renewals");
        }
        this.api = new CoordinationV1Api(client);
        this.namespace = namespace;
        this.node = node;
        this.name = PREFIX + node;
        this.renew = renew;
        this.duration = duration;
        this.owner = owner;
        this.annotations = Map.copyOf(annotations);
        this.listener = listener;
        this.own = OwnLease.notHeld(node);
    }

    /** The node a speaker Lease belongs to, or empty for any other Lease. */
    public static Optional<String> nodeOf(V1Lease lease) {
        String leaseName = lease.getMetadata() == null ? null : lease.getMetadata().getName();
        if (leaseName == null || !leaseName.startsWith(PREFIX)) {
            return Optional.empty();
        }
        V1LeaseSpec spec = lease.getSpec();
        String holder = spec == null ? null : spec.getHolderIdentity();
        return Optional.of(holder != null && !holder.isEmpty() ? holder : leaseName.substring(PREFIX.length()));
    }

    public void start() {
        timer.scheduleWithFixedDelay(this::renewOnce, 0, renew.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void renewOnce() {
        long sent = System.nanoTime();
        try {
            current = current == null ? createOrRead() : replace(current);
            own = own.renewed(sent, duration.toNanos());
            if (failuresInARow > 0) {
                log.info("Lease {}/{} renewed again after {} failed attempts", namespace, name, failuresInARow);
            }
            failuresInARow = 0;
            listener.renewed(own);
        } catch (ApiException e) {
            if (e.getCode() == 409 || e.getCode() == 404) {
                current = null; // someone else wrote or deleted it: read or create it afresh, right away
                timer.execute(this::renewOnce);
            }
            failed(e.getCode() == 0 ? "no answer from the API server (" + e.getMessage() + ")"
                    : "HTTP " + e.getCode() + " " + shortBody(e));
        } catch (RuntimeException e) {
            failed(e.toString());
        }
    }

    private void failed(String message) {
        failuresInARow++;
        if (failuresInARow == 1 || failuresInARow % 30 == 0) {
            log.warn("cannot renew Lease {}/{} ({} in a row): {}; unless its peers' heartbeats confirm it, this node stops"
                    + " announcing when the Lease is {} ms old; check the API server and that the speaker may update leases in {}",
                    namespace, name, failuresInARow, message, duration.toMillis(), namespace);
        }
        listener.renewFailed(message);
    }

    private V1Lease createOrRead() throws ApiException {
        try {
            V1Lease existing = api.readNamespacedLease(name, namespace).execute();
            // A Lease left without an owner (a by-hand run, an older speaker) joins this install's; renewals keep it.
            owner.filter(o -> existing.getMetadata().getOwnerReferences() == null
                    || existing.getMetadata().getOwnerReferences().stream().noneMatch(r -> o.getUid().equals(r.getUid())))
                    .ifPresent(o -> existing.getMetadata().ownerReferences(List.of(o)));
            return replace(existing);
        } catch (ApiException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        OffsetDateTime now = now();
        V1Lease lease = new V1Lease()
                .metadata(new V1ObjectMeta().name(name).namespace(namespace).ownerReferences(owner.map(List::of).orElse(null))
                        .annotations(annotations.isEmpty() ? null : annotations)
                        .labels(Map.of(COMPONENT_LABEL, COMPONENT, "app.kubernetes.io/name", "herald")))
                .spec(new V1LeaseSpec().holderIdentity(node).leaseDurationSeconds(durationSeconds())
                        .acquireTime(now).renewTime(now));
        V1Lease created = api.createNamespacedLease(namespace, lease).execute();
        log.info("created Lease {}/{} (renewed every {} ms, lasts {} s)", namespace, name, renew.toMillis(), durationSeconds());
        return created;
    }

    private V1Lease replace(V1Lease lease) throws ApiException {
        annotations.forEach((key, value) -> {
            Map<String, String> now = lease.getMetadata().getAnnotations();
            if (now == null || !value.equals(now.get(key))) {
                lease.getMetadata().putAnnotationsItem(key, value);
            }
        });
        V1LeaseSpec spec = lease.getSpec() == null ? new V1LeaseSpec() : lease.getSpec();
        spec.holderIdentity(node).leaseDurationSeconds(durationSeconds()).renewTime(now());
        if (spec.getAcquireTime() == null) {
            spec.acquireTime(spec.getRenewTime());
        }
        lease.spec(spec);
        return api.replaceNamespacedLease(name, namespace, lease).execute();
    }

    private int durationSeconds() {
        return (int) Math.max(1, (duration.toMillis() + 999) / 1000);
    }

    /**
     * Stops renewing and deletes the Lease so other speakers take this node's VIPs at
     * once; this node keeps answering until they claim them. Idempotent.
     */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (released) {
                return; // closed once already: the Lease is gone
            }
            released = true;
            own = own.released();
            try {
                api.deleteNamespacedLease(name, namespace).execute();
                log.info("deleted Lease {}/{}: the other speakers take this node's VIPs now", namespace, name);
            } catch (ApiException e) {
                if (e.getCode() != 404) {
                    log.warn("could not delete Lease {}/{} (HTTP {}); the other speakers take over when it expires in {} ms",
                            namespace, name, e.getCode(), duration.toMillis());
                }
            }
        }
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    private static String shortBody(ApiException e) {
        String body = e.getResponseBody() == null ? e.getMessage() : e.getResponseBody();
        return body == null ? "" : body.length() > 200 ? body.substring(0, 200) + "..." : body;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
