package io.herald.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the tests' real kube-apiserver + etcd until SIGTERM, for the demo and for poking around. */
@Command(name = "local-cluster", mixinStandardHelpOptions = true,
        description = {
            "Starts a real etcd and kube-apiserver (built by scripts/kube-binaries.sh) with RBAC and",
            "ServiceAccount tokens, writes an admin kubeconfig, and runs until SIGTERM or Ctrl-C,",
            "then stops both and deletes their data. No kubelets, no controller-manager: an API only."
        })
public final class LocalClusterCommand implements Callable<Integer> {
    @Option(names = "--kubeconfig-out", paramLabel = "PATH", required = true,
            description = "where to write the admin kubeconfig")
    Path kubeconfigOut;

    @Option(names = "--bind-address", paramLabel = "IP", defaultValue = "127.0.0.1",
            description = "address kube-apiserver listens on (default: ${DEFAULT-VALUE})")
    String bindAddress;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LocalClusterCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        LocalKubeApiServer server = LocalKubeApiServer.start(
                new LocalKubeApiServer.Options(bindAddress, java.util.List.of()));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        Path tmp = Files.createTempFile(kubeconfigOut.toAbsolutePath().getParent(), ".kubeconfig", ".tmp");
        Files.copy(server.adminKubeconfig(), tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, kubeconfigOut, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("kube-apiserver %s ready at %s after %d ms; admin kubeconfig: %s%n",
                server.version(), server.url(), server.startupTime().toMillis(), kubeconfigOut);
        System.out.flush();
        stopped.await();
        return 0;
    }
}
