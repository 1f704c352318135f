package io.herald.common.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * Stage one of parsing: the config as written, in MetalLB v0.12's layer-2 format plus
 * Herald's pool keys. Every key it may hold is named here, so any other key is an
 * error; nothing is checked beyond shape. {@code null} means the key is absent.
 */
record RawConfig(@JsonProperty("address-pools") List<Pool> addressPools) {

    record Pool(
            @JsonProperty("name") String name,
            @JsonProperty("protocol") String protocol,
            @JsonProperty("addresses") List<String> addresses,
            @JsonProperty("auto-assign") Boolean autoAssign,
            @JsonProperty("avoid-buggy-ips") Boolean avoidBuggyIps,
            @JsonProperty("node-selectors") List<Selector> nodeSelectors,
            @JsonProperty("interfaces") List<String> interfaces,
            @JsonProperty("namespaces") List<String> namespaces) {}

    record Selector(
            @JsonProperty("match-labels") Map<String, String> matchLabels,
            @JsonProperty("match-expressions") List<Expression> matchExpressions) {}

    record Expression(
            @JsonProperty("key") String key,
            @JsonProperty("operator") String operator,
            @JsonProperty("values") List<String> values) {}
}
