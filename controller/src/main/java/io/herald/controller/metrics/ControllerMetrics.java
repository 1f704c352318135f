package io.herald.controller.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.function.Consumer;

/** The controller's Prometheus metrics; names follow Prometheus conventions, prefix {@code herald_}. */
public final class ControllerMetrics {
    /** Per pool and family: addresses the pool can hand out, and those in use. */
    public interface PoolUsage {
        void report(String pool, String family, double size, double inUse);
    }

    public final Counter allocations;
    public final Counter failures;
    public final Counter releases;
    public final Gauge configLoaded;
    public final Gauge configStale;
    public final Gauge configLastReload;
    public final Gauge leader;
    public final Histogram reconcileDuration;

    public ControllerMetrics(PrometheusRegistry registry, Consumer<PoolUsage> usage) {
        allocations = Counter.builder().name("herald_allocations_total")
                .help("IP allocations made (a Service given new addresses), by pool")
                .labelNames("pool").register(registry);
        failures = Counter.builder().name("herald_allocation_failures_total")
                .help("Services that could not be given addresses, by reason")
                .labelNames("reason").register(registry);
        releases = Counter.builder().name("herald_releases_total")
                .help("allocations released (Service deleted, no longer a Herald LoadBalancer, or request changed)")
                .register(registry);
        configLoaded = Gauge.builder().name("herald_config_loaded")
                .help("1 when a valid address-pool configuration is in force").register(registry);
        configStale = Gauge.builder().name("herald_config_stale")
                .help("1 when the ConfigMap's latest content was rejected and an older, valid one stays in force")
                .register(registry);
        configLastReload = Gauge.builder().name("herald_config_last_reload_success_timestamp_seconds")
                .help("when a configuration was last accepted").unit(Unit.SECONDS).register(registry);
        leader = Gauge.builder().name("herald_controller_leader")
                .help("1 on the replica that holds the herald-controller Lease").register(registry);
        reconcileDuration = Histogram.builder().name("herald_reconcile_duration_seconds")
                .help("time to reconcile one Service").unit(Unit.SECONDS)
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
                .register(registry);
        GaugeWithCallback.builder().name("herald_address_pool_addresses")
                .help("addresses a pool can hand out, by family").labelNames("pool", "family")
                .callback(cb -> usage.accept((pool, family, size, inUse) -> cb.call(size, pool, family)))
                .register(registry);
        GaugeWithCallback.builder().name("herald_address_pool_addresses_in_use")
                .help("addresses of a pool held by Services (a shared address counts once), by family")
                .labelNames("pool", "family")
                .callback(cb -> usage.accept((pool, family, size, inUse) -> cb.call(inUse, pool, family)))
                .register(registry);
    }
}
