package io.herald.testkit;

import io.kubernetes.client.openapi.ApiClient;
import java.nio.file.Path;

/** A real Kubernetes API for tests: a local kube-apiserver + etcd, or k3s where Docker exists. */
public interface KubeCluster extends AutoCloseable {
    /** A client with cluster-admin rights (group system:masters). */
    ApiClient adminClient();

    /**
     * A client that authenticates as the ServiceAccount {@code namespace/name} with a
     * token from the TokenRequest API; the namespace and account are created if missing.
     * It can do exactly what RBAC grants that account.
     */
    ApiClient clientAs(String namespace, String serviceAccount);

    /** A kubeconfig file for a real process acting as cluster admin. */
    Path adminKubeconfig();

    /** A kubeconfig file for a real process acting as the ServiceAccount. */
    Path kubeconfigAs(String namespace, String serviceAccount);

    /** The API server's URL. */
    String url();

    @Override
    void close();
}
