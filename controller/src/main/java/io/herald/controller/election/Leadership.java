package io.herald.controller.election;

import io.herald.common.cli.DurationConverter;
import io.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.kubernetes.client.extended.leaderelection.LeaderElector;
import io.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import java.time.Duration;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Lease-based leader election: only the replica holding Lease {@code herald-controller}
 * writes. Losing the Lease ends the process: a replica that may have missed writes
 * must not go on acting on its memory; Kubernetes restarts it as a fresh standby.
 */
public final class Leadership implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(Leadership.class);

    /** Lease timing; the renew deadline must be shorter than the lease so an old leader stops first. */
    public record Timing(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
        public Timing {
            if (leaseDuration.toMillis() % 1000 != 0 || leaseDuration.isZero()) {
                throw new IllegalArgumentException("--lease-duration (" + DurationConverter.format(leaseDuration)
                        + ") must be a whole number of seconds, such as 15s: the Lease stores seconds");
            }
            if (renewDeadline.compareTo(leaseDuration) >= 0) {
                throw new IllegalArgumentException("--renew-deadline (" + DurationConverter.format(renewDeadline)
                        + ") must be shorter than --lease-duration (" + DurationConverter.format(leaseDuration) + ")");
            }
            if (retryPeriod.isZero() || retryPeriod.compareTo(renewDeadline) >= 0) {
                throw new IllegalArgumentException("--retry-period (" + DurationConverter.format(retryPeriod)
                        + ") must be above 0 and shorter than --renew-deadline (" + DurationConverter.format(renewDeadline) + ")");
            }
        }
    }

    private final LeaderElector elector;
    private final String identity;
    private final String lease;
    private final Thread thread;
    private volatile boolean leading;
    private volatile boolean closing;

    public Leadership(ApiClient client, String namespace, String leaseName, String identity, Timing timing,
            Optional<V1OwnerReference> owner, Runnable onStartLeading, Runnable onLostLeadership) {
        this.identity = identity;
        this.lease = namespace + "/" + leaseName;
        LeaseLock lock = new LeaseLock(namespace, leaseName, identity, client);
        // The owner goes on the Lease when it is created, once per install: the Lease outlives every replica.
        this.elector = new LeaderElector(new LeaderElectionConfig(lock, timing.leaseDuration(), timing.renewDeadline(),
                timing.retryPeriod(), owner.orElse(null)), e -> log.warn("leader election on Lease {}: {}", lease, e.toString()));
        this.thread = new Thread(() -> elector.run(() -> {
            leading = true;
            log.info("{} became leader (Lease {})", identity, lease);
            onStartLeading.run();
        }, () -> {
            boolean was = leading;
            leading = false;
            if (!closing && was) {
                log.error("{} lost leadership of Lease {}", identity, lease);
                onLostLeadership.run();
            }
        }, newLeader -> {
            if (!newLeader.equals(identity)) {
                log.info("leader is {} (Lease {}); {} stands by", newLeader, lease, identity);
            }
        }), "leader-election");
        thread.setDaemon(true);
    }

    public void start() {
        log.info("{} campaigning for Lease {}", identity, lease);
        thread.start();
    }

    public boolean leading() {
        return leading;
    }

    /** Steps down; client-java clears the holder so a standby can take over without waiting out the lease. */
    @Override
    public void close() {
        closing = true;
        elector.close();
    }
}
