package io.herald.common.ip;

/** An IP family, spelled as Kubernetes spells it in {@code spec.ipFamilies}. */
public enum Family {
    IPV4("IPv4", 32),
    IPV6("IPv6", 128);

    private final String kubernetesName;
    private final int bits;

    Family(String kubernetesName, int bits) {
        this.kubernetesName = kubernetesName;
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }

    /** "IPv4" or "IPv6". */
    public String kubernetesName() {
        return kubernetesName;
    }

    /** Parses "IPv4" / "IPv6" as in {@code spec.ipFamilies}. */
    public static Family fromKubernetes(String name) {
        for (Family family : values()) {
            if (family.kubernetesName.equals(name)) {
                return family;
            }
        }
        throw new IllegalArgumentException("\"" + name + "\" is not an IP family; use IPv4 or IPv6");
    }

    @Override
    public String toString() {
        return kubernetesName;
    }
}
