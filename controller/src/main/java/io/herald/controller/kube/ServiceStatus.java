package io.herald.controller.kube;

import io.herald.common.ip.IpAddress;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Service;
import java.util.List;

/** Everything the reconciler writes to Kubernetes about a Service. */
public interface ServiceStatus {
    /**
     * Sets {@code status.loadBalancer.ingress} to the IPs and annotation
     * {@code herald.io/allocated-pool} to the pool, guarded by the Service's
     * resourceVersion so a write based on a stale view fails with 409.
     */
    void writeAllocation(V1Service service, String pool, List<IpAddress> ips) throws ApiException;

    /** Removes the ingress IPs and the pool annotation Herald wrote. */
    void clearAllocation(V1Service service) throws ApiException;

    /** Records a Kubernetes Event on the Service. */
    void event(V1Service service, boolean warning, String reason, String message);
}
