package io.herald.e2e.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.e2e.chart.HeraldChart;
import io.herald.testkit.net.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Herald's images run as a kubelet runs them, without a cluster: unpacked into an OCI
 * bundle and started by runc with the user, capabilities, read-only root and /tmp that the
 * chart gives each pod (read from the rendered chart, not restated here).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImagesTest {
    private static final Duration RUN = Duration.ofSeconds(60);
    /** linux/capability.h: CAP_NET_RAW is bit 13. */
    private static final String NET_RAW_ONLY = "0000000000002000";
    private static final String NONE = "0000000000000000";

    private Runc runc;
    private ImageArchive controller;
    private ImageArchive speaker;

    @BeforeAll
    void unpack() {
        runc = Runc.start();
        long began = System.nanoTime();
        controller = ImageArchive.unpack(ImageArchive.built("herald-controller"), runc.work().resolve("controller"));
        speaker = ImageArchive.unpack(ImageArchive.built("herald-speaker"), runc.work().resolve("speaker"));
        System.out.printf("images: unpacked %s and %s in %d ms%n", controller.reference(), speaker.reference(),
                (System.nanoTime() - began) / 1_000_000);
    }

    @AfterAll
    void close() {
        if (runc != null) {
            runc.close();
        }
    }

    // ---- the controller ----

    @Test
    void controllerPrintsItsHelp() {
        long began = System.nanoTime();
        Exec.Result help = runc.run(controller, controllerPod(), List.of(), RUN, "--help");
        long millis = (System.nanoTime() - began) / 1_000_000;
        assertEquals(0, help.exit(), help::toString);
        assertTrue(help.out().contains("Usage: controller"), help.out());
        assertTrue(help.out().contains("validate-config"), help.out());
        System.out.printf("images: controller --help in its container: %d ms (runc start + JVM start + picocli)%n", millis);
    }

    @Test
    void controllerAcceptsEveryConfigSample() throws IOException {
        Path samples = projectRoot().resolve("config-samples");
        List<Path> files;
        try (Stream<Path> listed = Files.list(samples)) {
            files = listed.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 5, "config-samples has " + files);
        for (Path file : files) {
            Exec.Result result = runc.run(controller, controllerPod(), List.of(new Runc.Mount(samples, "/samples")), RUN,
                    "validate-config", "/samples/" + file.getFileName());
            assertEquals(0, result.exit(), () -> file + ": " + result);
            assertTrue(result.out().strip().startsWith("valid: "), () -> file + ": " + result.out());
        }
    }

    @Test
    void controllerRejectsABrokenConfigNamingThePlace() throws IOException {
        Path dir = Files.createDirectories(runc.work().resolve("broken"));
        Files.writeString(dir.resolve("config.yaml"), "address-pools:\n- name: lan\n  addresses:\n  - 198.18.0.300\n");
        Exec.Result result = runc.run(controller, controllerPod(), List.of(new Runc.Mount(dir, "/config")), RUN,
                "validate-config", "/config/config.yaml");
        assertEquals(1, result.exit(), result::toString);
        assertTrue(result.err().contains("address-pools[0].addresses[0]: \"198.18.0.300\" is not an IP address"), result.err());
    }

    @Test
    void controllerRunsAsNonRootWithNoCapabilitiesOnAReadOnlyRoot() throws IOException {
        Runc.Container c = runc.startDetached(controller, controllerPod(), List.of(kubeconfigMount()), daemonArgs());
        try {
            Map<String, String> status = awaitRunning(c);
            assertEquals("65532", status.get("Uid").split("\\s+")[1], status::toString);
            assertEquals("65532", status.get("Gid").split("\\s+")[1], status::toString);
            for (String set : List.of("CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb")) {
                assertEquals(NONE, status.get(set), set);
            }
            assertEquals("1", status.get("NoNewPrivs"));
            assertMounts(c);
        } finally {
            runc.delete(c);
        }
    }

    // ---- the speaker ----

    @Test
    void speakerPrintsItsHelp() {
        Exec.Result help = runc.run(speaker, speakerPod(true), List.of(), RUN, "--help");
        assertEquals(0, help.exit(), help::toString);
        assertTrue(help.out().contains("Usage: speaker"), help.out());
        assertTrue(help.out().contains("--exclude-interfaces"), help.out());
    }

    @Test
    void speakerRunsWithExactlyNetRawOnAReadOnlyRoot() throws IOException {
        Runc.Container c = runc.startDetached(speaker, speakerPod(true), List.of(kubeconfigMount()),
                daemonArgs("--node-name=n1"));
        try {
            Map<String, String> status = awaitRunning(c);
            assertEquals("0", status.get("Uid").split("\\s+")[1], status::toString);
            assertEquals(NET_RAW_ONLY, status.get("CapEff"), "effective");
            assertEquals(NET_RAW_ONLY, status.get("CapPrm"), "permitted");
            assertEquals(NET_RAW_ONLY, status.get("CapBnd"), "bounding");
            assertEquals(NONE, status.get("CapInh"), "inheritable");
            assertEquals(NONE, status.get("CapAmb"), "ambient");
            assertMounts(c);
            System.out.printf("images: speaker pid %d: CapEff=CapPrm=CapBnd=%s (cap_net_raw), uid 0%n", runc.pid(c), NET_RAW_ONLY);
        } finally {
            runc.delete(c);
        }
    }

    @Test
    void speakerOpensItsRawSocketsOnTheLanInterfaceOnlyWithNetRaw() {
        Exec.Result result = runc.run(speaker, speakerPod(true), List.of(), RUN, "interfaces");
        assertEquals(0, result.exit(), result::toString);
        Map<String, String> lines = byInterface(result.out());
        assertTrue(lines.get("eth0").startsWith("announce ("), result.out());
        assertEquals("skip: excluded by ^cni.* (--exclude-interfaces)", lines.get("cni0"), result.out());
        assertEquals("skip: excluded by ^veth.* (--exclude-interfaces)", lines.get("vethpod1"), result.out());
        assertEquals("skip: a port of cni0; its master is the one to announce on", lines.get("vethpod0"), result.out());
        assertEquals("skip: loopback", lines.get("lo"), result.out());
        assertTrue(result.out().contains("CAP_NET_RAW: effective"), result.out());
        assertTrue(result.out().contains("eth0: raw socket opened (ARP and Neighbor Solicitations)"), result.out());
        System.out.print("images: speaker interfaces in its container:\n" + result.out().indent(2));
    }

    @Test
    void speakerWithoutNetRawSaysWhichCapabilityIsMissing() {
        Exec.Result result = runc.run(speaker, speakerPod(false), List.of(), RUN, "interfaces");
        assertEquals(1, result.exit(), result::toString);
        assertTrue(result.out().contains("CAP_NET_RAW: missing"), result.out());
        assertTrue(result.err().contains("cannot announce on eth0: no permission to open a raw socket"), result.err());
        assertTrue(result.err().contains("the speaker needs CAP_NET_RAW"), result.err());
    }

    // ---- the real cluster's test images ----

    @Test
    void theTestBackendAnswersWithItsPodAndNodeName() {
        ImageArchive backend = ImageArchive.unpack(ImageArchive.built("test-backend"), runc.work().resolve("backend"));
        Runc.Pod pod = new Runc.Pod(null, null, List.of(), true, true, runc.node().name(), List.of("POD_NAME=web-1", "NODE_NAME=n1"));
        Runc.Container c = runc.startDetached(backend, pod, List.of());
        try {
            Exec.Result answer = null;
            for (int i = 0; i < 100 && (answer == null || !answer.ok()); i++) {
                answer = runc.node().exec(Exec.SHORT, "curl", "-s", "-m", "1", "http://198.18.0.11:8080/");
                if (!answer.ok()) {
                    sleep(100);
                }
            }
            assertEquals("pod web-1 on node n1", answer.out().strip(), answer::toString);
        } finally {
            runc.delete(c);
        }
    }

    @Test
    void thePauseImageHoldsASandboxUntilKilled() throws IOException {
        ImageArchive pause = ImageArchive.unpack(ImageArchive.built("test-pause"), runc.work().resolve("pause"));
        Runc.Container c = runc.startDetached(pause, new Runc.Pod(null, null, List.of(), true, true, null, List.of()), List.of());
        try {
            long pid = runc.pid(c);
            sleep(300);
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            assertTrue(status.startsWith("Name:\tpause"), status);
            assertTrue(status.contains("Uid:\t65535"), status);
        } finally {
            runc.delete(c);
        }
    }

    // ---- one definition ----

    @Test
    void imagesHoldWhatTheDockerfileSays() throws IOException {
        Dockerfile dockerfile = Dockerfile.read(projectRoot().resolve("Dockerfile"));
        for (ImageArchive image : List.of(controller, speaker)) {
            String target = image == controller ? "controller" : "speaker";
            Dockerfile.Layout layout = dockerfile.layout(target);
            JsonNode config = image.runtime();
            assertEquals(layout.entrypoint(), strings(config.path("Entrypoint")), target + " entrypoint");
            assertEquals(layout.user(), config.path("User").asText(""), target + " user");
            assertEquals(layout.env(), strings(config.path("Env")), target + " environment");
            List<String> ports = new ArrayList<>();
            config.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
            assertEquals(layout.exposedPorts(), ports, target + " ports");
            for (Map.Entry<String, String> copy : layout.copies().entrySet()) {
                Path source = projectRoot().resolve(copy.getValue());
                Path inImage = image.rootfs().resolve(copy.getKey().replaceFirst("^/", ""));
                assertEquals(listing(source), listing(inImage), target + ": " + copy.getValue() + " -> " + copy.getKey());
            }
            assertTrue(Files.isExecutable(image.rootfs().resolve("usr/bin/java")), target + ": java on the PATH");
            assertTrue(Files.exists(image.rootfs().resolve("usr/lib/x86_64-linux-gnu/libpcap.so.0.8")), target + ": libpcap");
            assertTrue(Files.exists(image.rootfs().resolve("etc/ssl/certs/ca-certificates.crt")), target + ": CA certificates");
        }
    }

    // ---- helpers ----

    /** The controller pod's security context, as the chart renders it. */
    private static Runc.Pod controllerPod() {
        JsonNode pod = HeraldChart.podSpec("Deployment", "herald-controller");
        return pod(pod, pod.path("containers").path(0), null);
    }

    /** The speaker pod's, in the node's network namespace (hostNetwork); without NET_RAW when {@code netRaw} is false. */
    private Runc.Pod speakerPod(boolean netRaw) {
        JsonNode pod = HeraldChart.podSpec("DaemonSet", "herald-speaker");
        assertTrue(pod.path("hostNetwork").asBoolean(), "the speaker runs in the node's network");
        Runc.Pod p = pod(pod, pod.path("containers").path(0), runc.node().name());
        return netRaw ? p : new Runc.Pod(p.uid(), p.gid(), List.of(), p.readOnlyRoot(), p.noNewPrivileges(), p.netns(), p.env());
    }

    private static Runc.Pod pod(JsonNode pod, JsonNode container, String netns) {
        JsonNode podContext = pod.path("securityContext");
        JsonNode context = container.path("securityContext");
        assertTrue(strings(context.path("capabilities").path("drop")).contains("ALL"), "drops ALL capabilities");
        assertTrue(container.path("volumeMounts").toString().contains("\"mountPath\":\"/tmp\""), "mounts a writable /tmp");
        Long uid = idOf(context, podContext, "runAsUser");
        Long gid = idOf(context, podContext, "runAsGroup");
        List<String> caps = strings(context.path("capabilities").path("add")).stream().map(c -> "CAP_" + c).toList();
        return new Runc.Pod(uid, gid, caps, context.path("readOnlyRootFilesystem").asBoolean(),
                !context.path("allowPrivilegeEscalation").asBoolean(true), netns, List.of());
    }

    /** The container's setting, else the pod's, else null (the image's). */
    private static Long idOf(JsonNode container, JsonNode pod, String field) {
        JsonNode value = container.has(field) ? container.path(field) : pod.path(field);
        return value.isNumber() ? Long.valueOf(value.asLong()) : null;
    }

    /** A kubeconfig naming an API server nobody runs: the daemons start, serve /healthz and wait for it. */
    private Runc.Mount kubeconfigMount() throws IOException {
        Path dir = Files.createDirectories(runc.work().resolve("kubeconfig"));
        Files.writeString(dir.resolve("config"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: none, cluster: {server: "https://198.18.0.250:6443", insecure-skip-tls-verify: true}}]
                users: [{name: none, user: {token: not-a-token}}]
                contexts: [{name: none, context: {cluster: none, user: none}}]
                current-context: none
                """);
        return new Runc.Mount(dir, "/etc/herald");
    }

    private static String[] daemonArgs(String... more) {
        List<String> args = new ArrayList<>(List.of("--kubeconfig=/etc/herald/config", "--api-wait=60s"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** The container's process, once the JVM is up (its main thread named), as /proc/PID/status shows it. */
    private Map<String, String> awaitRunning(Runc.Container c) throws IOException {
        long pid = runc.pid(c);
        long deadline = System.nanoTime() + RUN.toNanos();
        while (System.nanoTime() < deadline) {
            String log = Files.exists(c.log()) ? Files.readString(c.log()) : "";
            if (log.contains("serving /healthz")) {
                Map<String, String> status = new TreeMap<>();
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    String[] kv = line.split(":\\s*", 2);
                    status.put(kv[0], kv.length > 1 ? kv[1].strip() : "");
                }
                assertTrue(status.get("Name").startsWith("java"), status::toString);
                return status;
            }
            assertTrue(Files.exists(Path.of("/proc/" + pid)), () -> "the container's process ended: " + readQuietly(c.log()));
            sleep(100);
        }
        throw new AssertionError("the container did not start serving within " + RUN.toSeconds() + " s: " + readQuietly(c.log()));
    }

    /** Root read-only, /tmp a writable tmpfs, as the chart asks. */
    private void assertMounts(Runc.Container c) throws IOException {
        List<String> mounts = Files.readAllLines(Path.of("/proc/" + runc.pid(c) + "/mountinfo"));
        String root = mounts.stream().filter(m -> m.split(" ")[4].equals("/")).findFirst().orElseThrow();
        assertTrue(List.of(root.split(" ")[5].split(",")).contains("ro"), "root is read-only: " + root);
        String tmp = mounts.stream().filter(m -> m.split(" ")[4].equals("/tmp")).findFirst().orElseThrow();
        assertTrue(tmp.contains(" - tmpfs ") && List.of(tmp.split(" ")[5].split(",")).contains("rw"), "/tmp is a writable tmpfs: " + tmp);
    }

    private static Map<String, String> byInterface(String out) {
        Map<String, String> lines = new TreeMap<>();
        for (String line : out.lines().toList()) {
            String[] w = line.split("\\s+", 2);
            if (w.length == 2 && !w[0].endsWith(":")) {
                lines.put(w[0], w[1]);
            }
        }
        return lines;
    }

    private static List<String> listing(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            return List.of(path.getFileName() + " " + Files.size(path));
        }
        try (Stream<Path> files = Files.walk(path)) {
            return files.filter(Files::isRegularFile).map(f -> path.relativize(f) + " " + f.toFile().length()).sorted().toList();
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Path projectRoot() {
        return HeraldChart.directory().getParent().getParent();
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
