package io.herald.controller.allocation;

import java.util.Objects;

/**
 * The Service gets no address.
 *
 * @param reason  for metrics and tests
 * @param message for the user, in an Event: names the pools, addresses and Services involved
 *                and, where there is one, what to change
 */
public record Failed(FailureReason reason, String message) implements AllocationResult {
    public Failed {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }
}
