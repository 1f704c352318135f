package io.herald.testkit.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a real multi-node cluster until SIGTERM or Ctrl-C, for poking around with kubectl and helm. */
@Command(name = "real-cluster", mixinStandardHelpOptions = true,
        description = {
            "Starts a real Kubernetes cluster on this machine (needs root): etcd, kube-apiserver,",
            "kube-controller-manager and kube-scheduler, and N nodes, each a network namespace on one",
            "bridge with its own containerd, kubelet and kube-proxy, plus a client namespace at",
            "198.18.0.2. Imports the given image archives into every node, writes an admin kubeconfig,",
            "and runs until SIGTERM or Ctrl-C; then removes everything it made.",
            "Reach the LAN like the client does: ip netns exec hkc-RUN-client curl http://VIP/"
        })
public final class RealClusterCommand implements Callable<Integer> {
    @Option(names = "--kubeconfig-out", paramLabel = "PATH", required = true,
            description = "where to write the admin kubeconfig")
    Path kubeconfigOut;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "3", description = "node count, 1 to 9 (default: ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--image", paramLabel = "ARCHIVE", description = "an image archive to import into every node (repeatable);"
            + " scripts/images.sh builds Herald's")
    List<Path> images = List.of();

    public static void main(String[] args) {
        System.exit(new CommandLine(new RealClusterCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        RealCluster cluster = RealCluster.builder().nodes(nodes).images(images).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cluster.close();
            stopped.countDown();
        }));
        Path target = kubeconfigOut.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), ".kubeconfig", ".tmp");
        Files.copy(cluster.adminKubeconfig(), tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("real cluster %s: %d node(s) Ready after %d ms; client namespace %s; admin kubeconfig: %s%n",
                cluster.runId(), cluster.nodes().size(), cluster.startupTime().toMillis(), cluster.client().name(), target);
        System.out.flush();
        stopped.await();
        return 0;
    }
}
