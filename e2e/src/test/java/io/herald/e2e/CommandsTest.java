package io.herald.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testkit.KubeApiServerExtension;
import io.herald.testkit.KubeCluster;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The controller and speaker commands as a user runs them: real processes against the real API server. */
@ExtendWith(KubeApiServerExtension.class)
class CommandsTest {
    private static final Duration START = Duration.ofSeconds(60);

    private static List<String> args(String part, KubeCluster cluster, int port) {
        List<String> args = new ArrayList<>(List.of(
                "--kubeconfig", cluster.adminKubeconfig().toString(), "--listen-address", "127.0.0.1:" + port));
        if (part.equals("speaker")) {
            args.addAll(List.of("--node-name", "node-a"));
        }
        return args;
    }

    @ParameterizedTest
    @ValueSource(strings = {"controller", "speaker"})
    void connectsServesHealthAndMetricsAndStopsOnSigterm(String part, KubeCluster cluster, ApiClient admin) throws Exception {
        ensureNode(admin, "node-a");
        int port = HeraldProcess.freePort();
        try (HeraldProcess process = HeraldProcess.start(part, args(part, cluster, port))) {
            String ready = process.awaitOk(port, "/readyz", START);
            assertTrue(ready.contains("[+]kubernetes-api ok"), ready);
            assertTrue(ready.contains("[+]services-synced ok"), ready);
            assertTrue(ready.contains("[+]started ok"), ready);
            assertTrue(process.output().contains(part + " connected to Kubernetes v1.34"), process.output());

            String live = process.awaitOk(port, "/healthz", START);
            assertTrue(live.contains("[+]process ok\n") && live.contains("[+]services-watch ok\n") && live.endsWith("\nok\n"), live);
            String metrics = process.awaitOk(port, "/metrics", START);
            assertTrue(metrics.contains("herald_build_info{component=\"" + part + "\""), metrics);
            assertTrue(metrics.contains("jvm_memory_used_bytes"), "JVM metrics are exported");

            int exit = process.terminate(Duration.ofSeconds(15));
            assertEquals(143, exit, "the JVM's exit code for SIGTERM");
            assertTrue(process.output().contains(part + " stopped"), process.output());
            assertTrue(HeraldProcess.get(port, "/healthz") == null, "the port is closed after stop");
        }
    }

    @Test
    void speakerNamesItsNodeOnceSynced(KubeCluster cluster, ApiClient admin) throws Exception {
        ensureNode(admin, "node-a");
        int port = HeraldProcess.freePort();
        try (HeraldProcess speaker = HeraldProcess.start("speaker", args("speaker", cluster, port))) {
            speaker.awaitLine("speaker for node node-a: Lease herald-system/herald-speaker-node-a renewed every 2s, lasting 6s", START);
            assertTrue(speaker.awaitOk(port, "/readyz", START).contains("[+]nodes-synced ok"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"controller", "speaker"})
    void helpListsEveryOption(String part) throws Exception {
        try (HeraldProcess process = HeraldProcess.start(part, List.of("--help"))) {
            assertEquals(0, process.awaitExit(START));
            String help = process.output();
            for (String option : List.of("--kubeconfig", "--listen-address", "--api-wait", "--help", "--version")) {
                assertTrue(help.contains(option), part + " --help lacks " + option + ":\n" + help);
            }
            assertTrue(help.startsWith("Usage: " + part), help);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"controller", "speaker"})
    void unreachableApiServerIsAClearErrorAndExit1(String part, @TempDir Path dir) throws Exception {
        // Port 9 (discard) on loopback: nothing listens there.
        Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), String.join("\n",
                "apiVersion: v1", "kind: Config",
                "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9', insecure-skip-tls-verify: true}}]",
                "users: [{name: u, user: {token: t}}]",
                "contexts: [{name: c, context: {cluster: c, user: u}}]",
                "current-context: c", ""));
        List<String> args = new ArrayList<>(List.of("--kubeconfig", kubeconfig.toString(),
                "--listen-address", "127.0.0.1:" + HeraldProcess.freePort(), "--api-wait", "1s"));
        if (part.equals("speaker")) {
            args.addAll(List.of("--node-name", "node-a"));
        }
        try (HeraldProcess process = HeraldProcess.start(part, args)) {
            assertEquals(1, process.awaitExit(START));
            assertTrue(process.output().contains("cannot reach the Kubernetes API at https://127.0.0.1:9"), process.output());
            assertTrue(process.output().contains("check --kubeconfig"), process.output());
        }
    }

    /** One duration style in every flag: a bare number (the old milliseconds or seconds) is refused, saying how to write it. */
    @ParameterizedTest
    @ValueSource(strings = {"controller --lease-duration 15", "speaker --lease-renew 2000", "speaker --api-wait 60",
            "controller --retry-period 1.5s"})
    void aDurationWithoutAUnitIsAUsageErrorThatShowsTheForm(String line) throws Exception {
        String[] words = line.split(" ");
        List<String> args = new ArrayList<>(List.of(words).subList(1, words.length));
        args.addAll(List.of("--node-name", "node-a"));
        try (HeraldProcess process = HeraldProcess.start(words[0], words[0].equals("speaker") ? args : args.subList(0, 2))) {
            assertEquals(2, process.awaitExit(START), "picocli's exit code for a usage error");
            assertTrue(process.output().contains("'" + words[2] + "' is not a duration"), process.output());
            assertTrue(process.output().contains("such as 500ms or 2s"), process.output());
            assertTrue(process.output().contains(words[1]), "names the flag: " + process.output());
        }
    }

    @Test
    void controllerLeaseTimesThatCannotWorkAreRefusedNamingBothFlags(KubeCluster cluster) throws Exception {
        List<String> args = List.of("--kubeconfig", cluster.adminKubeconfig().toString(),
                "--listen-address", "127.0.0.1:" + HeraldProcess.freePort(), "--lease-duration", "10s", "--renew-deadline", "20s");
        try (HeraldProcess process = HeraldProcess.start("controller", args)) {
            assertEquals(2, process.awaitExit(START));
            assertTrue(process.output().contains("--renew-deadline (20s) must be shorter than --lease-duration (10s)"),
                    process.output());
        }
    }

    @Test
    void speakerWithoutNodeNameSaysHowToGiveIt(KubeCluster cluster) throws Exception {
        List<String> args = List.of("--kubeconfig", cluster.adminKubeconfig().toString(),
                "--listen-address", "127.0.0.1:" + HeraldProcess.freePort());
        try (HeraldProcess process = HeraldProcess.start("speaker", args)) {
            assertEquals(2, process.awaitExit(START), "picocli's exit code for a usage error");
            assertTrue(process.output().contains("pass --node-name NAME or set NODE_NAME"), process.output());
        }
    }

    private static void ensureNode(ApiClient admin, String name) throws ApiException {
        try {
            new CoreV1Api(admin).createNode(new V1Node().metadata(new V1ObjectMeta().name(name))).execute();
        } catch (ApiException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }
}
