package io.herald.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The errors both parsing stages find, reported together in the order of the file. */
final class Findings {
    private record Finding(ConfigPath path, String message) {}

    private final List<Finding> findings = new ArrayList<>();
    private final List<ConfigPath> badShapes = new ArrayList<>();

    /**
     * Stage one: the YAML at this path has the wrong shape (an unknown key, a list where a
     * value belongs). Stage two sees nothing there, so it must not also call it missing.
     */
    void badShape(ConfigPath path, String message) {
        findings.add(new Finding(path, message));
        badShapes.add(path);
    }

    /** Stage two: a value that has the right shape but is wrong. */
    void badValue(ConfigPath path, String message) {
        if (badShapes.stream().noneMatch(path::isWithin)) {
            findings.add(new Finding(path, message));
        }
    }

    boolean isEmpty() {
        return findings.isEmpty();
    }

    /**
     * The errors in the order of the file: by where their path stands in the YAML. A key
     * that is missing sorts at the end of the mapping it belongs in.
     */
    List<ConfigError> inFileOrder(JsonNode tree) {
        Map<ConfigPath, int[]> spans = new HashMap<>();
        number(tree, ConfigPath.TOP, spans);
        Comparator<Finding> byPlace = Comparator.comparingInt(f -> placeOf(f.path(), spans));
        return findings.stream()
                .sorted(byPlace) // stable: errors at one place keep the order they were found in
                .map(f -> new ConfigError(f.path().toString(), f.message()))
                .toList();
    }

    private static int placeOf(ConfigPath path, Map<ConfigPath, int[]> spans) {
        int[] span = spans.get(path);
        if (span != null) {
            return 2 * span[0];
        }
        for (ConfigPath p = path.parent(); ; p = p.parent()) {
            span = spans.get(p);
            if (span != null || p.isTop()) {
                return span == null ? 0 : 2 * span[1] + 1; // after everything written inside it
            }
        }
    }

    /** Numbers the nodes in the order they are written: each path's own number and its subtree's last. */
    private static int number(JsonNode node, ConfigPath path, Map<ConfigPath, int[]> spans) {
        int[] span = {spans.size(), spans.size()};
        spans.put(path, span);
        if (node.isObject()) {
            node.properties().forEach(e -> span[1] = number(e.getValue(), path.key(e.getKey()), spans));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                span[1] = number(node.get(i), path.index(i), spans);
            }
        }
        return span[1];
    }
}
