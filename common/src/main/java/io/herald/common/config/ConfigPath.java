package io.herald.common.config;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A place in the config: keys and list indexes from the top, written as the user reads
 * it, {@code address-pools[1].node-selectors[0].match-labels["topology.kubernetes.io/zone"]}.
 */
record ConfigPath(List<Object> segments) {
    static final ConfigPath TOP = new ConfigPath(List.of());
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");

    ConfigPath {
        segments = List.copyOf(segments);
    }

    ConfigPath key(String key) {
        return with(key);
    }

    ConfigPath index(int index) {
        return with(index);
    }

    private ConfigPath with(Object segment) {
        List<Object> longer = new ArrayList<>(segments);
        longer.add(segment);
        return new ConfigPath(longer);
    }

    boolean isTop() {
        return segments.isEmpty();
    }

    ConfigPath parent() {
        return new ConfigPath(segments.subList(0, Math.max(0, segments.size() - 1)));
    }

    Object last() {
        return segments.get(segments.size() - 1);
    }

    /** Whether this is {@code other} or lies inside it. */
    boolean isWithin(ConfigPath other) {
        return segments.size() >= other.segments.size()
                && segments.subList(0, other.segments.size()).equals(other.segments);
    }

    /** The path Jackson reports for a binding error. */
    static ConfigPath of(List<JsonMappingException.Reference> references) {
        ConfigPath path = TOP;
        for (JsonMappingException.Reference reference : references) {
            path = reference.getFieldName() != null ? path.key(reference.getFieldName()) : path.index(reference.getIndex());
        }
        return path;
    }

    /** The node at this path, or a missing node. */
    JsonNode in(JsonNode root) {
        JsonNode node = root;
        for (Object segment : segments) {
            node = segment instanceof Integer index ? node.path(index) : node.path((String) segment);
        }
        return node;
    }

    @Override
    public String toString() {
        if (segments.isEmpty()) {
            return "top level";
        }
        StringBuilder out = new StringBuilder();
        for (Object segment : segments) {
            if (segment instanceof Integer index) {
                out.append('[').append(index).append(']');
            } else if (PLAIN_KEY.matcher((String) segment).matches()) {
                out.append(out.length() == 0 ? "" : ".").append(segment);
            } else {
                out.append("[\"").append(segment).append("\"]");
            }
        }
        return out.toString();
    }
}
