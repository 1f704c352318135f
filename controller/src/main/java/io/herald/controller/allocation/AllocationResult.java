package io.herald.controller.allocation;

/** The allocator's answer to a Service: the addresses it holds, or why it has none. */
public sealed interface AllocationResult permits Assigned, Failed {
}
