package io.herald.common.cli;

import io.herald.common.kube.KubeClients;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How a command reaches the Kubernetes API. */
public final class KubeOptions {
    @Option(names = "--kubeconfig", paramLabel = "PATH",
            description = "kubeconfig to use; default: the in-cluster service account, else $KUBECONFIG")
    Path kubeconfig;

    public ApiClient connect() throws IOException {
        return KubeClients.connect(kubeconfig);
    }
}
