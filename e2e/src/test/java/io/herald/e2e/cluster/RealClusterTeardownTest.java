package io.herald.e2e.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testkit.KubeBinaries;
import io.herald.testkit.cluster.RealCluster;
import io.herald.testkit.net.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real cluster leaves nothing behind: not after {@code close()}, and not after its JVM
 * was killed outright (the next start cleans it). Each test starts a one-node cluster of
 * its own with a pod that has a volume, so that every kind of trace exists first.
 */
class RealClusterTeardownTest {
    private static final Duration KUBECTL = Duration.ofSeconds(60);
    private static final String POD = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: page, namespace: default}
            data: {index.html: hello}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: backend, namespace: default}
            spec:
              terminationGracePeriodSeconds: 1
              volumes: [{name: page, configMap: {name: page}}]
              containers:
              - name: backend
                image: herald.local/backend:1
                imagePullPolicy: Never
                volumeMounts: [{name: page, mountPath: /page}]
            """;

    @Test
    void closeLeavesNoProcessNamespaceMountCgroupSocketOrCacheEntry() {
        RealCluster cluster = RealCluster.builder().nodes(1).images(testImages()).start();
        RealCluster.Footprint live;
        try {
            cluster.apply(POD);
            cluster.kubectl(KUBECTL, "wait", "--for=condition=Ready", "pod/backend", "--timeout=60s").orThrow();
            live = cluster.footprint();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        assertEveryKindPresent(live, null);
        cluster.close();
        RealCluster.Footprint left = live.remaining();
        assertTrue(left.isEmpty(), () -> "left after close: " + left + " " + left.processes().stream()
                .map(pid -> pid + ": " + ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("?")).toList());
        System.out.printf("real cluster teardown: %d processes, %d pod namespaces, %d mounts, %d cgroups removed%n",
                live.processes().size(), live.podNamespaces().size(), live.mounts().size(), live.cgroups().size());
    }

    @Test
    void aClusterOfAKilledJvmIsRemovedAtTheNextStart(@TempDir Path dir) throws Exception {
        Path kubeconfig = dir.resolve("kubeconfig");
        Path log = dir.resolve("cluster.log");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "-Dherald.kube.bin=" + KubeBinaries.locate(),
                "io.herald.testkit.cluster.RealClusterCommand", "--nodes=1", "--kubeconfig-out=" + kubeconfig));
        testImages().forEach(image -> command.add("--image=" + image));
        Process jvm = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(kubeconfig) && System.nanoTime() < deadline && jvm.isAlive()) {
                Thread.sleep(200);
            }
            assertTrue(Files.exists(kubeconfig), "the cluster came up: " + Files.readString(log));
            Path kubectl = KubeBinaries.locate().resolve("kubectl");
            Exec.run(KUBECTL, POD, List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString(), "apply", "-f", "-")).orThrow();
            Exec.run(KUBECTL, null, List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString(), "wait",
                    "--for=condition=Ready", "pod/backend", "--timeout=60s")).orThrow();
        } finally {
            jvm.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs, the cluster stays as it was
        }
        String run = runOf(Files.readString(log));
        RealCluster.Footprint orphaned = RealCluster.footprint(run);
        assertEveryKindPresent(orphaned, log);

        List<String> removed = RealCluster.cleanStale();
        assertTrue(removed.contains(run), "cleanStale removed " + removed + ", not " + run);
        RealCluster.Footprint left = orphaned.remaining();
        assertTrue(left.isEmpty(), () -> "left after cleanStale: " + left + " " + left.processes().stream()
                .map(pid -> pid + ": " + ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("?")).toList());
        assertTrue(RealCluster.footprint(run).isEmpty(), "a new look finds nothing of " + run);
    }

    private static void assertEveryKindPresent(RealCluster.Footprint f, Path log) {
        // Each kind must exist before teardown, or the check after it proves nothing.
        if (f.isEmpty()) {
            throw new AssertionError("nothing of the run found: " + f + (log == null ? "" : "; its log:\n" + read(log)));
        }
        assertFalse(f.processes().isEmpty(), "processes " + f);
        assertFalse(f.namespaces().isEmpty(), "namespaces " + f);
        assertFalse(f.podNamespaces().isEmpty(), "pod namespaces " + f);
        assertFalse(f.shimSockets().isEmpty(), "shim sockets " + f);
        assertFalse(f.cniCache().isEmpty(), "CNI cache " + f);
        assertFalse(f.cgroups().isEmpty(), "cgroups " + f);
        assertFalse(f.mounts().isEmpty(), "mounts " + f);
        assertFalse(f.directories().isEmpty(), "directories " + f);
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static String runOf(String log) {
        var m = java.util.regex.Pattern.compile("real cluster ([0-9a-f]{6}) up in").matcher(log);
        assertTrue(m.find(), log);
        return m.group(1);
    }

    private static List<Path> testImages() {
        String dir = System.getProperty("herald.images.dir", "target/images");
        List<Path> images = List.of(Path.of(dir, "test-pause.tar"), Path.of(dir, "test-backend.tar"));
        images.forEach(i -> assertTrue(Files.isRegularFile(i), "no " + i + "; scripts/images.sh builds it"));
        assertEquals(2, images.size());
        return images;
    }
}
