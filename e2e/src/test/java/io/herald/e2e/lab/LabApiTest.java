package io.herald.e2e.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.e2e.HeraldProcess;
import io.herald.testkit.KubeApiServerExtension;
import io.herald.testkit.KubeBinaries;
import io.herald.testkit.KubeCluster;
import io.herald.testkit.net.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Processes in node namespaces reach the test's API server, which listens on 127.0.0.1 of the test JVM's namespace. */
@ExtendWith(KubeApiServerExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LabApiTest {
    private static final Duration START = Duration.ofSeconds(60);

    @Test
    void processesInANodeReachTheApiServerThroughTheForwarderWithTheirOwnCredential(KubeCluster cluster) throws Exception {
        String kubectl = KubeBinaries.locate().resolve("kubectl").toString();
        try (Lab lab = Lab.builder().nodes(2).kube(cluster)
                .credentials(node -> node.equals("n1") ? cluster.adminKubeconfig() : cluster.kubeconfigAs("herald-system", "lab-" + node))
                .start()) {
            for (LabNode node : lab.nodes()) {
                String kubeconfig = lab.kubeconfig(node.name()).toString();
                assertTrue(Files.readString(Path.of(kubeconfig)).contains("server: https://127.0.0.1:" + lab.apiPort()));
                assertEquals("ok", lab.exec(node.name(), START, kubectl, "--kubeconfig", kubeconfig, "get", "--raw", "/readyz")
                        .orThrow().strip());
            }
            String n2 = lab.exec("n2", START, kubectl, "--kubeconfig", lab.kubeconfig("n2").toString(), "auth", "whoami", "-o",
                    "jsonpath={.status.userInfo.username}").orThrow();
            assertEquals("system:serviceaccount:herald-system:lab-n2", n2.strip());
        }
    }

    @Test
    void speakerRunsInItsNodeAsTheJvmItselfStopsOnSigtermAndDiesOnSigkill(KubeCluster cluster) throws Exception {
        try (Lab lab = Lab.builder().nodes(1).kube(cluster).start()) {
            SpeakerProcess speaker = lab.startSpeaker("n1");
            assertTrue(speaker.awaitOk("/readyz", START).contains("[+]kubernetes-api ok"));
            assertTrue(speaker.metrics().contains("herald_build_info{component=\"speaker\""), "metrics from inside n1");
            assertEquals(0, get(speaker.metricsPort()), "nothing on that port in the test JVM's namespace");

            Path exe = Files.readSymbolicLink(Path.of("/proc", Long.toString(speaker.pid()), "exe"));
            assertEquals("java", exe.getFileName().toString(), "ip netns exec execs the JVM: the pid is its own");
            assertEquals("net:[" + new Netns(lab.node("n1").netns()).inode() + "]",
                    Files.readSymbolicLink(Path.of("/proc", Long.toString(speaker.pid()), "ns", "net")).toString());
            assertEquals(143, speaker.terminate(Duration.ofSeconds(15)), "a clean stop on SIGTERM");
            assertTrue(speaker.output().contains("speaker stopped"), speaker.output());

            SpeakerProcess again = lab.startSpeaker("n1");
            again.awaitOk("/readyz", START);
            again.kill();
            assertFalse(again.alive());
            assertFalse(new Netns(lab.node("n1").netns()).pids().contains(again.pid()), "SIGKILL hit the JVM");
        }
    }

    @Test
    void controllerRunsInTheRootNamespace(KubeCluster cluster) throws Exception {
        try (Lab lab = Lab.builder().nodes(1).kube(cluster).start()) {
            int port = HeraldProcess.freePort();
            HeraldProcess controller = lab.startController("lab-controller", port);
            controller.awaitLine("controller connected to Kubernetes", START);
            assertTrue(controller.awaitOk(port, "/healthz", START).endsWith("ok\n"));
        }
    }

    /** Status of GET /metrics on 127.0.0.1 of the test JVM's namespace; 0 when nothing listens. */
    private static int get(int port) throws InterruptedException {
        var response = HeraldProcess.get(port, "/metrics");
        return response == null ? 0 : response.statusCode();
    }
}
