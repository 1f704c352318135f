package io.herald.common.config;

import io.herald.common.ip.IpRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Stage two: checks the values of a {@link RawConfig} and builds the immutable
 * {@link Config}. Every rule that fails adds an error naming its place; checking goes on,
 * so one run shows everything to fix.
 */
final class ConfigValidator {
    private ConfigValidator() {}

    private static final String LAYER2 = "layer2";
    private static final String ADDRESS_FORMS =
            "a CIDR (198.18.0.0/24), a range (198.18.0.10-198.18.0.20) or a single IP";
    private static final String OPERATORS = "In, NotIn, Exists or DoesNotExist";

    /** An address entry that parsed, remembered to find overlaps across the whole config. */
    private record Entry(ConfigPath path, String written, IpRange range, int pool, String poolName) {}

    /** The config built from every part that is valid; meaningful only if no errors were added. */
    static Config validate(RawConfig raw, Findings findings) {
        List<RawConfig.Pool> written = raw.addressPools() == null ? List.of() : raw.addressPools();
        ConfigPath poolsAt = ConfigPath.TOP.key("address-pools");
        List<AddressPool> pools = new ArrayList<>();
        Map<String, ConfigPath> poolNames = new HashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < written.size(); i++) {
            ConfigPath at = poolsAt.index(i);
            RawConfig.Pool pool = written.get(i);
            if (pool == null) {
                findings.badValue(at, "empty entry; give a pool with a name and addresses, or remove the \"-\"");
                continue;
            }
            String name = poolName(pool.name(), at, poolNames, findings);
            checkProtocol(pool.protocol(), at.key("protocol"), findings);
            List<IpRange> ranges = addresses(pool.addresses(), at.key("addresses"), i, name, entries, findings);
            List<NodeSelector> selectors = nodeSelectors(pool.nodeSelectors(), at.key("node-selectors"), findings);
            List<String> interfaces = names(pool.interfaces(), at.key("interfaces"), Names::isInterfaceName,
                    "a network interface name", Names.INTERFACE_RULE, findings);
            List<String> namespaces = names(pool.namespaces(), at.key("namespaces"), Names::isDnsLabel,
                    "a namespace name", Names.DNS_LABEL_RULE, findings);
            pools.add(new AddressPool(name, ranges,
                    pool.autoAssign() == null || pool.autoAssign(),
                    pool.avoidBuggyIps() != null && pool.avoidBuggyIps(),
                    selectors, interfaces, namespaces));
        }
        reportOverlaps(entries, findings);
        return new Config(pools);
    }

    private static String poolName(String name, ConfigPath pool, Map<String, ConfigPath> names, Findings findings) {
        ConfigPath at = pool.key("name");
        if (name == null || name.isBlank()) {
            findings.badValue(at, "missing; every pool needs a name, such as \"name: default\"");
        } else if (!Names.isDnsLabel(name)) {
            findings.badValue(at, "\"" + name + "\" is not a valid pool name; " + Names.DNS_LABEL_RULE);
        } else if (names.containsKey(name)) {
            findings.badValue(at, "\"" + name + "\" is already the name of " + names.get(name) + "; pool names must be unique");
        } else {
            names.put(name, pool);
        }
        return name;
    }

    /** MetalLB requires the key; Herald has one protocol, so leaving it out means layer2. */
    private static void checkProtocol(String protocol, ConfigPath at, Findings findings) {
        if (protocol != null && !protocol.equals(LAYER2)) {
            findings.badValue(at, "\"" + protocol + "\" is not supported: Herald announces with layer2 only; "
                    + "write \"protocol: layer2\" or leave the key out");
        }
    }

    private static List<IpRange> addresses(List<String> written, ConfigPath at, int pool, String poolName,
            List<Entry> entries, Findings findings) {
        if (written == null || written.isEmpty()) {
            findings.badValue(at, "must list at least one address: " + ADDRESS_FORMS);
            return List.of();
        }
        List<IpRange> ranges = new ArrayList<>();
        for (int j = 0; j < written.size(); j++) {
            String text = written.get(j);
            if (text == null || text.isBlank()) {
                findings.badValue(at.index(j), "empty; write " + ADDRESS_FORMS + ", or remove the entry");
                continue;
            }
            try {
                IpRange range = IpRange.parse(text);
                ranges.add(range);
                entries.add(new Entry(at.index(j), text.trim(), range, pool, poolName));
            } catch (IllegalArgumentException e) {
                findings.badValue(at.index(j), e.getMessage());
            }
        }
        ranges.sort(null);
        return ranges;
    }

    /** Each overlapping pair is reported once, at the entry written later, naming the earlier one. */
    private static void reportOverlaps(List<Entry> entries, Findings findings) {
        for (int later = 0; later < entries.size(); later++) {
            Entry b = entries.get(later);
            for (int earlier = 0; earlier < later; earlier++) {
                Entry a = entries.get(earlier);
                if (!a.range().overlaps(b.range())) {
                    continue;
                }
                String where = a.pool() == b.pool()
                        ? " in the same pool; list each address once"
                        : (a.poolName() == null ? "" : " (pool \"" + a.poolName() + "\")")
                                + "; an address may belong to one pool only";
                findings.badValue(b.path(), "\"" + b.written() + "\" overlaps \"" + a.written() + "\" at " + a.path() + where);
            }
        }
    }

    private static List<NodeSelector> nodeSelectors(List<RawConfig.Selector> written, ConfigPath at, Findings findings) {
        List<NodeSelector> selectors = new ArrayList<>();
        for (int k = 0; written != null && k < written.size(); k++) {
            RawConfig.Selector selector = written.get(k);
            if (selector == null) {
                findings.badValue(at.index(k), "empty entry; give match-labels and/or match-expressions, or remove the \"-\"");
                continue;
            }
            Map<String, String> labels = matchLabels(selector.matchLabels(), at.index(k).key("match-labels"), findings);
            List<NodeSelector.Requirement> requirements = new ArrayList<>();
            List<RawConfig.Expression> expressions = selector.matchExpressions() == null ? List.of() : selector.matchExpressions();
            for (int m = 0; m < expressions.size(); m++) {
                ConfigPath expressionAt = at.index(k).key("match-expressions").index(m);
                requirement(expressions.get(m), expressionAt, findings).ifPresent(requirements::add);
            }
            selectors.add(new NodeSelector(labels, requirements));
        }
        return selectors;
    }

    private static Map<String, String> matchLabels(Map<String, String> written, ConfigPath at, Findings findings) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (written == null) {
            return labels;
        }
        written.forEach((key, value) -> {
            String v = value == null ? "" : value; // "zone:" with nothing after it is the empty label value
            if (!Names.isLabelKey(key)) {
                findings.badValue(at.key(key), "\"" + key + "\" is not a valid label key; " + Names.LABEL_KEY_RULE);
            } else if (!Names.isLabelValue(v)) {
                findings.badValue(at.key(key), "\"" + v + "\" is not a valid label value; " + Names.LABEL_VALUE_RULE);
            } else {
                labels.put(key, v);
            }
        });
        return labels;
    }

    private static Optional<NodeSelector.Requirement> requirement(RawConfig.Expression expression, ConfigPath at,
            Findings findings) {
        if (expression == null) {
            findings.badValue(at, "empty entry; give key, operator and values, or remove the \"-\"");
            return Optional.empty();
        }
        boolean valid = true;
        String key = expression.key();
        if (key == null || key.isBlank()) {
            findings.badValue(at.key("key"), "missing; name the node label to test, such as \"key: topology.kubernetes.io/zone\"");
            valid = false;
        } else if (!Names.isLabelKey(key)) {
            findings.badValue(at.key("key"), "\"" + key + "\" is not a valid label key; " + Names.LABEL_KEY_RULE);
            valid = false;
        }
        NodeSelector.Operator operator = operator(expression.operator(), at.key("operator"), findings);
        List<String> values = expression.values() == null ? List.of()
                : expression.values().stream().map(v -> v == null ? "" : v).collect(Collectors.toList());
        ConfigPath valuesAt = at.key("values");
        if (operator == NodeSelector.Operator.In || operator == NodeSelector.Operator.NotIn) {
            if (values.isEmpty()) {
                findings.badValue(valuesAt, operator + " needs at least one value to compare the label with");
                valid = false;
            }
            for (int v = 0; v < values.size(); v++) {
                if (!Names.isLabelValue(values.get(v))) {
                    findings.badValue(valuesAt.index(v), "\"" + values.get(v) + "\" is not a valid label value; " + Names.LABEL_VALUE_RULE);
                    valid = false;
                }
            }
        } else if (operator != null && !values.isEmpty()) {
            findings.badValue(valuesAt, operator + " takes no values; remove them");
            valid = false;
        }
        return valid && operator != null
                ? Optional.of(new NodeSelector.Requirement(key, operator, values))
                : Optional.empty();
    }

    private static NodeSelector.Operator operator(String written, ConfigPath at, Findings findings) {
        if (written == null || written.isBlank()) {
            findings.badValue(at, "missing; use " + OPERATORS);
            return null;
        }
        return Arrays.stream(NodeSelector.Operator.values())
                .filter(o -> o.name().equals(written))
                .findFirst()
                .orElseGet(() -> {
                    findings.badValue(at, "\"" + written + "\" is not an operator; use " + OPERATORS);
                    return null;
                });
    }

    private static List<String> names(List<String> written, ConfigPath at, Predicate<String> valid, String what,
            String rule, Findings findings) {
        List<String> names = new ArrayList<>();
        for (int j = 0; written != null && j < written.size(); j++) {
            String name = written.get(j);
            if (name == null || name.isBlank()) {
                findings.badValue(at.index(j), "empty; write " + what + " or remove the entry");
            } else if (!valid.test(name)) {
                findings.badValue(at.index(j), "\"" + name + "\" is not " + what + "; " + rule);
            } else {
                names.add(name);
            }
        }
        return names;
    }
}
