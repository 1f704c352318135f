package io.herald.speaker.ownership;

import java.util.Map;
import java.util.Objects;

/**
 * What ownership needs to know about a Kubernetes Node.
 *
 * @param labels   the Node's labels, for the pools' node-selectors and the exclusion label
 * @param notReady true only when the Node's Ready condition is explicitly False or Unknown;
 *                 a Node that reports no conditions yet is not NotReady
 */
public record NodeInfo(String name, Map<String, String> labels, boolean notReady) {
    public NodeInfo {
        Objects.requireNonNull(name, "name");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
