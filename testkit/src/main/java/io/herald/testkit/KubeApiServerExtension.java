package io.herald.testkit;

import io.kubernetes.client.openapi.ApiClient;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a real Kubernetes API: one per test JVM (or per class with
 * {@link KubeApiServerPerClass}), started on first use and stopped when those tests
 * are done, also after failures. Parameters of type
 * {@link KubeCluster} (or {@link LocalKubeApiServer}) and {@link ApiClient} (admin)
 * are injected. Which cluster: a local kube-apiserver + etcd built by
 * scripts/kube-binaries.sh; k3s in Docker only when {@code HERALD_KUBE=k3s}.
 */
public final class KubeApiServerExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KubeApiServerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster(context);
    }

    static KubeCluster cluster(ExtensionContext context) {
        ExtensionContext owner = context.getRoot();
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            if (c.getTestClass().map(t -> t.isAnnotationPresent(KubeApiServerPerClass.class)).orElse(false)
                    && c.getTestMethod().isEmpty()) {
                owner = c;
                break;
            }
        }
        return owner.getStore(NAMESPACE).getOrComputeIfAbsent(KubeCluster.class, k -> startCluster(), KubeCluster.class);
    }

    private static KubeCluster startCluster() {
        String kind = System.getenv().getOrDefault("HERALD_KUBE", "local");
        return switch (kind) {
            case "local" -> LocalKubeApiServer.start();
            case "k3s" -> K3sCluster.start();
            default -> throw new IllegalStateException("HERALD_KUBE=" + kind + " is not known; use local (default) or k3s");
        };
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == KubeCluster.class || type == LocalKubeApiServer.class || type == ApiClient.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        KubeCluster cluster = cluster(context);
        Class<?> type = parameter.getParameter().getType();
        if (type == ApiClient.class) {
            return cluster.adminClient();
        }
        if (type == LocalKubeApiServer.class && !(cluster instanceof LocalKubeApiServer)) {
            throw new IllegalStateException("this test needs the local kube-apiserver, but HERALD_KUBE chose " + cluster);
        }
        return cluster;
    }
}
