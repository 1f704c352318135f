package io.herald.testkit;

import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A real etcd and kube-apiserver started from the cached binaries: fresh data
 * directory, its own CA and serving certificate, RBAC authorization, and
 * ServiceAccount token signing, so tokens minted with TokenRequest work.
 */
public final class LocalKubeApiServer implements KubeCluster {
    private static final Logger log = LogManager.getLogger(LocalKubeApiServer.class);
    private static final Path RUNS = Path.of(System.getProperty("java.io.tmpdir"), "herald-kube");
    private static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final java.util.Map<String, Process> byName = new java.util.HashMap<>();
    private final Map<String, Path> kubeconfigs = new ConcurrentHashMap<>();
    private final Thread shutdownHook = new Thread(this::stopProcesses, "kube-apiserver-stop");
    private String url;
    private String caPem;
    private String adminToken;
    private ApiClient admin;
    private Duration startupTime;

    /**
     * Options for one API server.
     *
     * @param bindAddress where kube-apiserver listens
     * @param extraServingAddresses more IP SANs for its serving certificate
     * @param advertiseAddress the address it gives the {@code kubernetes} Service; null: the bind
     *        address (127.0.0.1 for 0.0.0.0), and no endpoints for that Service
     * @param securePort its port; 0: a free one
     * @param launcher words put before every command, e.g. {@code nsenter --net=...}
     * @param clientUrl how this JVM reaches it when that is not the bind address (a relay); null: direct
     * @param extraArgs more kube-apiserver flags; they win over the defaults
     */
    public record Options(String bindAddress, List<InetAddress> extraServingAddresses, String advertiseAddress,
            int securePort, List<String> launcher, String clientUrl, List<String> extraArgs) {
        public Options(String bindAddress, List<InetAddress> extraServingAddresses) {
            this(bindAddress, extraServingAddresses, null, 0, List.of(), null, List.of());
        }

        public static Options defaults() {
            return new Options("127.0.0.1", List.of());
        }
    }

    private LocalKubeApiServer(Path dir) {
        this.dir = dir;
    }

    public static LocalKubeApiServer start() {
        return start(Options.defaults());
    }

