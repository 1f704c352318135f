package io.herald.speaker.kube;

import io.herald.common.config.Config;
import io.herald.common.config.ConfigError;
import io.herald.common.config.ConfigParser;
import io.herald.common.config.ParsedConfig;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import java.util.Map;
import java.util.Objects;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The address pools as the speaker sees them: it needs each pool's node-selectors and
 * interfaces. A ConfigMap that does not parse leaves the last good pools in force; the
 * controller reports it with an Event on the ConfigMap, the speaker only logs it.
 */
public final class SpeakerConfig {
    private static final Logger log = LogManager.getLogger(SpeakerConfig.class);

    private final String configMap;
    private volatile Config current = Config.EMPTY;
    private volatile boolean loaded;
    private volatile boolean stale;
    private String lastSeen;

    public SpeakerConfig(String configMap) {
        this.configMap = configMap;
    }

    public Config current() {
        return current;
    }

    public boolean loaded() {
        return loaded;
    }

    /** True while the ConfigMap's latest content was rejected and older pools stay in force. */
    public boolean stale() {
        return stale;
    }

    /** Reads the ConfigMap's content (null when it does not exist); true when the pools in force changed. */
    public synchronized boolean update(V1ConfigMap map) {
        if (map == null) {
            if (loaded) {
                log.warn("ConfigMap {} was deleted; keeping the last good pools", configMap);
                stale = true;
            }
            return false;
        }
        Map<String, String> data = map.getData() == null ? Map.of() : map.getData();
        String text = data.get("config");
        if (Objects.equals(text, lastSeen)) {
            return false;
        }
        lastSeen = text;
        ParsedConfig parsed = ConfigParser.parseConfigMapData(data);
        if (parsed instanceof ParsedConfig.Invalid invalid) {
            stale = loaded;
            log.warn("ConfigMap {} rejected, {}: {}", configMap,
                    loaded ? "the last good pools stay in force" : "no pools yet, so nothing is announced",
                    String.join("; ", invalid.errors().stream().map(ConfigError::toString).toList()));
            return false;
        }
        Config config = ((ParsedConfig.Valid) parsed).config();
        boolean changed = !config.equals(current);
        current = config;
        loaded = true;
        stale = false;
        log.info("pools from ConfigMap {}: {}", configMap,
                String.join(", ", config.pools().stream().map(p -> p.name()).toList()));
        return changed;
    }
}
