package io.herald.e2e.lab;

import io.herald.common.ip.IpAddress;
import io.herald.e2e.ControllerProcess;
import io.herald.e2e.HeraldProcess;
import io.herald.testkit.KubeCluster;
import io.herald.testkit.net.Exec;
import io.herald.testkit.net.Netns;
import io.herald.testkit.net.Runs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A simulated LAN on this machine: a Linux bridge in namespace {@code hlab-RUN-lan},
 * one namespace per node ({@code hlab-RUN-n1}, ...) and one for the client, each with
 * an {@code eth0} on the bridge. Nodes behave as kube-proxy in IPVS mode with strictARP:
 * {@link #exposeVip} puts a VIP on every node's {@code lo} and the kernel never answers
 * ARP or NDP for it, so only Herald's speaker can. {@link #serve} stands in for the pods.
 *
 * <p>Every name carries a random run id, so runs never collide. {@link #close()} and a
 * JVM shutdown hook remove everything; {@link #cleanStale()} (also run by
 * {@link Builder#start()}) removes what a killed JVM left. Needs root.
 */
public final class Lab implements AutoCloseable {
    static final String PREFIX = "hlab-";
    static final String CLIENT_IPV4 = "198.18.0.2";
    static final String CLIENT_IPV6 = "2001:db8::2";
    static final int MAX_NODES = 89; // node i's address and MAC end in 10+i, two decimal digits
    static final Path RUNS = Path.of("/run/herald-lab");
    private static final Pattern RUN_NETNS = Pattern.compile("^" + PREFIX + "([0-9a-f]{6})-");
    private static final Duration START = Duration.ofSeconds(30);
    private static final Logger log = LogManager.getLogger(Lab.class);

    private final String run;
    private final Path dir;
    private final Netns lan;
    private final Map<String, LabNode> nodes = new LinkedHashMap<>();
    private final LabClient client;
    private final KubeCluster kube;
    private final Function<String, Path> credentials;
    private final List<HeraldProcess> processes = new CopyOnWriteArrayList<>();
    private final Map<String, Path> kubeconfigs = new TreeMap<>();
    private final Map<String, HeraldProcess> forwarders = new TreeMap<>();
    private final int metricsPort = HeraldProcess.freePort();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private int apiPort;
    private Duration startupTime;

    /** How many nodes, and the Kubernetes API the speakers and controllers use (optional). */
    public static final class Builder {
        private int nodes = 3;
        private KubeCluster kube;
        private Function<String, Path> credentials;

        private Builder() {}

        /** Nodes n1 to n{count}; default 3. */
        public Builder nodes(int count) {
            if (count < 1 || count > MAX_NODES) {
                throw new IllegalArgumentException("a lab has 1 to " + MAX_NODES + " nodes, not " + count);
            }
            this.nodes = count;
            return this;
        }

        /** The API server that speakers reach through the forwarders; without it the lab is network only. */
        public Builder kube(KubeCluster cluster) {
            this.kube = cluster;
            return this;
        }

        /**
         * Which kubeconfig holds each node's credential (its server address is replaced
         * by the forwarder's); default the cluster's admin kubeconfig.
         */
        public Builder credentials(Function<String, Path> kubeconfigOfNode) {
            this.credentials = kubeconfigOfNode;
            return this;
        }

        public Lab start() {
            return Lab.start(this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private Lab(String run, Path dir, Builder options) {
        this.run = run;
        this.dir = dir;
        this.kube = options.kube;
        this.credentials = options.credentials != null ? options.credentials
                : node -> requireKube().adminKubeconfig();
        this.lan = new Netns(PREFIX + run + "-lan");
        for (int i = 1; i <= options.nodes; i++) {
            String name = "n" + i;
            nodes.put(name, new LabNode(name, PREFIX + run + "-" + name, "198.18.0." + (10 + i), "2001:db8::" + (10 + i),
                    "02:00:00:00:00:" + (10 + i)));
        }
        this.client = new LabClient(new Netns(PREFIX + run + "-client"), "02:00:00:00:00:02", this::track);
        this.shutdownHook = new Thread(this::close, "herald-lab-" + run + "-teardown");
    }

    private static Lab start(Builder options) {
        Runs.requireRoot("the lab");
        Runs.requireCommands("the lab", options.kube != null ? List.of("ip", "curl", "socat") : List.of("ip", "curl"));
        cleanStale();
        long began = System.nanoTime();
        String run = newRun();
        Lab lab = new Lab(run, RUNS.resolve(run), options);
        Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
        try {
            lab.build();
            if (lab.kube != null) {
                lab.forwardApi();
            }
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        lab.startupTime = Duration.ofNanos(System.nanoTime() - began);
        log.info("lab {} up in {} ms: {} node(s){}", run, lab.startupTime.toMillis(), lab.nodes.size(),
                lab.kube != null ? ", API forwarded to 127.0.0.1:" + lab.apiPort + " in each node" : "");
        return lab;
    }

    private static String newRun() {
        return Runs.claim(RUNS, run -> Netns.all().stream().anyMatch(n -> n.startsWith(PREFIX + run + "-")));
    }

    private void build() {
        Netns.addAll(namespaces().stream().map(Netns::new).toList());

        // Before any link exists, so eth0 inherits "default": IPv6 addresses usable at once.
        List<String> noDad = List.of("net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        lan.sysctl(noDad.toArray(String[]::new));
        new Netns(client.netns()).sysctl(noDad.toArray(String[]::new));
        for (LabNode node : nodes.values()) {
            List<String> settings = new ArrayList<>(noDad);
            // kube-proxy IPVS with strictARP: answer ARP only for addresses on the asking
            // interface, and never use a VIP on lo as the source of our own ARP requests.
            settings.addAll(List.of("net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.default.arp_ignore=1",
                    "net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.default.arp_announce=2",
                    // as on a Kubernetes node, where kube-proxy needs it
                    "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"));
            new Netns(node.netns()).sysctl(settings.toArray(String[]::new));
        }

        // A dumb switch: multicast, so Neighbor Solicitations too, reaches every port whatever
        // MLD reports the bridge has seen; the speakers listen with pcap and join no group.
        List<String> bridge = new ArrayList<>(List.of(
                "link add " + bridgeName() + " type bridge mcast_snooping 0",
                "link set " + bridgeName() + " up",
                "link set lo up"));
        for (LabNode node : nodes.values()) {
            bridge.addAll(port(portName(node), node.netns(), node.mac()));
        }
        bridge.addAll(port(clientPortName(), client.netns(), client.mac()));
        lan.ipBatch(bridge);

        for (LabNode node : nodes.values()) {
            member(new Netns(node.netns()), node.ipv4(), node.ipv6());
        }
        member(new Netns(client.netns()), CLIENT_IPV4, CLIENT_IPV6);
    }

    private List<String> port(String portName, String memberNetns, String mac) {
        return List.of(
                "link add " + portName + " type veth peer name eth0 netns " + memberNetns + " address " + mac,
                "link set " + portName + " master " + bridgeName() + " up");
    }

    private static void member(Netns netns, String ipv4, String ipv6) {
        netns.ipBatch(List.of(
                "link set lo up",
                "addr add " + ipv4 + "/24 dev eth0",
                "addr add " + ipv6 + "/64 dev eth0",
                "link set eth0 up"));
    }

    private String bridgeName() {
        return "hl" + run + "br";
    }

    private String portName(LabNode node) {
        return "hl" + run + "v" + node.name().substring(1);
    }

    private String clientPortName() {
        return "hl" + run + "c";
    }

    /**
     * Speakers in node namespaces reach the API server on 127.0.0.1 of the test JVM's namespace
     * through a Unix socket (the filesystem is shared): no traffic leaves loopback and the
     * lab's own namespaces. In each node, 127.0.0.1:PORT, the API server's own port, so its
     * certificate (SAN 127.0.0.1) fits.
     */
    private void forwardApi() {
        URI api = URI.create(kube.url());
        apiPort = api.getPort();
        String host = api.getHost().replaceAll("^\\[|]$", "");
        String target = host.contains(":") ? "TCP6:[" + host + "]:" + apiPort : "TCP4:" + host + ":" + apiPort;
        Path socket = dir.resolve("api.sock");
        HeraldProcess root = track(HeraldProcess.launch("api-forwarder", List.of(
                "socat", "-d", "-d", "UNIX-LISTEN:" + socket + ",fork,mode=600", target)));
        List<HeraldProcess> inNodes = new ArrayList<>();
        for (LabNode node : nodes.values()) {
            HeraldProcess forwarder = track(HeraldProcess.launch("api-forwarder-" + node.name(), new Netns(node.netns()).prefix(
                    List.of("socat", "-d", "-d", "TCP4-LISTEN:" + apiPort + ",bind=127.0.0.1,fork,reuseaddr",
                            "UNIX-CONNECT:" + socket))));
            inNodes.add(forwarder);
            forwarders.put(node.name(), forwarder);
            kubeconfigs.put(node.name(), writeKubeconfig(node.name()));
        }
        awaitListening(root);
        for (HeraldProcess forwarder : inNodes) {
            awaitListening(forwarder);
        }
    }

    private static void awaitListening(HeraldProcess socat) {
        try {
            socat.awaitLine("listening on", START);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the API forwarders", e);
        }
    }

    private Path writeKubeconfig(String node) {
        Path source = credentials.apply(node);
        try {
            String text = Files.readString(source);
            Matcher server = Pattern.compile("(?m)^(\\s*server:\\s*).*$").matcher(text);
            if (!server.find()) {
                throw new IllegalArgumentException(source + " names no server");
            }
            String rewritten = server.replaceAll("$1https://127.0.0.1:" + apiPort);
            Path file = dir.resolve("kubeconfig-" + node + ".yaml");
            Files.writeString(file, rewritten);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the kubeconfig of " + node, e);
        }
    }

    // ---- what tests and the demo use ----

    public String runId() {
        return run;
    }

    public List<LabNode> nodes() {
        return List.copyOf(nodes.values());
    }

    public LabNode node(String name) {
        LabNode node = nodes.get(name);
        if (node == null) {
            throw new IllegalArgumentException("no node " + name + " in this lab; it has " + nodes.keySet());
        }
        return node;
    }

    public LabClient client() {
        return client;
    }

    /** The lab's namespaces: LAN, nodes, client. */
    public List<String> namespaces() {
        List<String> out = new ArrayList<>(List.of(lan.name()));
        nodes.values().forEach(n -> out.add(n.netns()));
        out.add(client.netns());
        return out;
    }

    /** From the first command to a usable lab (forwarders included). */
    public Duration startupTime() {
        return startupTime;
    }

    /** The kubeconfig a node's processes use: https://127.0.0.1:{@link #apiPort()}, that node's credential. */
    public Path kubeconfig(String node) {
        requireKube();
        return kubeconfigs.get(node(node).name());
    }

    /** Where the API server answers inside every node namespace (on 127.0.0.1). */
    public int apiPort() {
        requireKube();
        return apiPort;
    }

    /** Puts {@code ip} on {@code lo} of every node (/32 or /128), as kube-proxy IPVS does for a LoadBalancer IP. */
    public void exposeVip(String ip) {
        String prefix = hostPrefix(ip);
        for (LabNode node : nodes.values()) {
            new Netns(node.netns()).ip("addr", "replace", prefix, "dev", "lo");
        }
    }

    /** Takes {@code ip} off every node's {@code lo}; nodes that do not have it are left alone. */
    public void hideVip(String ip) {
        String prefix = hostPrefix(ip);
        for (LabNode node : nodes.values()) {
            Netns netns = new Netns(node.netns());
            if (!netns.ip("addr", "show", "dev", "lo", "to", prefix).isBlank()) {
                netns.ip("addr", "del", prefix, "dev", "lo");
            }
        }
    }

    private static String hostPrefix(String ip) {
        IpAddress address = IpAddress.parse(ip);
        return address + "/" + address.family().bits();
    }

    /**
     * Starts, in every node, the stand-in for kube-proxy and the pods: a server on
     * {@code port} (all addresses, both families) that answers with the node's name.
     * Returns once all listen.
     */
    public void serve(int port) throws InterruptedException {
        String owner = Long.toString(ProcessHandle.current().pid());
        List<HeraldProcess> servers = new ArrayList<>();
        for (LabNode node : nodes.values()) {
            servers.add(track(HeraldProcess.launch("serve-" + node.name(), new Netns(node.netns()).prefix(
                    javaMain(NodeNameServer.class, node.name(), Integer.toString(port), owner)))));
        }
        for (HeraldProcess server : servers) {
            server.awaitLine("^listening on ", START);
        }
    }

    /**
     * Runs the built speaker in {@code node}'s namespace with {@code --node-name},
     * {@code --kubeconfig} ({@link #kubeconfig}), {@code --listen-address 127.0.0.1:PORT}
     * and heartbeats on as the chart has them (the lab's key, the node's IPv4 address),
     * then {@code extraArgs}.
     */
    public SpeakerProcess startSpeaker(String node, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--heartbeat-key-file", heartbeatKey().toString(),
                "--heartbeat-address", node(node).ipv4()));
        args.addAll(List.of(extraArgs));
        return startLeaseOnlySpeaker(node, args.toArray(String[]::new));
    }

    /** The same with heartbeats off, as an older speaker, or one whose heartbeat port is blocked, behaves. */
    public SpeakerProcess startLeaseOnlySpeaker(String node, String... extraArgs) {
        LabNode labNode = node(node);
        List<String> args = new ArrayList<>(List.of("--node-name", node, "--kubeconfig", kubeconfig(node).toString(),
                "--listen-address", "127.0.0.1:" + metricsPort));
        args.addAll(List.of(extraArgs));
        Netns netns = new Netns(labNode.netns());
        HeraldProcess process = track(HeraldProcess.start("speaker", netns.prefix(List.of()), args));
        return new SpeakerProcess(labNode, netns, process, metricsPort);
    }

    /** The cluster's heartbeat key, as the chart's Secret holds it: 32 random characters, written once per lab. */
    public synchronized Path heartbeatKey() {
        Path key = dir.resolve("heartbeat.key");
        if (!Files.exists(key)) {
            String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            java.security.SecureRandom random = new java.security.SecureRandom();
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 32; i++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            try {
                Files.writeString(key, text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return key;
    }

    /** Runs the built controller in the test JVM's namespace with the admin kubeconfig; it needs no LAN. */
    public HeraldProcess startController(String identity, String... extraArgs) {
        return startController(identity, HeraldProcess.freePort(), extraArgs);
    }

    /** The same, serving /metrics, /healthz and /readyz on 127.0.0.1:{@code metricsPort}. */
    public HeraldProcess startController(String identity, int metricsPort, String... extraArgs) {
        return track(ControllerProcess.start(requireKube(), identity, metricsPort, extraArgs));
    }

    /**
     * Cuts {@code node} off from the API server without a word: its forwarder and the
     * connections it serves (its forked children) are stopped (SIGSTOP), so every request,
     * watches included, hangs unanswered, as in a silent partition. The LAN is untouched.
     */
    public void freezeApi(String node) {
        signalForwarder(node, "STOP");
    }

    /** Lets {@code node}'s API traffic through again (SIGCONT to what {@link #freezeApi} stopped). */
    public void thawApi(String node) {
        signalForwarder(node, "CONT");
    }

    private void signalForwarder(String node, String signal) {
        HeraldProcess forwarder = forwarders.get(node);
        if (forwarder == null) {
            throw new IllegalStateException("node " + node + " has no API forwarder: this lab was started without an API server");
        }
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal, Long.toString(forwarder.pid())));
        ProcessHandle.of(forwarder.pid()).ifPresent(h -> h.descendants().forEach(d -> command.add(Long.toString(d.pid()))));
        Exec.run(Exec.SHORT, command.toArray(String[]::new)).orThrow();
    }

    /** Takes the node's port on the bridge down: the node is gone from the LAN at once. */
    public void cutLink(String node) {
        lan.ip("link", "set", portName(node(node)), "down");
    }

    public void restoreLink(String node) {
        lan.ip("link", "set", portName(node(node)), "up");
    }

    /** Runs a command in {@code node}'s namespace, e.g. {@code kubectl --kubeconfig lab.kubeconfig(node) ...}. */
    public Exec.Result exec(String node, Duration timeout, String... command) {
        return new Netns(node(node).netns()).exec(timeout, command);
    }

    /** A JVM running {@code main} from the lab's own classes, which need nothing but the JDK. */
    static List<String> javaMain(Class<?> main, String... args) {
        String classes = Path.of(URI.create(main.getProtectionDomain().getCodeSource().getLocation().toString())).toString();
        List<String> command = new ArrayList<>(List.of(HeraldProcess.javaCommand().toString(),
                "-Xmx64m", "-Xss256k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classes, main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** The same with this JVM's whole class path: for lab processes that need the project's libraries (pcap4j). */
    static List<String> javaMainWithDependencies(Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of(HeraldProcess.javaCommand().toString(),
                "-Xmx64m", "-Xss256k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    private HeraldProcess track(HeraldProcess process) {
        processes.add(process);
        try {
            ProcessHandle.of(process.pid()).ifPresent(h -> Runs.record(dir, h));
        } catch (UncheckedIOException e) {
            log.warn("{}", e.getMessage());
        }
        return process;
    }

    private KubeCluster requireKube() {
        if (kube == null) {
            throw new IllegalStateException("this lab was started without an API server: Lab.builder().kube(cluster)");
        }
        return kube;
    }

    // ---- teardown ----

    /** Stops every process of the lab and removes its namespaces and files. Safe to call twice, and from any thread. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean interrupted = Thread.interrupted(); // finish the teardown even for an interrupted test
        long began = System.nanoTime();
        try {
            for (HeraldProcess process : processes) {
                try {
                    process.close();
                } catch (IOException | RuntimeException e) {
                    log.warn("lab {}: stopping pid {}: {}", run, process.pid(), e.toString());
                }
            }
            remove(run, dir);
            if (Thread.currentThread() != shutdownHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException alreadyShuttingDown) {
                    // the hook finds the lab closed
                }
            }
            log.info("lab {} torn down in {} ms", run, Duration.ofNanos(System.nanoTime() - began).toMillis());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Removes what labs of dead JVMs left: their namespaces (and the processes in them),
     * the JVM-namespace processes they recorded, and their run directories. A run is dead
     * when the process named in its owner file is gone (pid and start time both checked).
     *
     * @return the run ids removed
     */
    public static List<String> cleanStale() {
        Set<String> runs = new TreeSet<>();
        for (String name : Netns.all()) {
            Matcher m = RUN_NETNS.matcher(name);
            if (m.find()) {
                runs.add(m.group(1));
            }
        }
        runs.addAll(Runs.listed(RUNS));
        List<String> removed = new ArrayList<>();
        for (String run : runs) {
            Path dir = RUNS.resolve(run);
            if (Runs.ownerAlive(dir)) {
                continue;
            }
            log.info("removing lab {}, left by a JVM that is gone", run);
            remove(run, dir);
            removed.add(run);
        }
        return removed;
    }

    /** Kills the run's recorded processes and everything in its namespaces, then deletes both. */
    private static void remove(String run, Path dir) {
        List<ProcessHandle> doomed = new ArrayList<>(Runs.recorded(dir));
        List<String> namespaces = Netns.all().stream().filter(n -> n.startsWith(PREFIX + run + "-")).toList();
        for (String name : namespaces) {
            new Netns(name).pids().forEach(pid -> ProcessHandle.of(pid).ifPresent(doomed::add));
        }
        Runs.kill("lab " + run, doomed, Duration.ofSeconds(10));
        Netns.deleteAll(namespaces);
        List<String> left = Netns.all().stream().filter(n -> n.startsWith(PREFIX + run + "-")).toList();
        if (!left.isEmpty()) {
            log.warn("lab {}: namespaces left after deleting: {}", run, left);
        }
        Runs.deleteTree(dir);
    }
}
