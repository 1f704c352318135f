package io.herald.speaker;

import io.herald.common.cli.Commands;
import io.herald.common.cli.KubeOptions;
import io.herald.common.serve.Component;
import io.herald.common.serve.ListenAddress;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeList;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceList;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "speaker", mixinStandardHelpOptions = true, versionProvider = Commands.Version.class,
        description = {
            "Herald's speaker: runs on every node, agrees with the other speakers through node",
            "Leases which node announces each virtual IP, and answers ARP / NDP for the ones it owns.",
            "",
            "Serves /healthz, /readyz and /metrics on --listen-address; stops cleanly on SIGTERM."
        })
public final class SpeakerCommand implements Callable<Integer> {
    private static final Logger log = LogManager.getLogger(SpeakerCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    KubeOptions kube;

    @Option(names = "--node-name", paramLabel = "NAME", defaultValue = "${env:NODE_NAME}",
            description = "the Kubernetes node this speaker runs on (default: $NODE_NAME, which the chart sets from spec.nodeName)")
    String nodeName;

    @Option(names = "--listen-address", paramLabel = "HOST:PORT", defaultValue = ":7473",
            description = "where /healthz, /readyz and /metrics are served (default: ${DEFAULT-VALUE})")
    String listenAddress;

    @Option(names = "--api-wait", paramLabel = "SECONDS", defaultValue = "60",
            description = "how long to wait for the Kubernetes API at start before giving up (default: ${DEFAULT-VALUE})")
    int apiWaitSeconds;

    public static void main(String[] args) {
        System.exit(Commands.execute(new SpeakerCommand(), args));
    }

    @Override
    public Integer call() throws Exception {
        if (nodeName == null || nodeName.isBlank()) {
            throw new ParameterException(spec.commandLine(),
                    "the speaker needs its node's name: pass --node-name NAME or set NODE_NAME");
        }
        var listen = ListenAddress.parse("--listen-address", listenAddress);
        try (Component component = Component.start("speaker", listen, kube.connect(), Duration.ofSeconds(apiWaitSeconds))) {
            SharedIndexInformer<V1Node> nodes = component.watch(V1Node.class, V1NodeList.class, "", "v1", "nodes");
            component.watch(V1Service.class, V1ServiceList.class, "", "v1", "services");
            component.startInformers(Duration.ofSeconds(apiWaitSeconds));
            if (nodes.getIndexer().getByKey(nodeName) == null) {
                log.warn("speaker: node {} is not in the API server; check --node-name", nodeName);
            } else {
                log.info("speaker running for node {}", nodeName);
            }
            component.awaitStop();
        }
        return 0;
    }
}
