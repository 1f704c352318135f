package io.herald.controller.allocation;

/** A Service port's protocol, spelled as in {@code spec.ports[].protocol}, so {@code valueOf} reads it. */
public enum Protocol {
    TCP,
    UDP,
    SCTP
}
