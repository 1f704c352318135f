package io.herald.controller.allocation;

import java.util.Comparator;
import java.util.Objects;

/** A Service by namespace and name; ordered that way so every listing of Services is stable. */
public record ServiceKey(String namespace, String name) implements Comparable<ServiceKey> {
    private static final Comparator<ServiceKey> ORDER =
            Comparator.comparing(ServiceKey::namespace).thenComparing(ServiceKey::name);

    public ServiceKey {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        if (namespace.isEmpty() || name.isEmpty()) {
            throw new IllegalArgumentException("a Service needs a namespace and a name, got \"" + namespace + "/" + name + "\"");
        }
    }

    @Override
    public int compareTo(ServiceKey other) {
        return ORDER.compare(this, other);
    }

    /** {@code namespace/name}, as kubectl and every Herald message write it. */
    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
