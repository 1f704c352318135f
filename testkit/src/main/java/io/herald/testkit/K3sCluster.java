package io.herald.testkit;

import io.herald.common.kube.KubeClients;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/** k3s in Docker through Testcontainers; chosen only with HERALD_KUBE=k3s. */
final class K3sCluster implements KubeCluster {
    private static final String IMAGE = "rancher/k3s:v1.34.4-k3s1";

    private final K3sContainer container;
    private final ApiClient admin;
    private final String url;
    private final String caPem;
    private final Path dir;
    private final Map<String, Path> kubeconfigs = new ConcurrentHashMap<>();

    private K3sCluster(K3sContainer container) throws IOException {
        this.container = container;
        String yaml = container.getKubeConfigYaml();
        KubeConfig config = KubeConfig.loadKubeConfig(new StringReader(yaml));
        this.url = config.getServer();
        this.caPem = new String(config.getDataOrFileRelative(config.getCertificateAuthorityData(), config.getCertificateAuthorityFile()),
                StandardCharsets.UTF_8);
        this.admin = KubeClients.withoutReadTimeout(ClientBuilder.kubeconfig(config).build());
        this.dir = Files.createTempDirectory("herald-k3s-");
        Files.writeString(dir.resolve("kubeconfig-admin.yaml"), yaml);
    }

    static K3sCluster start() {
        boolean docker = Files.exists(Path.of("/var/run/docker.sock")) || System.getenv("DOCKER_HOST") != null;
        if (!docker) {
            throw new IllegalStateException("HERALD_KUBE=k3s needs a Docker engine, and there is none"
                    + " (no /var/run/docker.sock, no DOCKER_HOST); unset HERALD_KUBE to use the local kube-apiserver");
        }
        K3sContainer container = new K3sContainer(DockerImageName.parse(IMAGE));
        container.start();
        try {
            return new K3sCluster(container);
        } catch (IOException e) {
            container.stop();
            throw new UncheckedIOException("cannot read the k3s kubeconfig", e);
        }
    }

    @Override
    public ApiClient adminClient() {
        return admin;
    }

    @Override
    public ApiClient clientAs(String namespace, String serviceAccount) {
        return TokenClients.client(url, caPem, ServiceAccounts.token(admin, namespace, serviceAccount));
    }

    @Override
    public Path adminKubeconfig() {
        return dir.resolve("kubeconfig-admin.yaml");
    }

    @Override
    public Path kubeconfigAs(String namespace, String serviceAccount) {
        String user = "system:serviceaccount:" + namespace + ":" + serviceAccount;
        return kubeconfigs.computeIfAbsent(user, k -> TokenClients.kubeconfig(
                dir.resolve("kubeconfig-" + namespace + "-" + serviceAccount + ".yaml"), url, caPem, user,
                ServiceAccounts.token(admin, namespace, serviceAccount)));
    }

    @Override
    public String url() {
        return url;
    }

    @Override
    public void close() {
        container.stop();
    }

    @Override
    public String toString() {
        return "k3s " + IMAGE + " at " + url;
    }
}
