package io.herald.controller.allocation;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code spec.externalTrafficPolicy} as far as sharing cares: Services may share an
 * address only with equal policies, because with {@code Local} the address must be
 * announced from a node running the Service's pods, and two Services can agree on such
 * a node only when they select the same pods.
 *
 * @param selector for {@code LOCAL}, the pod selector in a canonical form (see
 *                 {@link #local(Map)}); empty for {@code CLUSTER}
 */
public record TrafficPolicy(Kind kind, String selector) {
    public enum Kind { CLUSTER, LOCAL }

    public static final TrafficPolicy CLUSTER = new TrafficPolicy(Kind.CLUSTER, "");

    public TrafficPolicy {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(selector, "selector");
        if (kind == Kind.CLUSTER && !selector.isEmpty()) {
            throw new IllegalArgumentException("externalTrafficPolicy Cluster takes no selector");
        }
    }

    /** Local, with the Service's {@code spec.selector} written as sorted {@code key=value} pairs. */
    public static TrafficPolicy local(Map<String, String> podSelector) {
        String canonical = new TreeMap<>(podSelector).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        return new TrafficPolicy(Kind.LOCAL, canonical);
    }

    public boolean sharesWith(TrafficPolicy other) {
        return equals(other);
    }

    /** As a user would recognise it: "Cluster", or "Local (selector app=web)". */
    @Override
    public String toString() {
        if (kind == Kind.CLUSTER) {
            return "Cluster";
        }
        return selector.isEmpty() ? "Local (no selector)" : "Local (selector " + selector + ")";
    }
}
