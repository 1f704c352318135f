package io.herald.common.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Stage one: binds the YAML tree to {@link RawConfig}, strictly. Jackson stops at the
 * first problem, so each problem is recorded, the bad node cut out of a copy of the tree,
 * and binding tried again, until it succeeds: the user sees every problem at once.
 */
final class RawConfigBinder {
    private RawConfigBinder() {}

    /** MetalLB v0.12 keys that configure BGP, which Herald does not speak. */
    private static final Set<String> BGP_KEYS = Set.of("peers", "bgp-communities", "bgp-advertisements");

    private static final Map<Class<?>, String> SHAPES = Map.of(
            RawConfig.class, "a mapping with the key address-pools",
            RawConfig.Pool.class, "an address pool: a mapping with name, addresses and the other pool keys",
            RawConfig.Selector.class, "a node selector: a mapping with match-labels and/or match-expressions",
            RawConfig.Expression.class, "a mapping with key, operator and values",
            Boolean.class, "true or false",
            String.class, "a single value");

    private static final ObjectReader READER;

    static {
        JsonMapper mapper = JsonMapper.builder() // binds a tree, so the format is already YAML-neutral
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        // "auto-assign: 1" or "auto-assign: ''" is a slip, not a yes or no.
        mapper.coercionConfigFor(LogicalType.Boolean)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        READER = mapper.readerFor(RawConfig.class);
    }

    /** The config as written with every bad node left out, or null if even the top is unusable. */
    static RawConfig bind(JsonNode tree, Findings findings) {
        JsonNode rest = tree.deepCopy();
        Set<ConfigPath> cut = new HashSet<>();
        while (true) {
            try {
                return READER.readValue(rest);
            } catch (InvalidDefinitionException e) {
                throw new IllegalStateException("RawConfig cannot be bound by Jackson", e);
            } catch (JsonMappingException e) {
                ConfigPath path = ConfigPath.of(e.getPath());
                findings.badShape(path, explain(e, path.in(tree)));
                if (!cut.add(path) || !cutOut(rest, path)) {
                    return null;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a tree in memory: no I/O happens
            }
        }
    }

    private static boolean cutOut(JsonNode tree, ConfigPath path) {
        if (path.isTop()) {
            return false;
        }
        JsonNode parent = path.parent().in(tree);
        if (path.last() instanceof Integer index && parent instanceof ArrayNode list && index < list.size()) {
            list.set(index, NullNode.getInstance());
            return true;
        }
        if (path.last() instanceof String key && parent instanceof ObjectNode mapping && mapping.has(key)) {
            mapping.remove(key);
            return true;
        }
        return false;
    }

    private static String explain(JsonMappingException e, JsonNode found) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            String key = unknown.getPropertyName();
            if (BGP_KEYS.contains(key)) {
                return "a BGP setting, but Herald announces with layer2 only; remove it";
            }
            List<String> allowed = unknown.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
            return "unknown key" + closest(key, allowed).map(k -> " (did you mean " + k + "?)").orElse("")
                    + "; keys allowed here: " + String.join(", ", allowed);
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return "must be " + shape(mismatch.getTargetType()) + ", not " + describe(found);
        }
        return "cannot be read: " + e.getOriginalMessage().lines().findFirst().orElse("");
    }

    private static String shape(Class<?> type) {
        if (Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "a mapping of label names to values";
        }
        return SHAPES.getOrDefault(type, "a " + type.getSimpleName());
    }

    /** How the user wrote a value, in words. */
    static String describe(JsonNode node) {
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isNull() || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isTextual()) {
            return node.asText().isEmpty() ? "an empty string" : "\"" + node.asText() + "\"";
        }
        return node.asText();
    }

    /** The allowed key the user most likely meant: the same but for case and dashes, or one or two typos. */
    private static Optional<String> closest(String key, List<String> allowed) {
        String plain = key.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        for (String candidate : allowed) {
            if (candidate.replace("-", "").equals(plain)) {
                return Optional.of(candidate);
            }
        }
        String best = null;
        int bestDistance = 3;
        for (String candidate : allowed) {
            int distance = editDistance(key, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return Optional.ofNullable(best);
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
