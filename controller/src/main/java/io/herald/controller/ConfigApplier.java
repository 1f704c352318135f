package io.herald.controller;

import io.herald.common.config.Config;
import io.herald.common.config.ConfigError;
import io.herald.common.config.ConfigParser;
import io.herald.common.config.ConfigSummary;
import io.herald.common.config.ParsedConfig;
import io.herald.controller.allocation.Allocator;
import io.herald.controller.allocation.ServiceKey;
import io.herald.controller.metrics.ControllerMetrics;
import io.kubernetes.client.extended.event.EventType;
import io.kubernetes.client.extended.event.legacy.EventRecorder;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Applies the address-pool ConfigMap: a valid change takes effect at once; an invalid
 * one, or one that would strand addresses in use, is rejected whole and the last good
 * configuration stays in force.
 */
public final class ConfigApplier {
    private static final Logger log = LogManager.getLogger(ConfigApplier.class);
    private static final int MAX_LISTED = 10;

    private final String configMap;
    private final Allocator allocator;
    private final ControllerMetrics metrics;
    private final EventRecorder events;
    private volatile boolean loaded;
    private String lastApplied;

    public ConfigApplier(String configMap, Allocator allocator, ControllerMetrics metrics, EventRecorder events) {
        this.configMap = configMap;
        this.allocator = allocator;
        this.metrics = metrics;
        this.events = events;
    }

    /** Whether a valid configuration has been loaded since start. */
    public boolean loaded() {
        return loaded;
    }

    /**
     * Applies the ConfigMap's current content (null when it does not exist). Returns
     * true when the pools in force changed.
     */
    public synchronized boolean apply(V1ConfigMap map) {
        if (map == null) {
            if (loaded) {
                log.warn("ConfigMap {} was deleted; keeping the last good configuration", configMap);
                metrics.configStale.set(1);
            } else {
                log.warn("ConfigMap {} does not exist: there are no address pools, so Services stay pending;"
                        + " create it with a \"config\" key (see config-samples/)", configMap);
            }
            return false;
        }
        Map<String, String> data = map.getData() == null ? Map.of() : map.getData();
        String text = data.get("config");
        if (Objects.equals(text, lastApplied) && loaded) {
            return false;
        }
        ParsedConfig parsed = ConfigParser.parseConfigMapData(data);
        if (parsed instanceof ParsedConfig.Invalid invalid) {
            reject(map, "InvalidConfig", invalid.errors().stream().map(ConfigError::toString).toList());
            return false;
        }
        Config config = ((ParsedConfig.Valid) parsed).config();
        synchronized (allocator) {
            List<ServiceKey> stranded = allocator.strandedBy(config);
            if (!stranded.isEmpty()) {
                reject(map, "ConfigRejected", List.of("the new pools would strand addresses in use by "
                        + list(stranded.stream().map(ServiceKey::toString).toList())
                        + "; keep their addresses in a pool, or delete or move those Services first"));
                return false;
            }
            allocator.reconfigure(config);
        }
        lastApplied = text;
        loaded = true;
        metrics.configLoaded.set(1);
        metrics.configStale.set(0);
        metrics.configLastReload.set(System.currentTimeMillis() / 1000.0);
        String summary = ConfigSummary.of(config);
        log.info("configuration from ConfigMap {} in force: {}", configMap, summary);
        events.event(map, EventType.Normal, "ConfigLoaded", "%s", "in force: " + summary);
        return true;
    }

    private void reject(V1ConfigMap map, String reason, List<String> errors) {
        metrics.configStale.set(1);
        String kept = loaded ? "the last good configuration stays in force" : "no configuration is in force yet";
        log.error("ConfigMap {} rejected ({}): {}", configMap, kept, String.join("; ", errors));
        events.event(map, EventType.Warning, reason, "%s", "rejected, " + kept + ": " + list(errors));
    }

    private static String list(List<String> items) {
        String shown = items.stream().limit(MAX_LISTED).collect(Collectors.joining("; "));
        return items.size() > MAX_LISTED ? shown + "; and " + (items.size() - MAX_LISTED) + " more" : shown;
    }
}
