package io.herald.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Reads Herald's address-pool config: MetalLB v0.12's layer-2 format (a MetalLB user can
 * paste theirs) plus Herald's pool keys {@code node-selectors}, {@code interfaces} and
 * {@code namespaces}.
 *
 * <p>Two stages, as in MetalLB's {@code internal/config}: the YAML is bound strictly to
 * raw records (an unknown key or a value of the wrong shape is an error), then every value
 * is checked and the immutable {@link Config} built. Both stages report every error, each
 * naming its place, in the order of the file. {@code protocol} may be left out: Herald
 * announces with layer2 only, so that is what it means.
 */
public final class ConfigParser {
    private ConfigParser() {}

    /** The ConfigMap key that holds the config, as in MetalLB's ConfigMap. */
    public static final String CONFIG_KEY = "config";

    private static final String CONFIG_IN_CONFIG_MAP = "data." + CONFIG_KEY;

    /** Parses the config itself: the YAML with {@code address-pools} at the top. */
    public static ParsedConfig parse(String yaml) {
        return parse(yaml, "");
    }

    /** Parses the {@code data} of the config's ConfigMap, as the controller reads it from the API. */
    public static ParsedConfig parseConfigMapData(Map<String, String> data) {
        String config = data == null ? null : data.get(CONFIG_KEY);
        return config == null ? missingConfigKey() : parse(config, CONFIG_IN_CONFIG_MAP + " ");
    }

    /**
     * Parses a file as a user has it: a ConfigMap manifest ({@code kind: ConfigMap}), whose
     * {@code data.config} holds the config, or else the bare config.
     */
    public static ParsedConfig parseConfigMap(String manifestOrBareConfig) {
        JsonNode document;
        try {
            document = YamlDocument.read(manifestOrBareConfig);
        } catch (YamlDocument.Unreadable e) {
            return unreadable(e, "");
        }
        JsonNode kind = document == null ? null : document.get("kind");
        if (kind == null) {
            return fromTree(document);
        }
        if (!kind.asText().equals("ConfigMap")) {
            return invalid("kind", RawConfigBinder.describe(kind) + " is not a ConfigMap; give the ConfigMap that holds "
                    + "the config, or the config itself (the YAML with address-pools)");
        }
        JsonNode config = document.path("data").path(CONFIG_KEY);
        if (config.isMissingNode() || config.isNull()) {
            return missingConfigKey();
        }
        if (!config.isTextual()) {
            return invalid(CONFIG_IN_CONFIG_MAP, "must be a string holding the config, not " + RawConfigBinder.describe(config)
                    + "; write \"config: |\" and indent the config below it");
        }
        return parse(config.asText(), CONFIG_IN_CONFIG_MAP + " ");
    }

    /** @param linesOf what the line numbers of a YAML error count from: "" for the text itself */
    private static ParsedConfig parse(String yaml, String linesOf) {
        try {
            return fromTree(YamlDocument.read(yaml));
        } catch (YamlDocument.Unreadable e) {
            return unreadable(e, linesOf);
        }
    }

    private static ParsedConfig fromTree(JsonNode tree) {
        if (tree == null) {
            return new ParsedConfig.Valid(Config.EMPTY); // no pools: Services wait until some are configured
        }
        if (!tree.isObject()) { // checked here: Jackson would take a list's single mapping as the top
            return invalid(ConfigPath.TOP.toString(), "must be a mapping with the key address-pools, not "
                    + RawConfigBinder.describe(tree));
        }
        Findings findings = new Findings();
        RawConfig raw = RawConfigBinder.bind(tree, findings);
        Config config = raw == null ? null : ConfigValidator.validate(raw, findings);
        return findings.isEmpty() ? new ParsedConfig.Valid(config) : new ParsedConfig.Invalid(findings.inFileOrder(tree));
    }

    private static ParsedConfig missingConfigKey() {
        return invalid(CONFIG_IN_CONFIG_MAP, "missing; Herald reads its pools from the \"" + CONFIG_KEY + "\" key");
    }

    private static ParsedConfig unreadable(YamlDocument.Unreadable e, String linesOf) {
        return invalid(linesOf + "line " + e.line + ", column " + e.column, e.getMessage());
    }

    private static ParsedConfig invalid(String path, String message) {
        return new ParsedConfig.Invalid(List.of(new ConfigError(path, message)));
    }
}
