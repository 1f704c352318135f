package io.herald.controller.allocation;

import java.util.Objects;

/**
 * The Service holds these addresses.
 *
 * @param changed whether they differ from what the allocator held for the Service just
 *                before the call (true for a first allocation and for every claim at start);
 *                a renamed pool alone is not a change, so the reconciler should still write
 *                status whenever it differs from the allocation
 */
public record Assigned(Allocation allocation, boolean changed) implements AllocationResult {
    public Assigned {
        Objects.requireNonNull(allocation, "allocation");
    }
}
