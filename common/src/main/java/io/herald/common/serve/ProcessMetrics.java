package io.herald.common.serve;

import io.herald.common.cli.Commands;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Metrics every Herald process exposes: JVM and process figures, and build info. */
public final class ProcessMetrics {
    private ProcessMetrics() {}

    public static void register(PrometheusRegistry registry, String component) {
        JvmMetrics.builder().register(registry);
        Info.builder()
                .name("herald_build_info")
                .help("Herald version and component of this process")
                .labelNames("version", "component")
                .register(registry)
                .addLabelValues(Commands.version(), component);
    }
}
