package io.herald.controller.allocation;

/** {@code spec.ipFamilyPolicy}: how many address families a Service gets. */
public enum FamilyPolicy {
    /** One address, of the Service's first family. */
    SINGLE_STACK("SingleStack"),
    /** Both families when one pool can give both, else the first family only. */
    PREFER_DUAL_STACK("PreferDualStack"),
    /** Both families from one pool, or nothing. */
    REQUIRE_DUAL_STACK("RequireDualStack");

    private final String kubernetesName;

    FamilyPolicy(String kubernetesName) {
        this.kubernetesName = kubernetesName;
    }

    public String kubernetesName() {
        return kubernetesName;
    }

    /** Parses "SingleStack", "PreferDualStack" or "RequireDualStack". */
    public static FamilyPolicy fromKubernetes(String name) {
        for (FamilyPolicy policy : values()) {
            if (policy.kubernetesName.equals(name)) {
                return policy;
            }
        }
        throw new IllegalArgumentException("\"" + name
                + "\" is not an ipFamilyPolicy; use SingleStack, PreferDualStack or RequireDualStack");
    }

    @Override
    public String toString() {
        return kubernetesName;
    }
}
