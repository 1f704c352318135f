package io.herald.controller;

import io.herald.common.cli.Commands;
import io.herald.common.cli.KubeOptions;
import io.herald.common.serve.Component;
import io.herald.common.serve.ListenAddress;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceList;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

// With no subcommand the controller runs; validate-config only checks a file.
@Command(name = "controller", mixinStandardHelpOptions = true, versionProvider = Commands.Version.class,
        subcommands = ValidateConfigCommand.class,
        description = {
            "Herald's controller: gives every Service of type LoadBalancer a virtual IP from the",
            "address pools and writes it to the Service's status.",
            "",
            "Serves /healthz, /readyz and /metrics on --listen-address; stops cleanly on SIGTERM."
        })
public final class ControllerCommand implements Callable<Integer> {
    private static final Logger log = LogManager.getLogger(ControllerCommand.class);

    @Mixin
    KubeOptions kube;

    @Option(names = "--listen-address", paramLabel = "HOST:PORT", defaultValue = ":7472",
            description = "where /healthz, /readyz and /metrics are served (default: ${DEFAULT-VALUE})")
    String listenAddress;

    @Option(names = "--api-wait", paramLabel = "SECONDS", defaultValue = "60",
            description = "how long to wait for the Kubernetes API at start before giving up (default: ${DEFAULT-VALUE})")
    int apiWaitSeconds;

    public static void main(String[] args) {
        System.exit(Commands.execute(new ControllerCommand(), args));
    }

    @Override
    public Integer call() throws Exception {
        var listen = ListenAddress.parse("--listen-address", listenAddress);
        try (Component component = Component.start("controller", listen, kube.connect(), Duration.ofSeconds(apiWaitSeconds))) {
            SharedIndexInformer<V1Service> services = component.watch(V1Service.class, V1ServiceList.class, "", "v1", "services");
            component.startInformers(Duration.ofSeconds(apiWaitSeconds));
            long loadBalancers = services.getIndexer().list().stream()
                    .filter(s -> s.getSpec() != null && "LoadBalancer".equals(s.getSpec().getType()))
                    .count();
            log.info("controller sees {} Services, {} of type LoadBalancer", services.getIndexer().list().size(), loadBalancers);
            component.awaitStop();
        }
        return 0;
    }
}
