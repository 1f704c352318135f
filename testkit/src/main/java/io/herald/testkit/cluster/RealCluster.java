package io.herald.testkit.cluster;

import io.herald.testkit.KubeBinaries;
import io.herald.testkit.KubeCluster;
import io.herald.testkit.LocalKubeApiServer;
import io.herald.testkit.net.Exec;
import io.herald.testkit.net.Netns;
import io.herald.testkit.net.Runs;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A real multi-node Kubernetes cluster on this one machine, as users run one: etcd,
 * kube-apiserver, kube-controller-manager and kube-scheduler in a control-plane network
 * namespace, and N nodes, each a network namespace on one bridge (the LAN) with its own
 * containerd (runc, the CNI bridge plugin), kubelet and kube-proxy (iptables mode), plus a
 * client namespace on the same LAN. Images come from archives imported into every node's
 * containerd; there is no registry.
 *
 * <p>Addresses: LAN 198.18.0.0/24 (control plane .5, client .2, node i .(10+i)), pods of
 * node i 198.18.(128+i).0/24, Services 198.19.0.0/16. The JVM reaches the API server on
 * 127.0.0.1 through a relay over a Unix socket, as the process lab does.
 *
 * <p>{@link #close()} leaves nothing: processes (pods too: every node's daemons and pods run
 * in the node's own cgroup), mounts, pod network namespaces, shim sockets, CNI cache
 * entries, cgroups, namespaces, directories. {@link #cleanStale()} does the same for
 * clusters of JVMs that were killed, and runs at every start.
 */
public final class RealCluster implements KubeCluster {
    public static final String CLIENT_IP = "198.18.0.2";
    public static final String API_IP = "198.18.0.5";
    static final String PREFIX = "hkc-";
    static final int API_PORT = 6443;
    static final Path RUNS = Path.of("/run/herald-cluster");
    static final Path DATA = Path.of("/var/lib/herald-cluster");
    private static final Path CGROUPS = Path.of("/sys/fs/cgroup");
    private static final Path CNI_CACHE = Path.of("/var/lib/cni");
    private static final Pattern RUN_NETNS = Pattern.compile("^" + PREFIX + "([0-9a-f]{6})-");
    private static final Duration READY = Duration.ofSeconds(180);
    private static final Duration KUBECTL = Duration.ofSeconds(60);
    private static final Logger log = LogManager.getLogger(RealCluster.class);

    private final String run;
    private final Path runDir;
    private final Path dataDir;
    private final Path bin;
    private final Netns lan;
    private final Netns controlPlane;
    private final Netns client;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    /** The daemons this JVM started, by name (kube-apiserver's are the API server's own). */
    private final Map<String, Process> daemons = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private LocalKubeApiServer api;
    private List<Path> images = List.of();
    private Path internalKubeconfig;
    private Duration startupTime;

    /** One node: its namespace and addresses, and the files its daemons use. */
    public record Node(String name, Netns netns, String ip, String podCidr, String mac, Path run, Path data, String cgroup) {
        Path containerdSocket() {
            return run.resolve("containerd.sock");
        }
    }

    /** How to start one. */
    public static final class Builder {
        private int nodes = 3;
        private final List<Path> images = new ArrayList<>();

        private Builder() {}

        /** Node count, 1 to 9 (default 3). */
        public Builder nodes(int count) {
            if (count < 1 || count > 9) {
                throw new IllegalArgumentException("a real cluster has 1 to 9 nodes, not " + count);
            }
            this.nodes = count;
            return this;
        }

        /** Image archives (docker-archive or OCI tar) to import into every node's containerd. */
        public Builder images(List<Path> archives) {
            images.addAll(archives);
            return this;
        }

        public RealCluster start() {
            return RealCluster.start(this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private RealCluster(String run, int nodeCount) {
        this.run = run;
        this.runDir = RUNS.resolve(run);
        this.dataDir = DATA.resolve(run);
        this.bin = KubeBinaries.locate();
        this.lan = new Netns(PREFIX + run + "-lan");
        this.controlPlane = new Netns(PREFIX + run + "-cp");
        this.client = new Netns(PREFIX + run + "-client");
        for (int i = 1; i <= nodeCount; i++) {
            String name = "n" + i;
            nodes.put(name, new Node(name, new Netns(PREFIX + run + "-" + name), "198.18.0." + (10 + i),
                    "198.18." + (128 + i) + ".0/24", String.format("02:00:00:00:01:%02x", 10 + i),
                    runDir.resolve(name), dataDir.resolve(name), "herald-" + run + "-" + name));
        }
        this.shutdownHook = new Thread(this::close, "herald-cluster-" + run + "-teardown");
    }

    private static RealCluster start(Builder options) {
        Runs.requireRoot("the real cluster");
        Runs.requireCommands("the real cluster", List.of("ip", "nsenter", "socat", "containerd", "ctr", "runc",
                "iptables", "conntrack", "umount"));
        for (Path image : options.images) {
            if (!Files.isRegularFile(image)) {
                throw new IllegalArgumentException("no image archive " + image + "; scripts/images.sh builds them");
            }
        }
        if (!Files.isExecutable(Path.of("/usr/lib/cni/bridge"))) {
            throw new IllegalStateException("the real cluster needs the CNI plugins in /usr/lib/cni;"
                    + " scripts/setup.sh installs containernetworking-plugins");
        }
        cleanStale();
        long began = System.nanoTime();
        String run = Runs.claim(RUNS, id -> Netns.all().stream().anyMatch(n -> n.startsWith(PREFIX + id + "-")));
        RealCluster cluster = new RealCluster(run, options.nodes);
        for (String part : List.of("kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy")) {
            if (!Files.isExecutable(cluster.bin.resolve(part))) {
                throw new IllegalStateException("no " + part + " in " + cluster.bin + "; run scripts/kube-binaries.sh");
            }
        }
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.build(options.images);
        } catch (RuntimeException | IOException | InterruptedException e) {
            String logs = cluster.logTails();
            cluster.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("the real cluster did not start: " + e.getMessage() + "\n" + logs, e);
        }
        cluster.startupTime = Duration.ofNanos(System.nanoTime() - began);
        log.info("real cluster {} up in {} ms: {} node(s) Ready, kubeconfig {}", run, cluster.startupTime.toMillis(),
                cluster.nodes.size(), cluster.adminKubeconfig());
        return cluster;
    }

    private void build(List<Path> images) throws IOException, InterruptedException {
        long began = System.nanoTime();
        Files.createDirectories(dataDir);
        List<Netns> all = new ArrayList<>(List.of(lan, controlPlane, client));
        nodes.values().forEach(n -> all.add(n.netns()));
        Netns.addAll(all);
        buildLan();

        int relayPort = freePort();
        relays(relayPort);
        api = LocalKubeApiServer.start(new LocalKubeApiServer.Options("0.0.0.0",
                List.of(InetAddress.getByName(API_IP), InetAddress.getByName("198.19.0.1")), API_IP, API_PORT,
                inNetns(controlPlane, null), "https://127.0.0.1:" + relayPort,
                List.of("--endpoint-reconciler-type=lease", "--kubelet-preferred-address-types=InternalIP")));
        internalKubeconfig = api.adminKubeconfig(runDir.resolve("kubeconfig-internal.yaml"), "https://" + API_IP + ":" + API_PORT);
        controlPlaneDaemons();
        long apiReady = System.nanoTime();

        for (Node node : nodes.values()) {
            startContainerd(node);
        }
        for (Node node : nodes.values()) {
            awaitSocket(node);
        }
        // One thread per node: an import is mostly unpacking layers to disk, and the nodes' are independent.
        List<Thread> imports = new ArrayList<>();
        List<RuntimeException> failures = new CopyOnWriteArrayList<>();
        for (Node node : nodes.values()) {
            Thread t = new Thread(() -> {
                try {
                    importImages(node, images);
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }, "import-" + node.name());
            t.start();
            imports.add(t);
        }
        for (Thread t : imports) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
        long imported = System.nanoTime();
        for (Node node : nodes.values()) {
            startKubelet(node);
            startKubeProxy(node);
        }
        awaitNodesReady(READY);
        long ready = System.nanoTime();
        log.info("real cluster {}: API server ready after {} ms, {} image(s) imported into {} node(s) in {} ms, nodes Ready {} ms later",
                run, (apiReady - began) / 1_000_000, images.size(), nodes.size(), (imported - apiReady) / 1_000_000,
                (ready - imported) / 1_000_000);
        this.images = List.copyOf(images);
    }

    private void importImages(Node node, List<Path> archives) {
        for (Path image : archives) {
            ctr(node, Duration.ofMinutes(3), "images", "import", image.toString());
        }
    }

    // ---- network ----

    private void buildLan() {
        String bridge = "hk" + run + "br";
        List<String> lines = new ArrayList<>(List.of(
                "link add " + bridge + " type bridge mcast_snooping 0",
                "link set " + bridge + " up",
                "link set lo up"));
        Map<Netns, String[]> members = new LinkedHashMap<>();
        members.put(controlPlane, new String[] {API_IP, "02:00:00:00:01:05", "hk" + run + "cp"});
        members.put(client, new String[] {CLIENT_IP, "02:00:00:00:01:02", "hk" + run + "c"});
        for (Node node : nodes.values()) {
            members.put(node.netns(), new String[] {node.ip(), node.mac(), portName(node)});
        }
        members.forEach((netns, m) -> lines.addAll(List.of(
                "link add " + m[2] + " type veth peer name eth0 netns " + netns.name() + " address " + m[1],
                "link set " + m[2] + " master " + bridge + " up")));
        lan.ipBatch(lines);
        for (Map.Entry<Netns, String[]> member : members.entrySet()) {
            List<String> setup = new ArrayList<>(List.of(
                    "link set lo up",
                    "addr add " + member.getValue()[0] + "/24 dev eth0",
                    "link set eth0 up"));
            if (member.getKey() != client) {
                if (member.getKey() != controlPlane) {
                    // A node's gateway, as on a real LAN: a ClusterIP needs a route before kube-proxy's DNAT
                    // applies. The control plane's namespace does not forward, so nothing goes further.
                    setup.add("route add default via " + API_IP);
                }
                for (Node other : nodes.values()) {
                    if (other.netns() != member.getKey()) {
                        setup.add("route add " + other.podCidr() + " via " + other.ip());
                    }
                }
            }
            member.getKey().ipBatch(setup);
        }
        for (Node node : nodes.values()) {
            node.netns().sysctl("net.ipv4.ip_forward=1");
        }
    }

    private static String portName(Node node) {
        return "hk" + node.netns().name().substring(PREFIX.length(), PREFIX.length() + 6) + "v" + node.name().substring(1);
    }

    /** 127.0.0.1:PORT here → Unix socket → 127.0.0.1:6443 in the control-plane namespace. */
    private void relays(int port) throws IOException, InterruptedException {
        Path socket = runDir.resolve("api.sock");
        launch("relay-cp", inNetns(controlPlane, null), List.of("socat", "-d", "-d",
                "UNIX-LISTEN:" + socket + ",fork,mode=600", "TCP4:127.0.0.1:" + API_PORT));
        launch("relay-host", List.of(), List.of("socat", "-d", "-d",
                "TCP4-LISTEN:" + port + ",bind=127.0.0.1,fork,reuseaddr", "UNIX-CONNECT:" + socket));
        for (String name : List.of("relay-cp", "relay-host")) {
            awaitLog(name, "listening on", Duration.ofSeconds(20));
        }
    }

    // ---- control plane ----

    private void controlPlaneDaemons() throws IOException {
        Path pki = api.pki();
        launch("kube-controller-manager", inNetns(controlPlane, null), List.of(
                bin.resolve("kube-controller-manager").toString(),
                "--kubeconfig=" + internalKubeconfig,
                "--service-account-private-key-file=" + pki.resolve("sa.key"),
                "--root-ca-file=" + pki.resolve("ca.crt"),
                "--use-service-account-credentials=false",
                "--leader-elect=false",
                "--secure-port=0",
                "--cluster-cidr=198.18.128.0/17",
                // A dead node's pods leave Service endpoints after this, not the default 40 s.
                "--node-monitor-period=1s",
                "--node-monitor-grace-period=8s",
                "--v=1"));
        launch("kube-scheduler", inNetns(controlPlane, null), List.of(
                bin.resolve("kube-scheduler").toString(),
                "--kubeconfig=" + internalKubeconfig,
                "--leader-elect=false",
                "--secure-port=0",
                "--v=1"));
    }

    // ---- nodes ----

    private void startContainerd(Node node) throws IOException {
        Path cniConf = Files.createDirectories(node.run().resolve("cni"));
        Files.createDirectories(node.data());
        Files.writeString(cniConf.resolve("10-herald.conflist"), """
                {
                  "cniVersion": "0.4.0",
                  "name": "%s",
                  "plugins": [
                    {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
                     "ipam": {"type": "host-local", "dataDir": "%s", "ranges": [[{"subnet": "%s"}]],
                              "routes": [{"dst": "0.0.0.0/0"}]}},
                    {"type": "loopback"}
                  ]
                }
                """.formatted(cniNetwork(node), node.data().resolve("ipam"), node.podCidr()));
        Path config = node.run().resolve("containerd.toml");
        Files.writeString(config, """
                version = 2
                root = "%1$s/containerd"
                state = "%2$s/containerd"
                disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs",
                  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs",
                  "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]
                [grpc]
                  address = "%3$s"
                [ttrpc]
                  address = "%3$s.ttrpc"
                [debug]
                  address = ""
                [metrics]
                  address = ""
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "herald.local/pause:1"
                  # root here lacks CAP_SYS_RESOURCE: runc must not lower oom_score_adj
                  restrict_oom_score_adj = true
                  enable_selinux = false
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    snapshotter = "overlayfs"
                    default_runtime_name = "runc"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                        Root = "%2$s/runc"
                        SystemdCgroup = false
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "/usr/lib/cni"
                    conf_dir = "%4$s"
                """.formatted(node.data(), node.run(), node.containerdSocket(), cniConf));
        makeCgroup(node.cgroup());
        launch(node.name() + "-containerd", inNetns(node.netns(), node.cgroup()),
                List.of("containerd", "--config", config.toString(), "--log-level", "warn"));
    }

    private void awaitSocket(Node node) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(node.containerdSocket()) && ctr(node, Exec.SHORT, "version").ok()) {
                return;
            }
            requireAlive();
            Thread.sleep(100);
        }
        throw new IOException("containerd of " + node.name() + " did not answer on " + node.containerdSocket() + " within 30 s");
    }

    private Exec.Result ctr(Node node, Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("ctr", "--address", node.containerdSocket().toString(), "-n", "k8s.io"));
        command.addAll(List.of(args));
        Exec.Result result = Exec.run(timeout, null, command);
        if (!result.ok() && !args[0].equals("version")) {
            throw new IllegalStateException("on " + node.name() + ": " + String.join(" ", command) + ": " + (result.err() + result.out()).strip());
        }
        return result;
    }

    private void startKubelet(Node node) throws IOException {
        Path kubelet = Files.createDirectories(node.data().resolve("kubelet"));
        Path config = node.run().resolve("kubelet.yaml");
        Files.writeString(config, """
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                failCgroupV1: false
                cgroupDriver: cgroupfs
                cgroupRoot: /%s
                containerRuntimeEndpoint: unix://%s
                podLogsDir: %s
                address: %s
                readOnlyPort: 0
                healthzBindAddress: 127.0.0.1
                authentication:
                  anonymous: {enabled: true}
                  webhook: {enabled: false}
                authorization: {mode: AlwaysAllow}
                failSwapOn: false
                resolvConf: %s
                serializeImagePulls: false
                nodeStatusUpdateFrequency: 2s
                nodeStatusReportFrequency: 10s
                imageGCHighThresholdPercent: 100
                imageGCLowThresholdPercent: 99
                evictionHard: {memory.available: "1Mi", nodefs.available: "1%%", imagefs.available: "1%%", nodefs.inodesFree: "1%%"}
                localStorageCapacityIsolation: false
                maxPods: 50
                """.formatted(node.cgroup(), node.containerdSocket(), node.data().resolve("pod-logs"), node.ip(), emptyResolvConf(node)));
        launch(node.name() + "-kubelet", inNetns(node.netns(), node.cgroup()), List.of(
                bin.resolve("kubelet").toString(),
                "--config=" + config,
                "--kubeconfig=" + internalKubeconfig,
                "--root-dir=" + kubelet,
                "--cert-dir=" + kubelet.resolve("pki"),
                "--hostname-override=" + node.name(),
                "--node-ip=" + node.ip(),
                "--oom-score-adj=0",
                "--v=1"));
    }

    /** Pods get no nameserver of the host's: nothing they resolve may leave the cluster's namespaces. */
    private static Path emptyResolvConf(Node node) throws IOException {
        Path file = node.run().resolve("resolv.conf");
        Files.writeString(file, "");
        return file;
    }

    private void startKubeProxy(Node node) throws IOException {
        Path config = node.run().resolve("kube-proxy.yaml");
        Files.writeString(config, """
                apiVersion: kubeproxy.config.k8s.io/v1alpha1
                kind: KubeProxyConfiguration
                mode: iptables
                clientConnection: {kubeconfig: %s}
                hostnameOverride: %s
                clusterCIDR: 198.18.128.0/17
                bindAddress: %s
                healthzBindAddress: 127.0.0.1:10256
                metricsBindAddress: 127.0.0.1:10249
                oomScoreAdj: 0
                # The host's conntrack sysctls are global: leave them alone.
                conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
                """.formatted(internalKubeconfig, node.name(), node.ip()));
        // --v=2 logs every rule sync with its time, to set beside a request that failed (development.md).
        launch(node.name() + "-kube-proxy", inNetns(node.netns(), node.cgroup()), List.of(
                bin.resolve("kube-proxy").toString(), "--config=" + config, "--v=2"));
    }

    private void awaitNodesReady(Duration patience) throws IOException, InterruptedException {
        CoreV1Api core = new CoreV1Api(api.adminClient());
        long deadline = System.nanoTime() + patience.toNanos();
        String last = "no Node yet";
        while (System.nanoTime() < deadline) {
            requireAlive();
            try {
                List<V1Node> list = core.listNode().execute().getItems();
                List<String> ready = list.stream().filter(RealCluster::ready).map(n -> n.getMetadata().getName()).toList();
                if (ready.size() == nodes.size()) {
                    return;
                }
                last = "Ready: " + ready + " of " + nodes.keySet();
            } catch (ApiException e) {
                last = "HTTP " + e.getCode();
            }
            Thread.sleep(250);
        }
        throw new IOException("nodes not Ready within " + patience.toSeconds() + " s; " + last);
    }

    static boolean ready(V1Node node) {
        List<V1NodeCondition> conditions = node.getStatus() == null ? null : node.getStatus().getConditions();
        return conditions != null && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private String cniNetwork(Node node) {
        return "herald-" + run + "-" + node.name();
    }

    // ---- processes ----

    /**
     * Words that start a command in {@code netns}: nsenter (network only, so the daemons share
     * this mount namespace and containerd sees kubelet's volume mounts), after moving itself
     * into {@code cgroup} in every v1 hierarchy when given, so that pods and shims land there too.
     */
    private static List<String> inNetns(Netns netns, String cgroup) {
        List<String> nsenter = List.of("nsenter", "--net=/run/netns/" + netns.name(), "--");
        if (cgroup == null) {
            return nsenter;
        }
        List<String> out = new ArrayList<>(List.of("sh", "-c",
                "for c in " + String.join(" ", hierarchies().stream().map(h -> h.resolve(cgroup).toString()).toList())
                        + "; do echo $$ > \"$c/cgroup.procs\" || exit 1; done; exec \"$@\"", "sh"));
        out.addAll(nsenter);
        return out;
    }

    private void launch(String name, List<String> prefix, List<String> command) throws IOException {
        List<String> words = new ArrayList<>(prefix);
        words.addAll(command);
        Files.createDirectories(runDir.resolve("logs"));
        Process process = new ProcessBuilder(words)
                .redirectErrorStream(true)
                .redirectOutput(logFile(name).toFile())
                .start();
        daemons.put(name, process);
        Runs.record(runDir, process.toHandle());
    }

    private Path logFile(String name) {
        return runDir.resolve("logs").resolve(name + ".log");
    }

    private void awaitLog(String name, String text, Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(logFile(name)) && Files.readString(logFile(name)).contains(text)) {
                return;
            }
            requireAlive();
            Thread.sleep(50);
        }
        throw new IOException(name + " did not log \"" + text + "\" within " + patience.toSeconds() + " s");
    }

    private void requireAlive() throws IOException {
        for (Process p : daemons.values()) {
            if (!p.isAlive()) {
                throw new IOException(p.info().command().orElse("a process") + " exited with " + p.exitValue());
            }
        }
    }

    private String logTails() {
        StringBuilder out = new StringBuilder();
        Path logs = runDir.resolve("logs");
        if (!Files.isDirectory(logs)) {
            return "";
        }
        try (Stream<Path> files = Files.list(logs)) {
            for (Path file : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(file);
                out.append("--- last lines of ").append(file.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - 8), lines.size()).forEach(l -> out.append(l).append('\n'));
            }
        } catch (IOException | UncheckedIOException ignored) {
            // the failure being reported matters more than its logs
        }
        return out.toString();
    }

    // ---- cgroups ----

    /** The hierarchies mounted under /sys/fs/cgroup: v1 (cpu, memory, pids, name=systemd...) and, on a hybrid host, the unified one. */
    private static List<Path> hierarchies() {
        try (Stream<Path> dirs = Files.list(CGROUPS)) {
            // "unified" too: on a hybrid host kubelet and runc make the pods' cgroups in the v2 tree as well.
            return dirs.filter(d -> !Files.isSymbolicLink(d) && Files.isDirectory(d) && Files.exists(d.resolve("cgroup.procs")))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + CGROUPS, e);
        }
    }

    private static void makeCgroup(String name) throws IOException {
        for (Path hierarchy : hierarchies()) {
            Path dir = Files.createDirectories(hierarchy.resolve(name));
            if (hierarchy.getFileName().toString().equals("cpuset")) {
                for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
                    Files.writeString(dir.resolve(file), Files.readString(hierarchy.resolve(file)).strip());
                }
            }
        }
    }

    /** Every pid in the cgroup {@code name} or below it, in any hierarchy. */
    private static Set<Long> cgroupPids(String name) {
        Set<Long> pids = new TreeSet<>();
        for (Path hierarchy : hierarchies()) {
            Path top = hierarchy.resolve(name);
            if (!Files.isDirectory(top)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(top)) {
                for (Path procs : files.filter(f -> f.getFileName().toString().equals("cgroup.procs")).toList()) {
                    try {
                        Files.readAllLines(procs).stream().map(String::strip).filter(l -> !l.isEmpty()).map(Long::parseLong).forEach(pids::add);
                    } catch (IOException gone) {
                        // a pod's cgroup removed while walking
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                log.warn("cannot walk {}: {}", top, e.toString());
            }
        }
        return pids;
    }

    private static void removeCgroup(String name) {
        for (Path hierarchy : hierarchies()) {
            Path top = hierarchy.resolve(name);
            if (!Files.isDirectory(top)) {
                continue;
            }
            try (Stream<Path> dirs = Files.walk(top)) {
                for (Path dir : dirs.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(dir); // rmdir: a cgroup's files go with it
                }
            } catch (IOException | UncheckedIOException e) {
                log.warn("cannot remove cgroup {}: {}", top, e.toString());
            }
        }
    }

    // ---- what tests and the demo use ----

    public String runId() {
        return run;
    }

    public List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    public Node node(String name) {
        Node node = nodes.get(name);
        if (node == null) {
            throw new IllegalArgumentException("no node " + name + " in cluster " + run + "; nodes: " + nodes.keySet());
        }
        return node;
    }

    /** The client's namespace on the LAN (198.18.0.2): where a user's laptop would be. */
    public Netns client() {
        return client;
    }

    /** Control plane start to every node Ready. */
    public Duration startupTime() {
        return startupTime;
    }

    /** A daemon's log (kube-apiserver, n1-kubelet, n2-containerd, ...). */
    public Path log(String daemon) {
        return daemon.equals("kube-apiserver") || daemon.equals("etcd") ? api.pki().resolveSibling(daemon + ".log") : logFile(daemon);
    }

    /** {@code kubectl ARGS...} as cluster admin, run to its end. */
    public Exec.Result kubectl(Duration timeout, String... args) {
        return Exec.run(timeout, null, kubectlCommand(List.of(args)));
    }

    /**
     * {@code helm ARGS...} as cluster admin, run to its end: the helm CLI that
     * scripts/kube-binaries.sh builds beside kubectl, so tests run the commands the docs give.
     */
    public Exec.Result helm(Duration timeout, String... args) {
        return Exec.run(timeout, null, adminCommand("helm", List.of(args)));
    }

    private List<String> kubectlCommand(List<String> args) {
        return adminCommand("kubectl", args);
    }

    private List<String> adminCommand(String tool, List<String> args) {
        if (!Files.isExecutable(bin.resolve(tool))) {
            throw new IllegalStateException(bin + " has no " + tool + "; run scripts/kube-binaries.sh, which builds it");
        }
        List<String> command = new ArrayList<>(List.of(bin.resolve(tool).toString(), "--kubeconfig", adminKubeconfig().toString()));
        command.addAll(args);
        return command;
    }

    /** {@code kubectl apply -f -} of {@code manifests} (YAML, several documents allowed), failing with kubectl's message. */
    public String apply(String manifests) {
        return Exec.run(KUBECTL, manifests, kubectlCommand(List.of("apply", "-f", "-"))).orThrow();
    }

    /** {@code kubectl rollout status} of a Deployment or DaemonSet ("deployment/web"), until done or {@code patience}. */
    public void awaitRollout(String namespace, String workload, Duration patience) {
        Exec.run(patience.plusSeconds(10), null, kubectlCommand(List.of("-n", namespace, "rollout", "status", workload,
                "--timeout=" + patience.toSeconds() + "s"))).orThrow();
    }

    /** {@code /proc/PID/status} of a container's first process, as "Name" -> "value" (CapEff, Uid, VmRSS...). */
    public Map<String, String> processStatus(String namespace, String pod, String container) throws ApiException {
        long pid = pidOf(namespace, pod, container);
        try {
            Map<String, String> status = new LinkedHashMap<>();
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                String[] kv = line.split(":\\s*", 2);
                status.put(kv[0], kv.length > 1 ? kv[1].strip() : "");
            }
            return status;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the status of pid " + pid + " (" + namespace + "/" + pod + ")", e);
        }
    }

    /**
     * Powers a node off: its LAN link goes down and every process of it (containerd,
     * kubelet, kube-proxy, shims, pods) is SIGKILLed at once. Its Node object stays, as a
     * dead machine's does; the node controller marks it NotReady.
     */
    public void powerOff(String name) {
        Node node = node(name);
        lan.ip("link", "set", portName(node), "down");
        daemons.keySet().removeIf(daemon -> daemon.startsWith(name + "-"));
        killNode(node.cgroup());
        log.info("cluster {}: node {} powered off", run, name);
    }

    /**
     * Powers a node back on, as a machine reboots: its link comes up, then its containerd
     * (keeping its images and state), kubelet and kube-proxy start again; returns once the
     * node is Ready.
     */
    public void powerOn(String name) throws IOException, InterruptedException {
        Node node = node(name);
        if (daemons.containsKey(name + "-kubelet")) {
            throw new IllegalStateException("node " + name + " is running; powerOff it first");
        }
        lan.ip("link", "set", portName(node), "up");
        startContainerd(node);
        awaitSocket(node);
        startKubelet(node);
        startKubeProxy(node);
        awaitNodesReady(READY);
        log.info("cluster {}: node {} powered on and Ready", run, name);
    }

    /**
     * The host pid of a container's first process (its entrypoint), for reading
     * {@code /proc/PID/status}: found through the pod's cgroup on its node, by container id.
     */
    public long pidOf(String namespace, String pod, String container) throws ApiException {
        V1Pod p = new CoreV1Api(api.adminClient()).readNamespacedPod(pod, namespace).execute();
        String nodeName = p.getSpec().getNodeName();
        String id = p.getStatus().getContainerStatuses() == null ? null : p.getStatus().getContainerStatuses().stream()
                .filter(c -> c.getName().equals(container) && c.getContainerID() != null).findFirst()
                .map(c -> c.getContainerID().replaceFirst("^[a-z]+://", "")).orElse(null);
        if (nodeName == null || id == null) {
            throw new IllegalStateException("container " + container + " of pod " + namespace + "/" + pod + " is not running");
        }
        Path top = CGROUPS.resolve("pids").resolve(node(nodeName).cgroup());
        try (Stream<Path> dirs = Files.walk(top)) {
            Path dir = dirs.filter(d -> d.getFileName().toString().equals(id)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no cgroup for container " + id + " under " + top));
            return Files.readAllLines(dir.resolve("cgroup.procs")).stream().map(String::strip).filter(l -> !l.isEmpty())
                    .mapToLong(Long::parseLong).min()
                    .orElseThrow(() -> new IllegalStateException("container " + id + " has no process"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What of this cluster exists on the host right now: each kind of trace teardown must remove. */
    public Footprint footprint() {
        return footprint(run, nodes.size());
    }

    /**
     * Traces of a run on the host, by kind. {@link #remaining()} looks again at each one
     * found, so a test can take a footprint of a live cluster, close it, and see what is left.
     */
    public record Footprint(List<Long> processes, List<String> namespaces, List<Path> podNamespaces, List<Path> shimSockets,
            List<Path> cniCache, List<Path> cgroups, List<Path> mounts, List<Path> directories) {
        public Footprint remaining() {
            return new Footprint(
                    processes.stream().filter(RealCluster::running).toList(),
                    namespaces.stream().filter(Netns.all()::contains).toList(),
                    podNamespaces.stream().filter(Files::exists).toList(),
                    shimSockets.stream().filter(Files::exists).toList(),
                    cniCache.stream().filter(Files::exists).toList(),
                    cgroups.stream().filter(Files::exists).toList(),
                    mounts.stream().filter(m -> mountsUnder(m).contains(m.toString())).toList(),
                    directories.stream().filter(Files::exists).toList());
        }

        public boolean isEmpty() {
            return processes.isEmpty() && namespaces.isEmpty() && podNamespaces.isEmpty() && shimSockets.isEmpty()
                    && cniCache.isEmpty() && cgroups.isEmpty() && mounts.isEmpty() && directories.isEmpty();
        }
    }

    /** The footprint of any run, a dead JVM's too, by its id. */
    public static Footprint footprint(String run) {
        return footprint(run, 9);
    }

    /** Alive and not a zombie (a killed child of this JVM that its reaper has not waited for yet). */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException | RuntimeException gone) {
            return false;
        }
    }

    static Footprint footprint(String run, int maxNodes) {
        Set<Long> pids = new TreeSet<>();
        Set<Path> podNetns = new TreeSet<>();
        Set<Path> sockets = new TreeSet<>();
        List<Path> cgroups = new ArrayList<>();
        for (int i = 1; i <= maxNodes; i++) {
            String cgroup = "herald-" + run + "-n" + i;
            for (long pid : cgroupPids(cgroup)) {
                pids.add(pid);
                podNetns.addAll(podNetnsOf(pid));
                sockets.addAll(listeningSocketsOf(pid, "/run/containerd/s/"));
            }
            for (Path hierarchy : hierarchies()) {
                if (Files.isDirectory(hierarchy.resolve(cgroup))) {
                    cgroups.add(hierarchy.resolve(cgroup));
                }
            }
        }
        Runs.recorded(RUNS.resolve(run)).forEach(p -> pids.add(p.pid()));
        List<String> namespaces = Netns.all().stream().filter(n -> n.startsWith(PREFIX + run + "-")).toList();
        for (String name : namespaces) {
            pids.addAll(new Netns(name).pids());
        }
        List<Path> mounts = new ArrayList<>();
        for (Path dir : List.of(DATA.resolve(run), RUNS.resolve(run))) {
            mountsUnder(dir).forEach(m -> mounts.add(Path.of(m)));
        }
        List<Path> directories = new ArrayList<>();
        for (Path dir : List.of(DATA.resolve(run), RUNS.resolve(run))) {
            if (Files.exists(dir)) {
                directories.add(dir);
            }
        }
        return new Footprint(List.copyOf(pids), namespaces, List.copyOf(podNetns), List.copyOf(sockets), cniCacheOf(run),
                cgroups, mounts, directories);
    }

    /** Sum of the resident memory of every process of the cluster (control plane, node daemons, pods), in bytes. */
    public long residentBytes() {
        Set<Long> pids = new TreeSet<>();
        for (Process p : daemons.values()) {
            pids.add(p.pid());
            p.descendants().forEach(d -> pids.add(d.pid()));
        }
        nodes.values().forEach(n -> pids.addAll(cgroupPids(n.cgroup())));
        pids.addAll(controlPlane.pids());
        long total = 0;
        for (long pid : pids) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        total += Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                    }
                }
            } catch (IOException | NumberFormatException gone) {
                // exited meanwhile
            }
        }
        return total;
    }

    @Override
    public ApiClient adminClient() {
        return api.adminClient();
    }

    @Override
    public ApiClient clientAs(String namespace, String serviceAccount) {
        return api.clientAs(namespace, serviceAccount);
    }

    @Override
    public Path adminKubeconfig() {
        return api.adminKubeconfig();
    }

    @Override
    public Path kubeconfigAs(String namespace, String serviceAccount) {
        return api.kubeconfigAs(namespace, serviceAccount);
    }

    @Override
    public String url() {
        return api.url();
    }

    // ---- teardown ----

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean interrupted = Thread.interrupted(); // finish the teardown even for an interrupted test
        long began = System.nanoTime();
        try {
            remove(run, nodes.size());
            if (api != null) {
                api.close();
            }
            if (Thread.currentThread() != shutdownHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException alreadyShuttingDown) {
                    // the hook finds the cluster closed
                }
            }
            log.info("real cluster {} torn down in {} ms", run, Duration.ofNanos(System.nanoTime() - began).toMillis());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Removes what clusters of dead JVMs left (namespaces, processes, pods, mounts, cgroups,
     * files). A run is dead when the JVM named in its owner file is gone.
     *
     * @return the run ids removed
     */
    public static List<String> cleanStale() {
        Set<String> runs = new TreeSet<>(Runs.listed(RUNS));
        for (String name : Netns.all()) {
            Matcher m = RUN_NETNS.matcher(name);
            if (m.find()) {
                runs.add(m.group(1));
            }
        }
        if (Files.isDirectory(DATA)) {
            try (Stream<Path> dirs = Files.list(DATA)) {
                dirs.map(d -> d.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{6}")).forEach(runs::add);
            } catch (IOException e) {
                log.warn("cannot list {}: {}", DATA, e.toString());
            }
        }
        List<String> removed = new ArrayList<>();
        for (String run : runs) {
            if (Runs.ownerAlive(RUNS.resolve(run))) {
                continue;
            }
            log.info("removing real cluster {}, left by a JVM that is gone", run);
            remove(run, 9);
            removed.add(run);
        }
        return removed;
    }

    /** Everything of one run, found by its names alone, so that it works for a dead JVM's run too. */
    private static void remove(String run, int maxNodes) {
        Path runDir = RUNS.resolve(run);
        Path dataDir = DATA.resolve(run);
        String what = "cluster " + run;
        // Nodes first: their pods and shims, and what containerd made outside its own dirs.
        for (int i = 1; i <= maxNodes; i++) {
            String cgroup = "herald-" + run + "-n" + i;
            killNode(cgroup);
            removeCgroup(cgroup);
        }
        Runs.kill(what, Runs.recorded(runDir), Duration.ofSeconds(10));
        List<String> namespaces = Netns.all().stream().filter(n -> n.startsWith(PREFIX + run + "-")).toList();
        List<ProcessHandle> inNamespaces = new ArrayList<>();
        for (String name : namespaces) {
            new Netns(name).pids().forEach(pid -> ProcessHandle.of(pid).ifPresent(inNamespaces::add));
        }
        Runs.kill(what, inNamespaces, Duration.ofSeconds(10));
        unmountUnder(dataDir);
        unmountUnder(runDir);
        removeCniCache(run);
        Netns.deleteAll(namespaces);
        List<String> left = Netns.all().stream().filter(n -> n.startsWith(PREFIX + run + "-")).toList();
        if (!left.isEmpty()) {
            log.warn("{}: namespaces left after deleting: {}", what, left);
        }
        Runs.deleteTree(dataDir);
        Runs.deleteTree(runDir);
    }

    /**
     * SIGKILLs every process of a node (its cgroup holds its daemons, shims and pods), then
     * removes what they leave outside the node's own directories: the pods' network
     * namespace files and the shims' sockets, found on the processes before they die.
     */
    private static void killNode(String cgroup) {
        Set<Path> podNetns = new TreeSet<>();
        Set<Path> shimSockets = new TreeSet<>();
        for (long pid : cgroupPids(cgroup)) {
            podNetns.addAll(podNetnsOf(pid));
            shimSockets.addAll(listeningSocketsOf(pid, "/run/containerd/s/"));
        }
        killCgroup(cgroup, Duration.ofSeconds(10));
        podNetns.forEach(RealCluster::unmountAndDelete);
        shimSockets.forEach(RealCluster::deleteQuietly);
    }

    /**
     * libcni's cache of what each pod sandbox got: {@code results/NETWORK-SANDBOX-IFNAME} for
     * our networks, and for containerd's own loopback network of the same sandboxes.
     */
    private static void removeCniCache(String run) {
        cniCacheOf(run).forEach(RealCluster::deleteQuietly);
    }

    private static List<Path> cniCacheOf(String run) {
        Path results = CNI_CACHE.resolve("results");
        Pattern ours = Pattern.compile("^herald-" + run + "-n\\d+-([0-9a-f]{64})-eth0$");
        List<Path> out = new ArrayList<>();
        try (Stream<Path> entries = Files.list(results)) {
            for (Path entry : entries.toList()) {
                Matcher m = ours.matcher(entry.getFileName().toString());
                if (m.matches()) {
                    out.add(entry);
                    Path loopback = results.resolve("cni-loopback-" + m.group(1) + "-lo");
                    if (Files.exists(loopback)) {
                        out.add(loopback);
                    }
                }
            }
        } catch (IOException noCache) {
            // no pod ever got a network
        }
        return out;
    }

    private static void killCgroup(String cgroup, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        Set<Long> pids;
        // Loop: a dying containerd or kubelet may still fork; runc's children appear late.
        while (!(pids = cgroupPids(cgroup)).isEmpty() && System.nanoTime() < deadline) {
            List<ProcessHandle> handles = new ArrayList<>();
            pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(handles::add));
            handles.forEach(ProcessHandle::destroyForcibly);
            Runs.awaitGone("cgroup " + cgroup, handles, Duration.ofSeconds(2));
        }
        if (!pids.isEmpty()) {
            log.warn("cgroup {}: pids {} survived SIGKILL", cgroup, pids);
        }
    }

    /** /run/netns/cni-* files that name the network namespace of {@code pid}. */
    private static List<Path> podNetnsOf(long pid) {
        try {
            Object inode = Files.getAttribute(Path.of("/proc", Long.toString(pid), "ns", "net"), "unix:ino");
            try (Stream<Path> files = Files.list(Path.of("/run/netns"))) {
                return files.filter(f -> f.getFileName().toString().startsWith("cni-")).filter(f -> {
                    try {
                        return inode.equals(Files.getAttribute(f, "unix:ino"));
                    } catch (IOException e) {
                        return false;
                    }
                }).toList();
            }
        } catch (IOException | UncheckedIOException gone) {
            return List.of();
        }
    }

    /** Paths under {@code under} of the Unix sockets that {@code pid} holds open (a shim's listening socket). */
    private static List<Path> listeningSocketsOf(long pid, String under) {
        Set<String> inodes = new TreeSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closed) {
                    // closed while listing
                }
            }
            List<Path> out = new ArrayList<>();
            // The process's own network namespace: a shim's sockets are not in ours.
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", "unix"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 8 && inodes.contains(f[6]) && f[7].startsWith(under)) {
                    out.add(Path.of(f[7]));
                }
            }
            return out;
        } catch (IOException | UncheckedIOException gone) {
            return List.of();
        }
    }

    /** Mount points at or below {@code dir}, deepest first. */
    private static List<String> mountsUnder(Path dir) {
        String prefix = dir.toString();
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" ")[4].replace("\\040", " "))
                    .filter(m -> m.equals(prefix) || m.startsWith(prefix + "/"))
                    .sorted(Comparator.reverseOrder()).toList();
        } catch (IOException e) {
            log.warn("cannot read /proc/self/mountinfo: {}", e.toString());
            return List.of();
        }
    }

    /** Unmounts every mount at or below {@code dir}, deepest first (kubelet volumes, overlay rootfs, shm). */
    private static void unmountUnder(Path dir) {
        for (int pass = 0; pass < 3; pass++) {
            List<String> mounts = mountsUnder(dir);
            if (mounts.isEmpty()) {
                return;
            }
            for (String mount : mounts) {
                Exec.Result result = Exec.run(Exec.SHORT, "umount", mount);
                if (!result.ok()) {
                    Exec.run(Exec.SHORT, "umount", "-l", mount);
                }
            }
        }
    }

    private static void unmountAndDelete(Path file) {
        Exec.run(Exec.SHORT, "umount", file.toString());
        deleteQuietly(file);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", file, e.toString());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
