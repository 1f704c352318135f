package io.herald.common.cli;

import io.herald.common.Annotations;
import io.herald.common.kube.LeaseOwner;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where Herald's shared objects are and which Services are Herald's: the same for the controller and the speaker. */
public final class HeraldOptions {
    @Option(names = "--namespace", paramLabel = "NAME", defaultValue = "${env:POD_NAMESPACE:-herald-system}",
            description = "namespace Herald runs in: its ConfigMap and its Leases (default: $POD_NAMESPACE, else herald-system)")
    public String namespace;

    @Option(names = "--config-map", paramLabel = "NAME", defaultValue = "herald-config",
            description = "ConfigMap whose \"config\" key holds the address pools (default: ${DEFAULT-VALUE})")
    public String configMap;

    @Option(names = "--load-balancer-class", paramLabel = "CLASS", defaultValue = Annotations.DEFAULT_LOAD_BALANCER_CLASS,
            description = "Services with this spec.loadBalancerClass, or none, are Herald's (default: ${DEFAULT-VALUE})")
    public String loadBalancerClass;

    @Option(names = "--lease-owner", paramLabel = "KIND/NAME", defaultValue = "",
            description = "the Deployment or DaemonSet in --namespace that owns this component's Lease, so deleting it"
                    + " (helm uninstall) deletes the Lease too; the chart sets it (default: none)")
    public String leaseOwner;

    @Option(names = "--api-wait", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "how long to wait for the Kubernetes API at start before giving up (default: ${DEFAULT-VALUE})")
    public Duration apiWait;

    /** {@code --lease-owner} parsed; an {@link IllegalArgumentException} names the flag and the form it takes. */
    public Optional<LeaseOwner> leaseOwner() {
        return LeaseOwner.parse(leaseOwner);
    }
}
