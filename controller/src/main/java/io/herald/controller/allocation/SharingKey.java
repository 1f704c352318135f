package io.herald.controller.allocation;

import java.util.Objects;

/** The value of {@code herald.io/allow-shared-ip}: Services with equal keys may share an address. */
public record SharingKey(String value) {
    public SharingKey {
        Objects.requireNonNull(value, "value");
        if (value.isBlank()) {
            throw new IllegalArgumentException("a sharing key must not be blank");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
