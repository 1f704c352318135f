package io.herald.e2e;

import io.herald.testkit.KubeCluster;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A controller replica as a real process, with lease timings short enough for tests. */
public final class ControllerProcess {
    public static final String NAMESPACE = "herald-system";

    private ControllerProcess() {}

    public static HeraldProcess start(KubeCluster cluster, String identity, String... extra) {
        return start(cluster, identity, HeraldProcess.freePort(), extra);
    }

    public static HeraldProcess start(KubeCluster cluster, String identity, int port, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "--kubeconfig", cluster.adminKubeconfig().toString(),
                "--listen-address", "127.0.0.1:" + port,
                "--namespace", NAMESPACE,
                "--identity", identity,
                "--lease-duration", "4s", "--renew-deadline", "3s", "--retry-period", "1s"));
        args.addAll(List.of(extra));
        return HeraldProcess.start("controller", args);
    }

    /** The identity holding Lease herald-controller, or null. */
    static String leader(ApiClient admin) {
        try {
            return new CoordinationV1Api(admin).readNamespacedLease("herald-controller", NAMESPACE).execute()
                    .getSpec().getHolderIdentity();
        } catch (Exception e) {
            return null;
        }
    }

    static void awaitLeader(ApiClient admin, String identity) throws Exception {
        Kube.await(identity + " to lead", Duration.ofSeconds(60), () -> identity.equals(leader(admin)));
    }
}