    public static LocalKubeApiServer start(Options options) {
        Path bin = KubeBinaries.locate();
        reapAbandonedRuns();
        Path dir;
        try {
            Files.createDirectories(RUNS);
            dir = Files.createTempDirectory(RUNS, "run-" + ProcessHandle.current().pid() + "-");
            Files.writeString(dir.resolve("owner.pid"), Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a work directory under " + RUNS, e);
        }
        LocalKubeApiServer server = new LocalKubeApiServer(dir);
        Runtime.getRuntime().addShutdownHook(server.shutdownHook);
        try {
            server.boot(bin, options);
            return server;
        } catch (RuntimeException | IOException | InterruptedException e) {
            String logs = server.logTails();
            server.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("the test API server did not start: " + e.getMessage() + "\n" + logs, e);
        }
    }

    private void boot(Path bin, Options options) throws IOException, InterruptedException {
        long started = System.nanoTime();
        int etcdClient = freePort();
        int etcdPeer = freePort();
        int securePort = options.securePort() > 0 ? options.securePort() : freePort();

        Certificates.Issued ca = Certificates.certificateAuthority("herald-test-ca");
        List<InetAddress> servingIps = new ArrayList<>(List.of(
                InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")));
        servingIps.addAll(options.extraServingAddresses());
        Certificates.Issued serving = Certificates.serving(ca, "kube-apiserver",
                List.of("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"), servingIps);
        caPem = ca.certificatePem();
        adminToken = randomToken();
        Path pki = Files.createDirectories(dir.resolve("pki"));
        Files.writeString(pki.resolve("ca.crt"), caPem);
        Files.writeString(pki.resolve("apiserver.crt"), serving.certificatePem());
        Files.writeString(pki.resolve("apiserver.key"), serving.privateKeyPem());
        KeyPair signing = Certificates.ecKeyPair();
        Files.writeString(pki.resolve("sa.key"), Certificates.pkcs8Pem(signing.getPrivate()));
        Files.writeString(pki.resolve("sa.pub"), Certificates.publicKeyPem(signing.getPublic()));
        Files.writeString(pki.resolve("tokens.csv"), adminToken + ",herald-test-admin,herald-test-admin,\"system:masters\"\n");

        String etcdUrl = "http://127.0.0.1:" + etcdClient;
        launch("etcd", options.launcher(), List.of(bin.resolve("etcd").toString(),
                "--name=herald-test",
                "--data-dir=" + dir.resolve("etcd"),
                "--listen-client-urls=" + etcdUrl,
                "--advertise-client-urls=" + etcdUrl,
                "--listen-peer-urls=http://127.0.0.1:" + etcdPeer,
                "--initial-advertise-peer-urls=http://127.0.0.1:" + etcdPeer,
                "--initial-cluster=herald-test=http://127.0.0.1:" + etcdPeer,
                "--unsafe-no-fsync=true",
                "--log-level=warn"));

        url = options.clientUrl() != null ? options.clientUrl()
                : "https://" + (options.bindAddress().contains(":") ? "[" + options.bindAddress() + "]" : options.bindAddress())
                        + ":" + securePort;
        List<String> apiserver = new ArrayList<>(List.of(bin.resolve("kube-apiserver").toString(),
                "--etcd-servers=" + etcdUrl,
                "--bind-address=" + options.bindAddress(),
                "--advertise-address=" + (options.advertiseAddress() != null ? options.advertiseAddress()
                        : options.bindAddress().equals("0.0.0.0") ? "127.0.0.1" : options.bindAddress()),
                "--secure-port=" + securePort,
                "--cert-dir=" + dir.resolve("certs"),
                "--tls-cert-file=" + pki.resolve("apiserver.crt"),
                "--tls-private-key-file=" + pki.resolve("apiserver.key"),
                "--client-ca-file=" + pki.resolve("ca.crt"),
                "--token-auth-file=" + pki.resolve("tokens.csv"),
                "--authorization-mode=RBAC",
                "--service-account-issuer=" + ISSUER,
                "--api-audiences=" + ISSUER,
                "--service-account-key-file=" + pki.resolve("sa.pub"),
                "--service-account-signing-key-file=" + pki.resolve("sa.key"),
                // Cluster IPs are only numbers in etcd here; no traffic ever goes to them.
                "--service-cluster-ip-range=198.19.0.0/16,fd00:198:19::/108",
                "--endpoint-reconciler-type=none",
                "--enable-priority-and-fairness=false",
                "--max-requests-inflight=2000",
                "--max-mutating-requests-inflight=1000",
                "--profiling=false",
                "--v=1"));
        apiserver.addAll(options.extraArgs());
        launch("kube-apiserver", options.launcher(), apiserver);

        admin = TokenClients.client(url, caPem, adminToken);
        awaitReady(Duration.ofSeconds(120));
        startupTime = Duration.ofNanos(System.nanoTime() - started);
        log.info("kube-apiserver ready at {} after {} ms (work dir {})", url, startupTime.toMillis(), dir);
    }

    private void launch(String name, List<String> launcher, List<String> command) throws IOException {
        List<String> words = new ArrayList<>(launcher);
        words.addAll(command);
        Process process = new ProcessBuilder(words)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
        processes.add(process);
        byName.put(name, process);
        Files.writeString(dir.resolve("pids"), process.pid() + " " + name + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    private void awaitReady(Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IOException(p.info().command().orElse("a process") + " exited with " + p.exitValue());
                }
            }
            Request request = new Request.Builder().url(url + "/readyz").header("Authorization", "Bearer " + adminToken).build();
            try (Response response = admin.getHttpClient().newCall(request).execute()) {
                if (response.code() == 200) {
                    return;
                }
                last = "HTTP " + response.code() + ": " + (response.body() == null ? "" : response.body().string().lines()
                        .filter(l -> l.startsWith("[-]")).reduce((a, b) -> a + ", " + b).orElse(""));
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new IOException("kube-apiserver not ready within " + patience.toSeconds() + " s; last /readyz: " + last);
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
        return kubeconfigs.computeIfAbsent("admin", k -> writeKubeconfig("admin", "herald-test-admin", adminToken));
    }

    @Override
    public Path kubeconfigAs(String namespace, String serviceAccount) {
        String user = "system:serviceaccount:" + namespace + ":" + serviceAccount;
        return kubeconfigs.computeIfAbsent(user, k -> writeKubeconfig(namespace + "-" + serviceAccount, user,
                ServiceAccounts.token(admin, namespace, serviceAccount)));
    }

    /** An admin kubeconfig that names another way to this server (another address with a SAN, a relay). */
    public Path adminKubeconfig(Path file, String serverUrl) {
        return TokenClients.kubeconfig(file, serverUrl, caPem, "herald-test-admin", adminToken);
    }

    /** Where the CA ({@code ca.crt}) and the ServiceAccount signing key ({@code sa.key}) are. */
    public Path pki() {
        return dir.resolve("pki");
    }

    private Path writeKubeconfig(String fileName, String user, String token) {
        return TokenClients.kubeconfig(dir.resolve("kubeconfig-" + fileName + ".yaml"), url, caPem, user, token);
    }

    /**
     * The kube-apiserver process, for tests of an outage: SIGSTOP freezes it with every
     * connection open and unanswered, as an overloaded or partitioned control plane does.
     */
    public ProcessHandle apiServerProcess() {
        return byName.get("kube-apiserver").toHandle();
    }

    @Override
    public String url() {
        return url;
    }

    /** From starting etcd to a 200 from /readyz. */
    public Duration startupTime() {
        return startupTime;
    }

    /** The version kube-apiserver reports. */
    public String version() {
        try {
            return new io.kubernetes.client.openapi.apis.VersionApi(admin).getCode().execute().getGitVersion();
        } catch (io.kubernetes.client.openapi.ApiException e) {
            throw new IllegalStateException(e);
        }
    }

    private String logTails() {
        StringBuilder out = new StringBuilder();
        for (String name : new String[] {"etcd", "kube-apiserver"}) {
            Path file = dir.resolve(name + ".log");
            if (Files.exists(file)) {
                try {
                    List<String> lines = Files.readAllLines(file);
                    out.append("--- last lines of ").append(file).append('\n');
                    lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> out.append(l).append('\n'));
                } catch (IOException ignored) {
                    // the exception being reported matters more than its log
                }
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        stopProcesses();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs anyway
        }
        if (System.getenv("HERALD_KEEP_KUBE") == null) {
            deleteTree(dir);
        }
    }

    private void stopProcesses() {
        // API server first, so it does not log a storm of etcd errors.
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Kills etcd / kube-apiserver left behind by a test JVM that was killed outright. */
    private static void reapAbandonedRuns() {
        if (!Files.isDirectory(RUNS)) {
            return;
        }
        try (Stream<Path> runs = Files.list(RUNS)) {
            for (Path run : runs.toList()) {
                Path owner = run.resolve("owner.pid");
                long ownerPid;
                try {
                    ownerPid = Long.parseLong(Files.readString(owner).trim());
                } catch (IOException | NumberFormatException e) {
                    continue;
                }
                if (ProcessHandle.of(ownerPid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                Path pids = run.resolve("pids");
                if (Files.exists(pids)) {
                    for (String line : Files.readAllLines(pids)) {
                        String[] parts = line.split(" ");
                        ProcessHandle.of(Long.parseLong(parts[0]))
                                .filter(h -> h.info().command().map(c -> c.endsWith(parts[1])).orElse(false))
                                .ifPresent(h -> {
                                    log.info("stopping {} (pid {}) left by an earlier test run", parts[1], h.pid());
                                    h.destroyForcibly();
                                });
                    }
                }
                deleteTree(run);
            }
        } catch (IOException e) {
            log.warn("cannot tidy earlier test runs in {}: {}", RUNS, e.toString());
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", root, e.toString());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static String randomToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
