package io.herald.common.cli;

import io.herald.common.kube.KubeClients;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How a command reaches the Kubernetes API. */
public final class KubeOptions {
    @Option(names = "--kubeconfig", paramLabel = "PATH",
            description = "kubeconfig to use; default: the in-cluster service account, else $KUBECONFIG")
    Path kubeconfig;

    public ApiClient connect() throws IOException {
        return KubeClients.connect(kubeconfig);
    }

    /** A second client whose every call gives up after {@code deadline}; see {@link KubeClients#withDeadline}. */
    public ApiClient connect(Duration deadline) throws IOException {
        return KubeClients.withDeadline(KubeClients.connect(kubeconfig), deadline);
    }
}
