package io.herald.common.kube;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The workload a Herald Lease belongs to ({@code --lease-owner Deployment/herald-controller},
 * {@code DaemonSet/herald-speaker}): the Lease carries an owner reference to it, so
 * Kubernetes' garbage collector deletes the Lease with it. That is what makes
 * {@code helm uninstall} leave no Lease behind: Helm deletes the workloads and their RBAC
 * at once, so a speaker stopping then can no longer delete its own Lease.
 *
 * <p>The owner is the workload rather than the pod: a pod is replaced on every rollout and
 * its Lease must outlive it (a leader Lease deleted under its holder would let a standby
 * lead beside it until the holder's next renewal).
 */
public record LeaseOwner(String kind, String name) {
    private static final Logger log = LogManager.getLogger(LeaseOwner.class);

    public LeaseOwner {
        if (!kind.equals("Deployment") && !kind.equals("DaemonSet")) {
            throw new IllegalArgumentException("--lease-owner " + kind + "/" + name
                    + ": the kind must be Deployment or DaemonSet (apps/v1), as in DaemonSet/herald-speaker");
        }
        if (name.isBlank()) {
            throw new IllegalArgumentException("--lease-owner " + kind + "/: name the " + kind);
        }
    }

    /** {@code KIND/NAME}, or empty for a blank value (Leases without an owner: the process lab, a by-hand run). */
    public static Optional<LeaseOwner> parse(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        int slash = value.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("--lease-owner " + value
                    + ": write KIND/NAME, as in Deployment/herald-controller or DaemonSet/herald-speaker");
        }
        return Optional.of(new LeaseOwner(value.substring(0, slash).strip(), value.substring(slash + 1).strip()));
    }

    /**
     * Reads the workload for its UID. A failure is logged with its fix and gives an empty
     * result: a Lease without an owner works the same, it only outlives an uninstall.
     */
    public Optional<V1OwnerReference> resolve(ApiClient client, String namespace) {
        try {
            AppsV1Api apps = new AppsV1Api(client);
            V1ObjectMeta meta = kind.equals("Deployment")
                    ? apps.readNamespacedDeployment(name, namespace).execute().getMetadata()
                    : apps.readNamespacedDaemonSet(name, namespace).execute().getMetadata();
            return Optional.of(new V1OwnerReference().apiVersion("apps/v1").kind(kind).name(name).uid(meta.getUid()));
        } catch (ApiException e) {
            log.warn("cannot read {} {}/{} (HTTP {}) to own this component's Lease; the Lease works without an owner but is"
                    + " left behind when Herald is uninstalled; check that it exists and that the component may get it",
                    kind, namespace, name, e.getCode());
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return kind + "/" + name;
    }
}
