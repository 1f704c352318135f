package io.herald.e2e.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.testkit.net.Exec;
import io.herald.testkit.net.Netns;
import io.herald.testkit.net.Runs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Containers started with runc the way a kubelet's runtime starts a pod's container: the
 * image's own spec (umoci's, from the image config) with the pod's security context laid
 * over it. One runc state directory and one cgroup parent per run, both this JVM's, so that
 * {@link #close()} (or the next run, after a killed JVM) removes exactly what it started.
 */
final class Runc implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(Runc.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** On disk, not /run: each run unpacks two images of several hundred MiB here. */
    private static final Path RUNS = Path.of("/var/tmp/herald-images");

    private final String run;
    private final Path dir;
    private int containers;
    private Netns node;

    private Runc(String run) {
        this.run = run;
        this.dir = RUNS.resolve(run);
    }

    static Runc start() {
        Runs.requireRoot("running images with runc");
        Runs.requireCommands("running images with runc", List.of("runc", "umoci", "skopeo", "ip"));
        cleanStale();
        return new Runc(Runs.claim(RUNS, run -> Netns.all().contains(netnsName(run))));
    }

    /**
     * What a pod's container gets (the fields of its securityContext that runc sees).
     *
     * @param uid          runAsUser; null: the image's
     * @param gid          runAsGroup; null: the image's
     * @param capabilities added after drop [ALL], as CAP_ names
     * @param netns        the network namespace (hostNetwork: the node's); null: a new one
     * @param env          more environment, NAME=VALUE, as the pod's env sets it
     */
    record Pod(Long uid, Long gid, List<String> capabilities, boolean readOnlyRoot, boolean noNewPrivileges, String netns,
            List<String> env) {
        Pod withEnv(String... more) {
            List<String> all = new ArrayList<>(env);
            all.addAll(List.of(more));
            return new Pod(uid, gid, capabilities, readOnlyRoot, noNewPrivileges, netns, all);
        }
    }

    /** A bind mount from the host, read-only, as a kubelet mounts a ConfigMap or a token. */
    record Mount(Path source, String destination) {}

    /** A started container: its id, its bundle and where its output goes. */
    record Container(String id, Path bundle, Path log) {}

    /** Runs the container to its end (or {@code timeout}); exit code and output as a command's. */
    Exec.Result run(ImageArchive image, Pod pod, List<Mount> mounts, Duration timeout, String... args) {
        Container c = create(image, pod, mounts, List.of(args));
        try {
            return Exec.run(timeout, null, List.of("runc", "--root", state().toString(), "run", "--bundle", c.bundle().toString(), c.id()));
        } finally {
            delete(c);
        }
    }

    /** Starts the container in the background; its output goes to {@link Container#log()}. */
    Container startDetached(ImageArchive image, Pod pod, List<Mount> mounts, String... args) {
        Container c = create(image, pod, mounts, List.of(args));
        try {
            Process runc = new ProcessBuilder("runc", "--root", state().toString(), "run", "--detach", "--bundle",
                    c.bundle().toString(), c.id())
                    .redirectErrorStream(true).redirectOutput(c.log().toFile()).start();
            if (!runc.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || runc.exitValue() != 0) {
                throw new IllegalStateException("runc run --detach " + c.id() + " failed: " + Files.readString(c.log()));
            }
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted starting " + c.id(), e);
        }
    }

    /** The host pid of the container's first process (the image's entrypoint, exec'd by runc). */
    long pid(Container c) {
        try {
            JsonNode state = JSON.readTree(Exec.run(Exec.SHORT, "runc", "--root", state().toString(), "state", c.id()).orThrow());
            return state.path("pid").asLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILLs the container's processes and removes it. */
    void delete(Container c) {
        Exec.run(Exec.SHORT, "runc", "--root", state().toString(), "delete", "--force", c.id());
    }

    private Container create(ImageArchive image, Pod pod, List<Mount> mounts, List<String> args) {
        String id = "herald-" + run + "-" + (++containers);
        Path bundle = dir.resolve(id);
        try {
            Files.createDirectories(bundle);
            ObjectNode spec = (ObjectNode) image.baseSpec();
            spec.with("root").put("path", image.rootfs().toString()).put("readonly", pod.readOnlyRoot());
            // What a kubelet gives every pod: a hostname and an /etc/hosts that resolves it (log4j looks it up).
            spec.put("hostname", id);
            Path hosts = bundle.resolve("hosts");
            Files.writeString(hosts, "127.0.0.1 localhost\n::1 localhost ip6-localhost\n127.0.1.1 " + id + "\n");
            ObjectNode process = spec.with("process");
            process.put("terminal", false);
            process.put("noNewPrivileges", pod.noNewPrivileges());
            pod.env().forEach(process.withArray("env")::add);
            ArrayNode command = process.putArray("args");
            image.runtime().path("Entrypoint").forEach(command::add);
            args.forEach(command::add);
            if (pod.uid() != null) {
                process.with("user").put("uid", pod.uid());
            }
            if (pod.gid() != null) {
                process.with("user").put("gid", pod.gid());
            }
            ObjectNode caps = process.putObject("capabilities");
            for (String set : List.of("bounding", "effective", "permitted")) {
                ArrayNode names = caps.putArray(set);
                pod.capabilities().forEach(names::add);
            }
            caps.putArray("inheritable");
            caps.putArray("ambient");
            ArrayNode specMounts = spec.withArray("mounts");
            specMounts.addObject().put("destination", "/tmp").put("type", "tmpfs").put("source", "tmpfs")
                    .putArray("options").add("nosuid").add("nodev").add("mode=1777");
            List<Mount> all = new ArrayList<>(mounts);
            all.add(new Mount(hosts, "/etc/hosts"));
            for (Mount m : all) {
                specMounts.addObject().put("destination", m.destination()).put("type", "bind").put("source", m.source().toString())
                        .putArray("options").add("rbind").add("ro");
            }
            ObjectNode linux = spec.with("linux");
            linux.put("cgroupsPath", "/herald-images-" + run + "/" + id);
            ArrayNode namespaces = linux.putArray("namespaces");
            for (String type : List.of("pid", "ipc", "uts", "mount")) {
                namespaces.addObject().put("type", type);
            }
            ObjectNode network = namespaces.addObject().put("type", "network");
            if (pod.netns() != null) {
                network.put("path", "/run/netns/" + pod.netns());
            }
            JSON.writerWithDefaultPrettyPrinter().writeValue(bundle.resolve("config.json").toFile(), spec);
            return new Container(id, bundle, bundle.resolve("output.log"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the runtime spec of " + id, e);
        }
    }

    /**
     * A node's network namespace for this run, made on first use: {@code eth0} (198.18.0.11/24,
     * the LAN side), the pod network's bridge {@code cni0} with a pod's veth on it, as a kubelet
     * node has them. The veths' other ends stay in it too (names the default list excludes).
     * Nothing is reachable from it.
     */
    synchronized Netns node() {
        if (node == null) {
            Netns ns = new Netns(netnsName(run));
            Netns.addAll(List.of(ns));
            ns.ipBatch(List.of(
                    "link set lo up",
                    "link add eth0 type veth peer name vethlan0",
                    "addr add 198.18.0.11/24 dev eth0",
                    "link set eth0 up",
                    "link set vethlan0 up",
                    "link add cni0 type bridge",
                    "addr add 198.19.1.1/24 dev cni0",
                    "link add vethpod0 type veth peer name vethpod1",
                    "link set vethpod0 master cni0",
                    "link set cni0 up",
                    "link set vethpod0 up",
                    "link set vethpod1 up"));
            node = ns;
        }
        return node;
    }

    /** The directory of this run, for unpacked images. */
    Path work() {
        return dir;
    }

    private static String netnsName(String run) {
        return "herald-img-" + run;
    }

    private Path state() {
        return dir.resolve("runc");
    }

    @Override
    public void close() {
        remove(run, dir);
    }

    /** Removes runs left by JVMs that are gone. */
    static void cleanStale() {
        for (String run : Runs.listed(RUNS)) {
            Path dir = RUNS.resolve(run);
            if (!Runs.ownerAlive(dir)) {
                log.info("removing image-test containers of run {}, left by a JVM that is gone", run);
                remove(run, dir);
            }
        }
    }

    /** Deletes every container of the run (runc kills their processes and removes their cgroups), then its directory. */
    private static void remove(String run, Path dir) {
        Path state = dir.resolve("runc");
        if (Files.isDirectory(state)) {
            Exec.Result list = Exec.run(Exec.SHORT, "runc", "--root", state.toString(), "list", "--quiet");
            List<String> ids = new ArrayList<>(list.out().lines().map(String::strip).filter(s -> s.startsWith("herald-" + run + "-")).toList());
            for (String id : ids) {
                Exec.Result deleted = Exec.run(Exec.SHORT, "runc", "--root", state.toString(), "delete", "--force", id);
                if (!deleted.ok()) {
                    log.warn("runc delete {}: {}", id, deleted.err().strip());
                }
            }
        }
        Netns.deleteAll(Netns.all().stream().filter(netnsName(run)::equals).toList());
        for (Path controller : cgroupParents(run)) {
            try {
                Files.deleteIfExists(controller);
            } catch (IOException e) {
                log.warn("cannot remove cgroup {}: {}", controller, e.toString());
            }
        }
        Runs.deleteTree(dir);
    }

    /** The run's cgroup parent in every hierarchy (v1: one per controller; v2: one). */
    static List<Path> cgroupParents(String run) {
        List<Path> found = new ArrayList<>();
        Path root = Path.of("/sys/fs/cgroup");
        Path v2 = root.resolve("herald-images-" + run);
        if (Files.isDirectory(v2)) {
            found.add(v2);
        }
        try (var hierarchies = Files.list(root)) {
            for (Path h : hierarchies.toList()) {
                Path parent = h.resolve("herald-images-" + run);
                if (!parent.equals(v2) && Files.isDirectory(parent)) {
                    found.add(parent);
                }
            }
        } catch (IOException e) {
            log.warn("cannot list {}: {}", root, e.toString());
        }
        return found;
    }

    String run() {
        return run;
    }
}
