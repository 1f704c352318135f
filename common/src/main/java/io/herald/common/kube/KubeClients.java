package io.herald.common.kube;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.VersionApi;
import io.kubernetes.client.openapi.models.VersionInfo;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Builds the client every Herald command talks to Kubernetes with. */
public final class KubeClients {
    private static final Logger log = LogManager.getLogger(KubeClients.class);

    private KubeClients() {}

    /**
     * A client from the given kubeconfig, else from the in-cluster service account,
     * else from {@code $KUBECONFIG}. Watches stay open, so reads never time out.
     */
    public static ApiClient connect(Path kubeconfig) throws IOException {
        LenientJson.install();
        ApiClient client;
        if (kubeconfig != null) {
            client = fromKubeconfig(kubeconfig, "--kubeconfig");
        } else if (System.getenv("KUBERNETES_SERVICE_HOST") != null) {
            client = ClientBuilder.cluster().build();
        } else if (System.getenv("KUBECONFIG") != null && !System.getenv("KUBECONFIG").isBlank()) {
            client = fromKubeconfig(Path.of(System.getenv("KUBECONFIG").split(":")[0]), "$KUBECONFIG");
        } else {
            throw new IOException("no Kubernetes configuration: pass --kubeconfig PATH,"
                    + " set $KUBECONFIG, or run inside a cluster");
        }
        return withoutReadTimeout(client);
    }

    public static ApiClient fromKubeconfig(Path file, String origin) throws IOException {
        LenientJson.install();
        if (!Files.isReadable(file)) {
            throw new IOException(origin + ": cannot read kubeconfig " + file);
        }
        try (Reader reader = Files.newBufferedReader(file)) {
            KubeConfig config = KubeConfig.loadKubeConfig(reader);
            config.setFile(file.toFile()); // relative certificate paths resolve next to the file
            return ClientBuilder.kubeconfig(config).build();
        }
    }

    /**
     * {@code client} with every call given up after {@code deadline}: for requests that
     * must not hang on an API server that stopped answering (a Lease renewal is worth
     * nothing once it is late). Not for watches, which stay open.
     */
    public static ApiClient withDeadline(ApiClient client, Duration deadline) {
        client.setHttpClient(client.getHttpClient().newBuilder().callTimeout(deadline).readTimeout(deadline).build());
        return client;
    }

    public static ApiClient withoutReadTimeout(ApiClient client) {
        client.setHttpClient(client.getHttpClient().newBuilder().readTimeout(0, TimeUnit.SECONDS).build());
        return client;
    }

    /**
     * Asks the API server for its version until it answers or {@code patience} runs
     * out, so a command started alongside the API server does not die at once.
     */
    public static VersionInfo awaitServer(ApiClient client, Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        long delayMs = 200;
        while (true) {
            try {
                return new VersionApi(client).getCode().execute();
            } catch (ApiException e) {
                String why = e.getCode() == 0 ? String.valueOf(e.getMessage()) : "HTTP " + e.getCode() + " " + e.getResponseBody();
                if (System.nanoTime() > deadline) {
                    throw new IOException("cannot reach the Kubernetes API at " + client.getBasePath() + ": "
                            + why + "; check --kubeconfig and that the API server is up", e);
                }
                log.warn("Kubernetes API at {} not reachable yet ({}); retrying", client.getBasePath(), why);
                Thread.sleep(delayMs);
                delayMs = Math.min(delayMs * 2, 5_000);
            }
        }
    }
}
